// A dedicated connection that LISTENs for commit notifications (payload = revision). It reconnects
// with exponential backoff after any loss; each (re)connection calls onConnected so the store reads
// the change feed from the last revision it delivered — notifications missed while down are not lost.
import pg from "pg";
import { storeErrorChannel } from "../watch-hub.js";

export interface ChangeListenerOptions {
  client: pg.ClientConfig;
  channel: string;
  onNotify(revision: number): void;
  onConnected(): void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ChangeListener {
  start(): void;
  stop(): void;
}

export function createChangeListener(options: ChangeListenerOptions): ChangeListener {
  const minMs = options.minBackoffMs ?? 100;
  const maxMs = options.maxBackoffMs ?? 5000;
  let active = false;
  let current: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;

  function report(error: unknown): void {
    storeErrorChannel.publish({ backend: "postgres", phase: "listen", error });
  }

  function drop(client: pg.Client): void {
    if (current !== client) return;
    current = undefined;
    client.end().catch(() => undefined);
    if (active) schedule();
  }

  function schedule(): void {
    clearTimeout(timer);
    const delay = Math.min(maxMs, minMs * 2 ** attempt);
    attempt++;
    timer = setTimeout(connect, delay);
    timer.unref();
  }

  async function connect(): Promise<void> {
    if (!active || current) return;
    const client = new pg.Client(options.client);
    current = client;
    // The handler stays for the client's whole life: a late socket error must never go unhandled.
    client.on("error", (error) => {
      report(error);
      drop(client);
    });
    client.on("end", () => drop(client));
    client.on("notification", (message) => {
      if (message.channel === options.channel) options.onNotify(Number(message.payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${options.channel}"`);
      if (current !== client) return;
      attempt = 0;
      options.onConnected();
    } catch (error) {
      report(error);
      drop(client);
    }
  }

  return {
    start() {
      if (active) return;
      active = true;
      attempt = 0;
      void connect();
    },
    stop() {
      active = false;
      clearTimeout(timer);
      const client = current;
      current = undefined;
      client?.end().catch(() => undefined);
    },
  };
}
