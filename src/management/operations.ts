// Long-running operations (Azure's async protocol): a write that Azure documents as long-running is
// checked in the request (bad input is still an immediate 4xx), answered 201/202 with
// Azure-AsyncOperation / Location headers, and carried out in the background. The operation record
// says InProgress, then Succeeded or Failed with Azure's error body, so a failure of the background
// work always reaches the client that polls; unexpected faults are also logged.
//
// Records live in the management process (one per deployment) for `retainMs` after they end. A
// restart loses them: a poll then gets 404 OperationNotFound saying so, never a false Succeeded.
import { randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import type { Handler, ManagementOptions, Reply, RequestContext } from "./context.js";
import { ApiError, type ErrorBody, toErrorReply } from "./errors.js";

export type OperationStatus = "InProgress" | "Succeeded" | "Failed";

export interface OperationRecord {
  readonly id: string;
  status: OperationStatus;
  readonly startTime: string;
  endTime?: string;
  /** What the finished work answers on the Location URL (resource body, or 204 for a delete). */
  result?: Reply;
  /** Azure's error body and the HTTP status that the Location URL answers with on failure. */
  error?: ErrorBody["error"];
  errorStatus?: number;
  /** Resource the operation works on; a second operation on it is refused while this one runs. */
  readonly lockKey?: string;
  /** Settles when the record is final (for tests and orderly shutdown). */
  readonly done: Promise<void>;
}

export interface OperationLogger {
  error(obj: object, msg: string): void;
}

export interface OperationRegistryOptions {
  /** How long a finished record stays readable (default 1 hour). */
  retainMs?: number;
  /** Finished records kept at most; the oldest go first (default 1000). */
  maxFinished?: number;
  /** Background work still running after this fails with OperationTimedOut (default 5 minutes). */
  timeoutMs?: number;
  logger?: OperationLogger;
}

export class OperationRegistry {
  readonly #records = new Map<string, OperationRecord>();
  readonly #locks = new Map<string, string>();
  readonly #clock: Clock;
  readonly #retainMs: number;
  readonly #maxFinished: number;
  readonly #timeoutMs: number;
  #logger: OperationLogger | undefined;

  constructor(clock: Clock, options: OperationRegistryOptions = {}) {
    this.#clock = clock;
    this.#retainMs = options.retainMs ?? 3600_000;
    this.#maxFinished = options.maxFinished ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    this.#logger = options.logger;
  }

  setLogger(logger: OperationLogger | undefined): void {
    this.#logger = logger;
  }

  /** The operation still running on `lockKey`, if any. */
  running(lockKey: string): OperationRecord | undefined {
    const id = this.#locks.get(lockKey.toLowerCase());
    return id === undefined ? undefined : this.#records.get(id);
  }

  /**
   * Starts `work` after the current request has answered. Throws 409 AnotherOperationInProgress when
   * an operation on the same `lockKey` is still running (Azure refuses the same way).
   */
  start(work: () => Promise<Reply>, lockKey?: string, describe = "the resource"): OperationRecord {
    this.#prune();
    if (lockKey !== undefined) {
      const busy = this.running(lockKey);
      if (busy)
        throw new ApiError(
          409,
          "AnotherOperationInProgress",
          `Another operation on ${describe} is in progress (operation ${busy.id}); retry when it has finished.`,
          { details: [{ code: "AnotherOperationInProgress", message: busy.id, target: describe }] },
        );
    }
    const id = randomUUID();
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const record: OperationRecord = {
      id,
      status: "InProgress",
      startTime: this.#iso(),
      ...(lockKey !== undefined ? { lockKey } : {}),
      done,
    };
    this.#records.set(id, record);
    if (lockKey !== undefined) this.#locks.set(lockKey.toLowerCase(), id);
    setImmediate(() => {
      this.#run(record, work).finally(settle);
    });
    return record;
  }

  get(id: string): OperationRecord | undefined {
    this.#prune();
    return this.#records.get(id);
  }

  /** Waits for every running operation (used when the server closes). */
  async drain(): Promise<void> {
    await Promise.all([...this.#records.values()].map((r) => r.done));
  }

  async #run(record: OperationRecord, work: () => Promise<Reply>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ApiError(
              500,
              "OperationTimedOut",
              `The operation did not finish within ${Math.round(this.#timeoutMs / 1000)} s and was abandoned; the resource may be unchanged. Read it and retry.`,
            ),
          ),
        this.#timeoutMs,
      );
      timer.unref();
    });
    try {
      record.result = await Promise.race([work(), timeout]);
      record.status = "Succeeded";
    } catch (err) {
      const reply = toErrorReply(err, record.id);
      if (reply.internal)
        this.#logger?.error({ err, operationId: record.id }, "long-running management operation failed");
      record.error = reply.body.error;
      record.errorStatus = reply.status;
      record.status = "Failed";
    } finally {
      clearTimeout(timer);
      record.endTime = this.#iso();
      if (record.lockKey !== undefined && this.#locks.get(record.lockKey.toLowerCase()) === record.id)
        this.#locks.delete(record.lockKey.toLowerCase());
    }
  }

  #iso(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  #prune(): void {
    const now = this.#clock.now();
    const finished = [...this.#records.values()].filter((r) => r.endTime !== undefined);
    for (const r of finished) if (now - Date.parse(r.endTime as string) > this.#retainMs) this.#records.delete(r.id);
    const left = finished.filter((r) => this.#records.has(r.id));
    for (const r of left.slice(0, Math.max(0, left.length - this.#maxFinished))) this.#records.delete(r.id);
  }
}

const registries = new WeakMap<ManagementOptions, OperationRegistry>();

/** The registry of one management deployment (keyed by its options object). */
export function operationsOf(options: ManagementOptions): OperationRegistry {
  let r = registries.get(options);
  if (!r) {
    r = new OperationRegistry(options.clock);
    registries.set(options, r);
  }
  return r;
}

/** Azure's operation-status body for the Azure-AsyncOperation URL. */
export function operationStatusBody(record: OperationRecord, id: string): Record<string, unknown> {
  return {
    id,
    name: record.id,
    status: record.status,
    startTime: record.startTime,
    ...(record.endTime ? { endTime: record.endTime } : {}),
    percentComplete: record.status === "InProgress" ? 0 : 100,
    ...(record.error ? { error: record.error } : {}),
  };
}

/**
 * The Location URL: 202 while running (with Retry-After and itself as Location), then the work's
 * own answer, or on failure the failure's status with Azure's error body.
 */
export function operationResultReply(record: OperationRecord, selfUrl: string): Reply {
  if (record.status === "InProgress")
    return { status: 202, headers: { location: selfUrl, "retry-after": retryAfterSeconds } };
  if (record.status === "Failed")
    return {
      status: record.errorStatus ?? 500,
      body: { error: record.error ?? { code: "InternalError", message: "The operation failed.", details: [] } },
    };
  return record.result ?? { status: 204 };
}

export function operationNotFound(id: string): ApiError {
  return new ApiError(
    404,
    "OperationNotFound",
    `There is no operation '${id}': it never existed, finished more than an hour ago, or was running when the management server restarted (read the resource to see what was applied).`,
  );
}

/** Seconds a poller should wait between polls: Moat's operations finish in well under a second. */
export const retryAfterSeconds = "1";

/**
 * Status headers of an operation started under the service path: Location (Azure's documented
 * ".../service/{name}/operationresults/{id}") and an Azure-AsyncOperation status document beside it.
 */
export function serviceOperationHeaders(ctx: RequestContext, record: OperationRecord): Record<string, string> {
  const v = encodeURIComponent(ctx.query.get("api-version") ?? "");
  const base = `${ctx.origin}${ctx.pathPrefix}`;
  return {
    location: `${base}/operationresults/${record.id}?api-version=${v}`,
    "azure-asyncoperation": `${base}/operationstatuses/${record.id}?api-version=${v}`,
    "retry-after": retryAfterSeconds,
  };
}

/** GET .../service/{name}/operationstatuses/{operationId}: the status document. */
export const serviceOperationStatus: Handler = async (ctx) => {
  const id = ctx.params.operationId as string;
  const record = operationsOf(ctx.options).get(id);
  if (!record) throw operationNotFound(id);
  return { status: 200, body: operationStatusBody(record, `${ctx.armBase}/operationstatuses/${id}`) };
};

/** GET .../service/{name}/operationresults/{operationId}: 202 while running, then the result. */
export const serviceOperationResult: Handler = async (ctx) => {
  const id = ctx.params.operationId as string;
  const record = operationsOf(ctx.options).get(id);
  if (!record) throw operationNotFound(id);
  const query = new URLSearchParams({ "api-version": ctx.query.get("api-version") ?? "" });
  return operationResultReply(record, `${ctx.origin}${ctx.pathPrefix}${ctx.path}?${query}`);
};
