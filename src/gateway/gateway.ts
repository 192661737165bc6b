// createGateway: the data plane of one Moat unit. Wires the snapshot watcher (store → compiled
// routes and pipelines), the undici pools, policy services, listeners (HTTP/HTTPS, rebindable),
// WebSocket pass-through, metrics and access logs. The composition root (src/cli) passes the store,
// the policy engine, counters and caches; nothing here reads the environment.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { type Clock, systemClock } from "../core/clock.js";
import { createMemoryCounterStore } from "../limits/memory-counters.js";
import type { CounterStore, DeploymentInfo, ResponseCache, ValueCache } from "../policy/types.js";
import type { ConfigStore } from "../store/contract.js";
import { buildGatewaySnapshot } from "./config/build-snapshot.js";
import type { GatewaySnapshot } from "./config/types.js";
import { createSnapshotWatcher } from "./config/watcher.js";
import { INTERNAL_ERROR, NOT_FOUND } from "./errors.js";
import { createMemoryResponseCache, createMemoryValueCache } from "./memory-caches.js";
import { createGatewayMetrics } from "./observability/metrics.js";
import { createMetricsListener, type MetricsListener } from "./observability/metrics-listener.js";
import { createPolicyServices } from "./pipeline/services.js";
import type { PolicyEngine } from "./policy-engine.js";
import { createCircuitBreakers } from "./proxy/circuit-breaker.js";
import { forwardRequestHeaders } from "./proxy/headers.js";
import { type BackendSocketOptions, createUpstreams } from "./proxy/upstreams.js";
import { rejectUpgrade, tunnelWebSocket } from "./proxy/websocket.js";
import { createPortalCors, rawHeader } from "./server/cors.js";
import { createRequestHandler, resolveRequest } from "./server/handler.js";
import { type BoundAddress, createListeners, type ListenAddress, type ServerLimits } from "./server/listeners.js";

export interface GatewayOptions {
  readonly store: ConfigStore;
  readonly engine: PolicyEngine;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Rate-limit/quota counters (default: in-memory, this unit only). */
  readonly counters?: CounterStore;
  readonly responseCache?: ResponseCache;
  readonly valueCache?: ValueCache;
  /** Listener addresses (HTTP and/or HTTPS with PEM material). Port 0 picks a free port. */
  readonly addresses: readonly ListenAddress[];
  /** Internal listener for Prometheus `GET /metrics` (keep it off the public network). */
  readonly metricsAddress?: { readonly host: string; readonly port: number };
  /** Developer portal origins (e.g. "http://localhost:8081") allowed to call the gateway from a browser. */
  readonly portalOrigins?: readonly string[];
  readonly deployment?: Partial<DeploymentInfo>;
  /** Fast-path forward timeout (APIM's forward-request default is 300 s). */
  readonly backendTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Connections per backend origin. */
  readonly connectionsPerOrigin?: number;
  /** Backend name resolution and source address inside a virtual network (default: the host's). */
  readonly backendSocket?: BackendSocketOptions;
  readonly debounceMs?: number;
  readonly maxBufferedBodyBytes?: number;
  readonly limits?: Partial<ServerLimits>;
  /** Access log lines per request (default true). */
  readonly accessLog?: boolean;
  /** Serve through the lean HTTP/1.1 front (default true); false: node:http for every connection. */
  readonly leanHttp?: boolean;
}

export interface Gateway {
  /** Loads the configuration and opens the listeners; resolves with the bound addresses. */
  listen(): Promise<BoundAddress[]>;
  /** Opens `addresses`, then closes the previous listeners gracefully (in-flight requests finish). */
  rebind(addresses: readonly ListenAddress[]): Promise<BoundAddress[]>;
  close(): Promise<void>;
  addresses(): BoundAddress[];
  /** Revision of the configuration being served (0 before listen). */
  readonly snapshotRevision: number;
  /** Rebuilds the snapshot now instead of waiting for the debounced watch. */
  refresh(): Promise<number>;
  /** Prometheus exposition text. */
  metrics(): Promise<string>;
  readonly metricsAddress: BoundAddress | undefined;
}

const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 65_000,
  maxHeaderSize: 32 * 1024,
  drainTimeoutMs: 30_000,
};

export function createGateway(options: GatewayOptions): Gateway {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const metrics = createGatewayMetrics();
  const deployment: DeploymentInfo = {
    gatewayId: options.deployment?.gatewayId ?? "managed",
    region: options.deployment?.region ?? "local",
    serviceName: options.deployment?.serviceName ?? "moat",
  };
  const watcher = createSnapshotWatcher({
    store: options.store,
    debounceMs: options.debounceMs ?? 50,
    build: (snap) =>
      buildGatewaySnapshot(snap, {
        engine: options.engine,
        deployment,
        warn: (message) => logger.warn({ revision: snap.revision }, message),
      }),
    onSwap: (snap) => {
      metrics.configRevision(snap.revision);
      logger.info({ revision: snap.revision, apis: snap.routes.size }, "gateway configuration loaded");
    },
    onError: (err) => logger.error({ err }, "gateway configuration reload failed; serving the previous revision"),
  });
  const snapshot = (): GatewaySnapshot => watcher.current();
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const upstreams = createUpstreams({
    connectTimeoutMs,
    connections: options.connectionsPerOrigin ?? 256,
    ...(options.backendSocket ? { socket: options.backendSocket } : {}),
  });
  const breakers = createCircuitBreakers(clock);
  const maxBufferedBodyBytes = options.maxBufferedBodyBytes ?? 16 * 1024 * 1024;
  const services = createPolicyServices({
    clock,
    counters: options.counters ?? createMemoryCounterStore({ clock }),
    responseCache: options.responseCache ?? createMemoryResponseCache(clock),
    valueCache: options.valueCache ?? createMemoryValueCache(clock),
    upstreams,
    breakers,
    metrics,
    logger,
    snapshot,
    maxBufferedBodyBytes,
  });
  const cors = createPortalCors(options.portalOrigins ?? []);
  const handler = createRequestHandler({
    snapshot,
    engine: options.engine,
    services,
    upstreams,
    metrics,
    logger,
    clock,
    cors,
    backendTimeoutMs: options.backendTimeoutMs ?? 300_000,
    maxBufferedBodyBytes,
    accessLog: options.accessLog !== false,
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void => {
    socket.on("error", () => socket.destroy());
    const snap = snapshot();
    const resolved = (req.url ?? "").startsWith("/") ? resolveRequest(snap, req, secure) : NOT_FOUND;
    if (!("api" in resolved)) {
      rejectUpgrade(socket, resolved, []);
      return;
    }
    const backend = resolved.api.backend;
    if (!resolved.api.isWebSocket || backend === undefined) {
      rejectUpgrade(socket, backend === undefined ? INTERNAL_ERROR : NOT_FOUND, []);
      return;
    }
    const raw = req.rawHeaders;
    const q = (req.url as string).indexOf("?");
    const started = clock.monotonic();
    tunnelWebSocket({
      req,
      socket,
      head,
      backend,
      path:
        backend.path +
        (resolved.remainder === "" ? "/" : resolved.remainder) +
        (q === -1 ? "" : (req.url as string).slice(q)),
      headers: forwardRequestHeaders(raw, backend.hostHeader, {
        clientIp: req.socket.remoteAddress ?? "",
        proto: (req.socket as TLSSocket).encrypted ? "wss" : "ws",
        host: rawHeader(raw, "host"),
      }),
      connectTimeoutMs,
      rejectUnauthorized: true,
      done: (status, err) => {
        metrics.request(
          resolved.operation.value,
          resolved.api.name,
          resolved.operation.value.info.id,
          status,
          (clock.monotonic() - started) / 1000,
        );
        if (err && status !== 101)
          metrics.upstreamError(resolved.api.name, status === 504 ? "Timeout" : "BackendConnectionFailure");
        logger.info({ api: resolved.api.name, status, url: req.url, error: err?.message }, "websocket");
      },
    });
  };

  const listeners = createListeners(
    handler,
    onUpgrade,
    { ...DEFAULT_LIMITS, ...options.limits },
    options.leanHttp !== false,
  );
  let metricsListener: MetricsListener | undefined;
  let started = false;

  return {
    async listen() {
      if (!started) {
        await watcher.start();
        started = true;
      }
      const bound = await listeners.bind(options.addresses);
      if (options.metricsAddress && !metricsListener)
        metricsListener = await createMetricsListener(options.metricsAddress, [() => metrics.registry.metrics()]);
      return bound;
    },
    rebind(addresses) {
      return listeners.bind(addresses);
    },
    async close() {
      watcher.stop();
      await Promise.all([listeners.close(), metricsListener?.close()]);
      metricsListener = undefined;
      await upstreams.close();
    },
    addresses: () => listeners.addresses(),
    get snapshotRevision() {
      return started ? watcher.current().revision : 0;
    },
    async refresh() {
      return (await watcher.refresh()).revision;
    },
    metrics: () => metrics.registry.metrics(),
    get metricsAddress() {
      return metricsListener?.address;
    },
  };
}
