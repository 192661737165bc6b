// The management API's HTTPS server. Request lifecycle:
//   strip the ARM prefix (or take the short form) → /identity (Basic auth) or authenticate →
//   api-version → route → developer guard → body (size limit, JSON) → handler → reply.
// Every failure goes through toErrorReply, so a client only ever sees Azure's error envelope.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { checkApiVersion } from "./api-version.js";
import { armBase } from "./arm.js";
import { authenticate } from "./auth.js";
import type { ManagementOptions, Principal, Reply, RequestContext } from "./context.js";
import { ApiError, toErrorReply } from "./errors.js";
import { defaultBodyLimitBytes, parseJsonBody, readBody } from "./http-io.js";
import { identityHandler } from "./identity.js";
import {
  checkNetworkApiVersion,
  createNetworkRoutes,
  createNetworkSubscriptionRoutes,
  matchNetworkPath,
} from "./network-provider.js";
import { operationsOf } from "./operations.js";
import { compileRouter, type Method } from "./router.js";
import { createRoutes } from "./routes.js";

export interface ManagementLogger {
  error(obj: object, msg: string): void;
}

export interface ManagementServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

const armPrefix =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)(\/.*)?$/i;
const methods = new Set<string>(["GET", "HEAD", "PUT", "PATCH", "DELETE", "POST"]);
const defaultSubscriptionId = "00000000-0000-0000-0000-000000000000";

export function createManagementServer(
  options: ManagementOptions,
  tls: { key: string | Buffer; cert: string | Buffer },
  logger?: ManagementLogger,
): ManagementServer {
  const router = compileRouter(createRoutes(options));
  // Azure's Microsoft.Network provider paths for the declared network (network-provider.ts).
  const networkRouter = compileRouter(createNetworkRoutes());
  const networkSubscriptionRouter = compileRouter(createNetworkSubscriptionRoutes());
  operationsOf(options).setLogger(logger);
  const limit = options.bodyLimitBytes ?? defaultBodyLimitBytes;
  const shortBase = armBase(
    options.subscriptionId ?? defaultSubscriptionId,
    options.resourceGroup ?? "moat",
    options.serviceName,
  );

  async function handle(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? "/", "https://localhost");
    let path = url.pathname;
    let pathPrefix = "";
    let base = shortBase;
    let routes = router;
    let versionCheck = checkApiVersion;
    const arm = armPrefix.exec(path);
    const network = arm ? undefined : matchNetworkPath(path);
    if (network) {
      path = network.rest;
      pathPrefix = network.prefix;
      base = armBase(
        network.subscriptionId,
        network.resourceGroup ?? options.resourceGroup ?? "moat",
        options.serviceName,
      );
      routes = network.resourceGroup === undefined ? networkSubscriptionRouter : networkRouter;
      versionCheck = checkNetworkApiVersion;
    } else if (arm) {
      if ((arm[3] as string).toLowerCase() !== options.serviceName.toLowerCase())
        throw new ApiError(404, "ResourceNotFound", `The API Management service '${arm[3]}' was not found.`);
      path = arm[4] ?? "/";
      pathPrefix = url.pathname.slice(0, url.pathname.length - (arm[4]?.length ?? 0));
      base = armBase(arm[1] as string, arm[2] as string, options.serviceName);
    } else if (/^\/subscriptions\/[^/]+\/resourceGroups\//i.test(path)) {
      throw new ApiError(
        404,
        "ResourceNotFound",
        "Only Microsoft.ApiManagement/service and Microsoft.Network resources are served here.",
      );
    }
    const method = req.method ?? "GET";
    if (!methods.has(method)) throw new ApiError(405, "MethodNotAllowed", `Method ${method} is not supported.`);
    const host = req.headers.host ?? "localhost";
    const base2 = { method, query: url.searchParams, headers: req.headers, armBase: base, origin: `https://${host}` };

    if (!network && /^\/identity\/?$/i.test(path)) {
      checkApiVersion(url.searchParams.get("api-version"));
      return identityHandler(options, req.headers.authorization);
    }

    const principal: Principal = await authenticate(req.headers.authorization, options);
    versionCheck(url.searchParams.get("api-version"));
    const match = routes.match(path);
    if (!match) throw new ApiError(404, "ResourceNotFound", `No resource or operation at '${path}'.`);
    const handler = match.spec.methods[method as Method];
    if (!handler)
      throw new ApiError(405, "MethodNotAllowed", `Method ${method} is not allowed on '${path}'.`, {
        headers: { allow: Object.keys(match.spec.methods).join(", ") },
      });
    const body =
      method === "PUT" || method === "PATCH" || method === "POST"
        ? parseJsonBody(await readBody(req, limit))
        : undefined;
    const ctx: RequestContext = { ...base2, params: match.params, body, principal, pathPrefix, path, options };
    if (principal.kind === "user") {
      const guard = match.spec.user?.[method as Method];
      if (!guard)
        throw new ApiError(403, "AuthorizationFailed", "A developer token may not perform this operation.", {
          details: [{ code: "AuthorizationFailed", message: `${method} ${path}`, target: path }],
        });
      await guard(ctx, principal.userId);
    }
    return handler(ctx);
  }

  const server = createServer({ ...tls }, (req, res) => {
    const requestId = randomUUID();
    handle(req).then(
      (reply) => send(req, res, reply, requestId),
      (err: unknown) => {
        const reply = toErrorReply(err, requestId);
        if (reply.internal)
          logger?.error({ err, requestId, url: req.url, method: req.method }, "management request failed");
        // Refused before the body was read: close so the client does not keep streaming it.
        if (reply.status === 413) res.setHeader("connection", "close");
        send(req, res, { status: reply.status, body: reply.body, headers: reply.headers }, requestId);
      },
    );
  });
  // Control-plane source filter (spec network.md §16.2): refused before TLS, nothing is read.
  const allowClient = options.allowClient;
  if (allowClient)
    server.on("connection", (socket: { remoteAddress?: string; destroy(): void }) => {
      if (!allowClient(socket.remoteAddress ?? "")) socket.destroy();
    });

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const addr = server.address() as AddressInfo;
          const h = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
          resolve(`https://${h}:${addr.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply, requestId: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const headers: Record<string, string> = { "x-ms-request-id": requestId, ...(reply.headers ?? {}) };
  if (reply.body === undefined || req.method === "HEAD") {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
