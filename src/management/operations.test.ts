// The long-running operation registry: every way background work can end is recorded, a running
// operation locks its resource, and finished records are kept for a while, then pruned.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { StoreError } from "../store/contract.js";
import { ApiError } from "./errors.js";
import { OperationRegistry, operationResultReply, operationStatusBody } from "./operations.js";

const clock = () => createManualClock(Date.parse("2026-06-01T00:00:00Z"));

test("success: InProgress first, then Succeeded with the work's reply on the Location URL", async () => {
  const r = new OperationRegistry(clock());
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const op = r.start(async () => {
    await gate;
    return { status: 200, body: { name: "x" } };
  });
  assert.equal(op.status, "InProgress");
  assert.equal(operationResultReply(op, "https://h/op").status, 202);
  assert.equal(operationResultReply(op, "https://h/op").headers?.location, "https://h/op");
  release();
  await op.done;
  assert.equal(op.status, "Succeeded");
  assert.deepEqual(operationResultReply(op, "https://h/op"), { status: 200, body: { name: "x" } });
  const body = operationStatusBody(op, "/ops/1");
  assert.equal(body.status, "Succeeded");
  assert.equal(body.percentComplete, 100);
  assert.equal(typeof body.endTime, "string");
});

test("an ApiError or a StoreError becomes Azure's error body with its status", async () => {
  const r = new OperationRegistry(clock());
  const a = r.start(async () => {
    throw new ApiError(400, "InvalidNetworkConfiguration", "bad subnet", {
      details: [{ code: "NsgRequired", message: "needs an NSG", target: "subnet" }],
    });
  });
  const b = r.start(async () => {
    throw new StoreError("STORE_ERR_UNAVAILABLE", "database connection lost");
  });
  await Promise.all([a.done, b.done]);
  assert.equal(a.status, "Failed");
  assert.deepEqual(operationStatusBody(a, "/x").error, {
    code: "InvalidNetworkConfiguration",
    message: "bad subnet",
    details: [{ code: "NsgRequired", message: "needs an NSG", target: "subnet" }],
  });
  assert.equal(operationResultReply(a, "/x").status, 400);
  assert.equal(b.errorStatus, 503);
  assert.equal(b.error?.code, "ServiceUnavailable");
  assert.match(b.error?.message ?? "", /database connection lost/);
});

test("an unexpected fault is Failed with InternalError naming the operation, and is logged", async () => {
  const logged: object[] = [];
  const r = new OperationRegistry(clock(), { logger: { error: (obj) => logged.push(obj) } });
  const op = r.start(async () => {
    throw new TypeError("boom");
  });
  await op.done;
  assert.equal(op.status, "Failed");
  assert.equal(op.error?.code, "InternalError");
  assert.match(op.error?.message ?? "", new RegExp(op.id));
  assert.equal(logged.length, 1);
});

test("work that never finishes fails with OperationTimedOut instead of running forever", async () => {
  const r = new OperationRegistry(clock(), { timeoutMs: 20 });
  const op = r.start(() => new Promise(() => {}), "vnet");
  // The registry's timer is unref'd (a hung operation must not keep the process alive): hold the loop.
  const hold = setInterval(() => {}, 50);
  await op.done.finally(() => clearInterval(hold));
  assert.equal(op.status, "Failed");
  assert.equal(op.error?.code, "OperationTimedOut");
  assert.equal(r.running("vnet"), undefined, "the lock is released");
});

test("a second operation on a locked resource is refused; the lock ends with the first", async () => {
  const r = new OperationRegistry(clock());
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const first = r.start(async () => {
    await gate;
    return { status: 204 };
  }, "virtualNetworks/VNet");
  assert.throws(
    () => r.start(async () => ({ status: 204 }), "virtualnetworks/vnet", "vnet"),
    (err: ApiError) =>
      err.status === 409 && err.code === "AnotherOperationInProgress" && err.message.includes(first.id),
  );
  release();
  await first.done;
  const second = r.start(async () => ({ status: 204 }), "virtualNetworks/vnet");
  await second.done;
  assert.equal(second.status, "Succeeded");
});

test("finished records are kept for retainMs, then pruned; running ones never are", async () => {
  const c = clock();
  const r = new OperationRegistry(c, { retainMs: 1000, maxFinished: 2 });
  const ops = [1, 2, 3].map(() => r.start(async () => ({ status: 204 })));
  await Promise.all(ops.map((o) => o.done));
  const running = r.start(() => new Promise(() => {}));
  assert.equal(r.get(ops[0]?.id as string), undefined, "over maxFinished: the oldest goes");
  assert.ok(r.get(ops[2]?.id as string));
  c.advance(1001);
  assert.equal(r.get(ops[2]?.id as string), undefined);
  assert.ok(r.get(running.id));
});
