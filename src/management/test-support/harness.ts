// Starts a management server on port 0 over HTTPS with an in-memory SQLite store, and a fetch that
// trusts its self-signed certificate.
import { generate } from "selfsigned";
import { Agent, fetch as undiciFetch } from "undici";
import { createManualClock } from "../../core/clock.js";
import { createConfigStore } from "../../store/index.js";
import type { ManagementOptions } from "../context.js";
import { seedService } from "../seed.js";
import { createManagementServer } from "../server.js";

export const adminKey = "test-admin-key-0123456789";
export const apiVersion = "2024-05-01";

export interface Harness {
  url: string;
  options: ManagementOptions;
  clock: ReturnType<typeof createManualClock>;
  agent: Agent;
  /** Request with the admin key; path relative to the service, api-version added. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  raw(method: string, path: string, init?: { body?: string; headers?: Record<string, string> }): Promise<Res>;
  close(): Promise<void>;
}

export interface Res {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected loosely
  body: any;
}

let cachedCert: { key: string; cert: string } | undefined;

export async function testCert(): Promise<{ key: string; cert: string }> {
  if (!cachedCert) {
    const pems = await generate([{ name: "commonName", value: "localhost" }], { keySize: 2048 });
    cachedCert = { key: pems.private, cert: pems.cert };
  }
  return cachedCert;
}

export async function startHarness(extra: Partial<ManagementOptions> = {}): Promise<Harness> {
  const store = await createConfigStore("sqlite::memory:", { dataDir: "." });
  const clock = createManualClock(Date.parse("2026-06-01T00:00:00Z"));
  const options: ManagementOptions = {
    store,
    clock,
    serviceName: "moat",
    location: "local",
    adminKey,
    signingKey: "test-signing-key-abcdefghijklmnop",
    urls: {
      gatewayUrl: "https://localhost:8443",
      portalUrl: "http://localhost:8081",
      developerPortalUrl: "http://localhost:8081",
      managementApiUrl: "https://localhost:3443",
    },
    ...extra,
  };
  await seedService(options);
  const server = createManagementServer(options, await testCert());
  const url = await server.listen(0, "127.0.0.1");
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const raw = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const res = await undiciFetch(`${url}${path}`, {
      method,
      dispatcher: agent,
      headers: init.headers ?? {},
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep text
    }
    return { status: res.status, headers: res.headers as unknown as Headers, body };
  };
  return {
    url,
    options,
    clock,
    agent,
    raw,
    call(method, path, body, headers = {}) {
      const sep = path.includes("?") ? "&" : "?";
      return raw(method, `${path}${sep}api-version=${apiVersion}`, {
        headers: {
          authorization: `Bearer ${adminKey}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    },
    async close() {
      await server.close();
      await agent.close();
      await store.close();
    },
  };
}
