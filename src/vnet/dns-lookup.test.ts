import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { createNetworkResolver } from "./dns-lookup.js";
import { type DnsServer, startDnsServer } from "./testing/dns-server.js";

describe("backend names resolve through the network's DNS servers", () => {
  let dns: DnsServer;
  before(async () => {
    dns = await startDnsServer({ "api.corp.internal": "10.77.2.10" });
  });
  after(() => dns.close());

  test("an A record from the network's server, cached for its TTL", async () => {
    const clock = createManualClock(0);
    const r = createNetworkResolver({ clock, servers: [`127.0.0.1:${dns.port}`] });
    assert.deepEqual(await r.resolve("api.corp.internal"), ["10.77.2.10"]);
    const before = dns.queries.length;
    assert.deepEqual(await r.resolve("api.corp.internal"), ["10.77.2.10"]);
    assert.equal(dns.queries.length, before, "second answer from the cache");
    clock.advance(31_000);
    await r.resolve("api.corp.internal");
    assert.equal(dns.queries.length, before + 1, "asked again after the TTL");
  });

  test("a name the server does not know fails naming the server", async () => {
    const r = createNetworkResolver({ clock: createManualClock(0), servers: [`127.0.0.1:${dns.port}`] });
    await assert.rejects(r.resolve("nowhere.corp.internal"), (err: Error & { code?: string }) => {
      assert.equal(err.code, "ENOTFOUND");
      assert.match(
        err.message,
        new RegExp(`DNS 127\\.0\\.0\\.1:${dns.port} could not resolve nowhere\\.corp\\.internal`),
      );
      return true;
    });
  });

  test("a server that does not answer fails with the server and the reason, quickly", async () => {
    const r = createNetworkResolver({ clock: createManualClock(0), servers: ["127.0.0.1:9"], timeoutMs: 300 });
    await assert.rejects(r.resolve("api.corp.internal"), /DNS 127\.0\.0\.1:9 could not resolve api\.corp\.internal/);
  });

  test("the socket lookup answers in both forms node:net asks for", async () => {
    const r = createNetworkResolver({ clock: createManualClock(0), servers: [`127.0.0.1:${dns.port}`] });
    const one = await new Promise((ok) => r.lookup("api.corp.internal", {}, (_e, a, f) => ok([a, f])));
    assert.deepEqual(one, ["10.77.2.10", 4]);
    const all = await new Promise((ok) => r.lookup("api.corp.internal", { all: true }, (_e, a) => ok(a)));
    assert.deepEqual(all, [{ address: "10.77.2.10", family: 4 }]);
    const err = await new Promise((ok) => r.lookup("nowhere.corp.internal", {}, (e) => ok(e)));
    assert.match(String(err), /could not resolve/);
  });

  test("switching servers (apply network configuration) clears the cache", async () => {
    const r = createNetworkResolver({ clock: createManualClock(0), servers: ["127.0.0.1:9"] });
    r.setServers([`127.0.0.1:${dns.port}`]);
    assert.deepEqual(r.servers(), [`127.0.0.1:${dns.port}`]);
    assert.deepEqual(await r.resolve("api.corp.internal"), ["10.77.2.10"]);
  });

  test("without servers the host's resolver answers as node:net asked (IPv6 included)", async () => {
    const r = createNetworkResolver({ clock: createManualClock(0) });
    const all = await new Promise((ok) => r.lookup("localhost", { all: true }, (_e, a) => ok(a)));
    assert.ok(Array.isArray(all) && all.length > 0);
    const v6 = await new Promise((ok) => r.lookup("::1", { family: 6 }, (_e, a, f) => ok([a, f])));
    assert.deepEqual(v6, ["::1", 6]);
  });
});
