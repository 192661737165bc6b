// PostgreSQL going away and coming back, simulated by a TCP proxy on loopback that the test can cut:
// calls fail fast with STORE_ERR_UNAVAILABLE, nothing crashes, and watchers catch up afterwards.
import assert from "node:assert/strict";
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import type { ChangeEvent, ConfigStore } from "../contract.js";
import { StoreError } from "../contract.js";
import { createPostgresStore } from "./postgres-store.js";

const databaseUrl = process.env.MOAT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const target = new URL(databaseUrl);
const schema = `moat_outage_${process.pid}_${Date.now().toString(36)}`;

function createTcpProxy() {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  return {
    get port() {
      return port;
    },
    async up(): Promise<void> {
      server = createServer((client) => {
        const upstream = netConnect(Number(target.port || 5432), target.hostname);
        track(client);
        track(upstream);
        client.pipe(upstream).pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      const listening = server;
      await new Promise<void>((resolve) => listening.listen(port, "127.0.0.1", resolve));
      port = (listening.address() as { port: number }).port;
    },
    async down(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      const closing = server;
      server = undefined;
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}

async function waitFor(ready: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rejectsUnavailable(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected StoreError, got ${String(error)}`);
    assert.equal(error.code, "STORE_ERR_UNAVAILABLE");
    return true;
  });
}

describe("PostgreSQL store when the database goes away", () => {
  const proxy = createTcpProxy();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  let viaProxy: ConfigStore;
  let direct: ConfigStore;
  const proxiedUrl = () => {
    const url = new URL(databaseUrl);
    url.port = String(proxy.port);
    return url.toString();
  };

  before(async () => {
    process.on("unhandledRejection", onUnhandled);
    await proxy.up();
    direct = await createPostgresStore({ connectionString: databaseUrl, schema });
    viaProxy = await createPostgresStore({
      connectionString: proxiedUrl(),
      schema,
      connectTimeoutMs: 1000,
      reconnectMinMs: 20,
      reconnectMaxMs: 200,
    });
  });
  after(async () => {
    await viaProxy.close();
    await direct.close();
    await proxy.down();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    process.off("unhandledRejection", onUnhandled);
    assert.deepEqual(unhandled, [], "no unhandled rejection");
  });

  test("calls fail with STORE_ERR_UNAVAILABLE while it is down and work again after", async () => {
    await viaProxy.put("api", "apis/before", { n: 1 });
    await proxy.down();
    const started = performance.now();
    await rejectsUnavailable(viaProxy.put("api", "apis/during", { n: 2 }));
    await rejectsUnavailable(viaProxy.get("api", "apis/before"));
    await rejectsUnavailable(viaProxy.list("api"));
    await rejectsUnavailable(viaProxy.snapshot());
    await rejectsUnavailable(viaProxy.changes(0));
    assert.ok(performance.now() - started < 5000, "failures are quick, not hangs");
    await proxy.up();
    await viaProxy.put("api", "apis/after", { n: 3 });
    assert.ok(await viaProxy.get("api", "apis/before"));
    assert.equal(await viaProxy.get("api", "apis/during"), undefined, "a failed write left nothing");
  });

  test("a watcher catches up on writes made while its connection was lost", async () => {
    const since = await viaProxy.revision();
    const seen: ChangeEvent[] = [];
    const stop = viaProxy.watch(since, (event) => seen.push(event));
    await direct.put("api", "apis/w1", {});
    await waitFor(() => seen.length === 1, "the first event");
    await proxy.down();
    await direct.put("api", "apis/w2", {});
    await direct.put("operation", "apis/w2/operations/o", {});
    await direct.delete("api", "apis/w1");
    await proxy.up();
    await waitFor(() => seen.length === 4, "the events written during the outage");
    stop();
    assert.deepEqual(
      seen.map((e) => `${e.op} ${e.id}`),
      ["put apis/w1", "put apis/w2", "put apis/w2/operations/o", "delete apis/w1"],
    );
  });

  test("the listener reconnects when the server terminates its session", async () => {
    const since = await direct.revision();
    const seen: string[] = [];
    const stop = direct.watch(since, (event) => seen.push(event.id));
    await direct.put("api", "apis/t1", {});
    await waitFor(() => seen.length === 1, "the first event");
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const { rowCount } = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
      [`moat-store-listen-${schema}`],
    );
    await admin.end();
    assert.ok((rowCount ?? 0) >= 1, "the listening session was found and terminated");
    // Written through another instance: only a NOTIFY (or the catch-up read) can tell `direct` about it.
    await viaProxy.put("api", "apis/t2", {});
    await waitFor(() => seen.length === 2, "the event after the listener was terminated");
    stop();
    assert.deepEqual(seen, ["apis/t1", "apis/t2"]);
  });

  test("a store opened while the database is down starts working when it comes up", async () => {
    await proxy.down();
    const late = await createPostgresStore({
      connectionString: proxiedUrl(),
      schema: `${schema}_late`,
      connectTimeoutMs: 1000,
    });
    try {
      await rejectsUnavailable(late.revision());
      await proxy.up();
      await late.put("api", "apis/late", { ok: true });
      assert.deepEqual((await late.get("api", "apis/late"))?.properties, { ok: true });
    } finally {
      await late.close();
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}_late" CASCADE`);
      await admin.end();
    }
  });

  test("an unreachable server is STORE_ERR_UNAVAILABLE, and a closed store too", async () => {
    const nowhere = await createPostgresStore({ connectionString: "postgres://postgres@127.0.0.1:1/test" });
    await rejectsUnavailable(nowhere.put("api", "apis/x", {}));
    const stop = nowhere.watch(0, () => assert.fail("nothing to deliver"));
    stop();
    await nowhere.close();
    await rejectsUnavailable(nowhere.get("api", "apis/x"));
  });
});
