// A local copy of the configuration, so a gateway unit can start from its last known configuration
// while the shared database is down (APIM's self-hosted gateway "config backup").
// File layout: one header line (JSON: format, version, revision, byte length and SHA-256 of the body),
// then the body (JSON Snapshot). Written to a temp file, fsynced, renamed over the old one, and the
// directory fsynced: a reader sees the old file or the new one, never a torn mix.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ConfigStore, Snapshot } from "./contract.js";
import { StoreError } from "./contract.js";
import { storeErrorChannel } from "./watch-hub.js";

const format = "moat-config-snapshot";
const version = 1;

interface Header {
  format: string;
  version: number;
  revision: number;
  bytes: number;
  sha256: string;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function fsyncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic there.
  }
}

export async function writeSnapshotFile(path: string, snapshot: Snapshot): Promise<void> {
  const body = Buffer.from(JSON.stringify({ revision: snapshot.revision, entities: snapshot.entities }));
  const header: Header = { format, version, revision: snapshot.revision, bytes: body.length, sha256: sha256(body) };
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), body]));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new StoreError("STORE_ERR_UNAVAILABLE", `cannot write configuration snapshot ${path}: ${String(error)}`, {
      cause: error,
    });
  }
  await fsyncDirectory(dir);
}

/** The snapshot in the file; undefined when there is none. A damaged file is STORE_ERR_INVALID. */
export async function readSnapshotFile(path: string): Promise<Snapshot | undefined> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw new StoreError("STORE_ERR_UNAVAILABLE", `cannot read configuration snapshot ${path}: ${String(error)}`, {
      cause: error,
    });
  }
  const invalid = (why: string) => new StoreError("STORE_ERR_INVALID", `configuration snapshot ${path}: ${why}`);
  const newline = data.indexOf(0x0a);
  if (newline < 0) throw invalid("no header line");
  let header: Header;
  try {
    header = JSON.parse(data.subarray(0, newline).toString("utf8")) as Header;
  } catch {
    throw invalid("header is not JSON");
  }
  if (header?.format !== format) throw invalid(`not a ${format} file`);
  if (header.version !== version) throw invalid(`unsupported version ${String(header.version)}`);
  const body = data.subarray(newline + 1);
  if (body.length !== header.bytes) throw invalid(`body is ${body.length} bytes, header says ${header.bytes}`);
  if (sha256(body) !== header.sha256) throw invalid("checksum mismatch");
  const parsed = JSON.parse(body.toString("utf8")) as Snapshot;
  if (parsed.revision !== header.revision || !Array.isArray(parsed.entities))
    throw invalid("body does not match header");
  return parsed;
}

export interface SnapshotBackupOptions {
  /** Coalesces bursts of changes into one rewrite. */
  delayMs?: number;
  /** Pause between attempts while the first snapshot cannot be taken (database down). */
  retryMs?: number;
}

export interface SnapshotBackup {
  /** Rewrites the file now from the store's current state (rejects if that fails). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps `path` a copy of the store: written once the store answers, then again (debounced) after every
 * change. Failures (database down, disk full) are published on storeErrorChannel and retried; the
 * previous file stays intact meanwhile.
 */
export function startSnapshotBackup(
  store: ConfigStore,
  path: string,
  options: SnapshotBackupOptions = {},
): SnapshotBackup {
  let timer: NodeJS.Timeout | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let unwatch = () => {};

  const report = (error: unknown) =>
    storeErrorChannel.publish({ backend: store.backend, phase: "snapshot-file", error });
  // Writes are chained so two rewrites never race and an older snapshot never lands after a newer one.
  const writeNow = (): Promise<Snapshot> => {
    const next = queue.then(async () => {
      const snapshot = await store.snapshot();
      await writeSnapshotFile(path, snapshot);
      return snapshot;
    });
    queue = next.catch(() => undefined);
    return next;
  };
  const schedule = () => {
    if (timer !== undefined || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) writeNow().catch(report);
    }, options.delayMs ?? 250);
    timer.unref();
  };

  const begin = async () => {
    while (!stopped) {
      try {
        const snapshot = await writeNow();
        if (!stopped) unwatch = store.watch(snapshot.revision, schedule);
        return;
      } catch (error) {
        report(error);
        await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 1000).unref());
      }
    }
  };
  const started = begin();

  return {
    async flush() {
      clearTimeout(timer);
      timer = undefined;
      await writeNow();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      unwatch();
      await Promise.race([started, queue]);
      await queue;
    },
  };
}
