// `moat serve --role gateway --units 2` for real: two worker processes behind one port, a killed
// worker replaced by the primary, and a clean stop of the whole group on SIGTERM.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HEALTH_PATH } from "../gateway/server/handler.js";
import { type ClusterEnv, createClusterEnv } from "./test-support/cluster-env.js";
import { type MoatProcess, spawnMoat } from "./test-support/moat-process.js";

let env: ClusterEnv;
let primary: MoatProcess;

before(async () => {
  env = await createClusterEnv("cluster");
});
after(async () => {
  await primary?.stop("SIGKILL");
  await env?.close();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("--units 2 shares one port between two supervised worker processes", { timeout: 120_000 }, async () => {
  primary = spawnMoat(["--role", "gateway", "--units", "2"], {
    MOAT_STORE: env.storeUrl,
    MOAT_DATA_DIR: env.tempDir(),
    MOAT_GATEWAY_HOST: "127.0.0.1",
    MOAT_GATEWAY_HTTP_PORT: "0",
    MOAT_GATEWAY_HTTPS_PORT: "0",
    MOAT_METRICS_ENABLED: "true",
    MOAT_METRICS_PORT: "0",
    MOAT_LOG_LEVEL: "warn",
  });
  const one = await primary.waitFor(
    /gateway unit 1 of 2 .*listening on port\(s\) (\d+), (\d+), metrics on [\d.]+:(\d+)/,
  );
  const two = await primary.waitFor(
    /gateway unit 2 of 2 .*listening on port\(s\) (\d+), (\d+), metrics on [\d.]+:(\d+)/,
  );
  assert.equal(one[1], two[1], "both units listen on the same HTTP port");
  assert.notEqual(one[3], two[3], "each unit has a metrics listener of its own");
  assert.match(primary.output(), /the store holds no service yet/);
  const port = Number(one[1]);
  const health = await fetch(`http://127.0.0.1:${port}${HEALTH_PATH}`);
  await health.arrayBuffer();
  assert.equal(health.status, 200);

  // Workers report in any order: index the pids by unit number.
  const pidOf = new Map(
    [...primary.output().matchAll(/unit (\d) \(pid (\d+)\) serving/g)].map((m) => [m[1], Number(m[2])]),
  );
  assert.equal(pidOf.size, 2);
  const victim = pidOf.get("1") as number;
  const mark = primary.output().length;
  process.kill(victim, "SIGKILL");
  await primary.waitFor(/unit 1 \(pid \d+\) exited \(SIGKILL\); restarting in \d+ ms/, 20_000, mark);
  const replaced = await primary.waitFor(/unit 1 \(pid (\d+)\) serving/, 60_000, mark);
  assert.notEqual(Number(replaced[1]), victim);
  const again = await fetch(`http://127.0.0.1:${port}${HEALTH_PATH}`);
  await again.arrayBuffer();
  assert.equal(again.status, 200);

  const workers = [Number(replaced[1]), pidOf.get("2") as number];
  assert.equal(await primary.stop("SIGTERM"), 0, primary.output());
  for (const pid of workers) assert.equal(alive(pid), false, `worker ${pid} still running after the primary stopped`);
});
