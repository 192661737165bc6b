// A write acknowledged to the caller survives kill -9 of the process that made it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createSqliteStore } from "./sqlite-store.js";

const dir = mkdtempSync(join(tmpdir(), "moat-sqlite-kill-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("every write acknowledged before SIGKILL is in the file afterwards, and was seen by a watcher in another process", async () => {
  const path = join(dir, "moat.db");
  // This process watches the file the child writes: only polling the change feed can see those writes.
  const watcher = await createSqliteStore({ path, pollIntervalMs: 50 });
  const seen = new Set<string>();
  const stopWatching = watcher.watch(0, (event) => seen.add(event.id));
  const script = fileURLToPath(new URL("./fixtures/ack-writer.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, path], { stdio: ["ignore", "pipe", "pipe"] });
  const acked: string[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith("ack ")) acked.push(line.slice(4));
    // Kill in the middle of a stream of writes, right after an acknowledgement.
    if (acked.length >= 50 && !child.killed) child.kill("SIGKILL");
  });
  const signal = await exited;
  assert.equal(signal, "SIGKILL", `writer exited on its own: ${stderr}`);
  assert.ok(acked.length >= 50);

  const deadline = performance.now() + 10_000;
  while (!acked.every((id) => seen.has(id))) {
    assert.ok(performance.now() < deadline, "the watcher did not see every acknowledged write");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  stopWatching();
  await watcher.close();

  const store = await createSqliteStore({ path });
  try {
    for (const id of acked) assert.ok(await store.get("api", id), `acknowledged ${id} is missing`);
    const { total } = await store.list("api", { parentId: "" });
    assert.ok(total >= acked.length);
    const changes = await store.changes(0);
    assert.equal(changes.length, total, "the change feed matches the entities after the crash");
  } finally {
    await store.close();
  }
});
