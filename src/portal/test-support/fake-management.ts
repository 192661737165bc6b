// A small in-memory stand-in for the management API contract the portal codes against, over real
// HTTPS with a self-signed certificate. Used while the real management API is unfinished, and to
// drive failure cases; the same test suites run against the real one when it is available.
import { createHmac, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";

type Props = Record<string, unknown>;
interface Entity {
  name: string;
  properties: Props;
}

export interface FakeManagement {
  readonly baseUrl: string;
  readonly adminKey: string;
  readonly ca: string;
  readonly users: Map<string, Entity & { hash?: string }>;
  readonly subscriptions: Map<string, Entity>;
  /** Requests seen, "METHOD /path", for assertions. */
  readonly calls: string[];
  close(): Promise<void>;
}

const sasKey = randomBytes(32);
const sign = (uid: string, ex: string) => createHmac("sha512", sasKey).update(`${uid}\n${ex}`).digest("base64");

function hashPassword(pw: string): string {
  const salt = randomBytes(16);
  return `${salt.toString("hex")}:${scryptSync(pw, salt, 32).toString("hex")}`;
}
function checkPassword(pw: string, stored: string | undefined): boolean {
  if (!stored) return false;
  const [salt = "", hash = ""] = stored.split(":");
  return timingSafeEqual(scryptSync(pw, Buffer.from(salt, "hex"), 32), Buffer.from(hash, "hex"));
}

export async function startFakeManagement(): Promise<FakeManagement> {
  const adminKey = randomBytes(24).toString("hex");
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  } as never);
  const users = new Map<string, Entity & { hash?: string }>();
  const subscriptions = new Map<string, Entity>();
  const collections = new Map<string, Map<string, Entity>>();
  const col = (path: string) => {
    let c = collections.get(path);
    if (!c) {
      c = new Map();
      collections.set(path, c);
    }
    return c;
  };
  for (const g of ["administrators", "developers", "guests"])
    col("/groups").set(g, { name: g, properties: { displayName: g, builtIn: true } });
  users.set("1", {
    name: "1",
    properties: { email: "administrator@moat.test", firstName: "Admin", lastName: "User", state: "active" },
  });
  col("/groups/administrators/users").set("1", users.get("1") as Entity);
  const calls: string[] = [];

  const env = (e: Entity) => ({ id: `/${e.name}`, type: "x", name: e.name, properties: e.properties });
  const list = (items: Entity[]) => ({ value: items.map(env), count: items.length, nextLink: null });
  const err = (status: number, code: string, message: string) => ({
    status,
    body: { error: { code, message, details: [] } },
  });

  function principal(auth: string | undefined): { admin: boolean; uid?: string } | undefined {
    if (!auth) return undefined;
    if (auth === `Bearer ${adminKey}`) return { admin: true };
    const m = /^SharedAccessSignature (.+)$/.exec(auth);
    if (!m) return undefined;
    // Split by hand: the base64 signature may hold "+", which URLSearchParams would turn into a space.
    const q = new Map(
      (m[1] ?? "").split("&").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    const uid = q.get("uid") ?? "";
    const ex = q.get("ex") ?? "";
    if (q.get("sn") !== sign(uid, ex) || Date.parse(ex) <= Date.now()) return undefined;
    const u = users.get(uid);
    if (u?.properties.state !== "active") return undefined;
    return { admin: col("/groups/administrators/users").has(uid), uid };
  }

  function mintSas(uid: string): string {
    const ex = new Date(Date.now() + 8 * 3600_000).toISOString().replace("Z", "0000Z");
    return `uid=${uid}&ex=${ex}&sn=${sign(uid, ex)}`;
  }

  function route(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: IncomingMessage["headers"],
    body: Props | undefined,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    if (path === "/identity") {
      const m = /^Basic (.+)$/.exec(headers.authorization ?? "");
      const [email, ...rest] = Buffer.from(m?.[1] ?? "", "base64")
        .toString()
        .split(":");
      const u = [...users.values()].find((x) => x.properties.email === email);
      if (u?.properties.state !== "active" || !checkPassword(rest.join(":"), u.hash))
        return err(401, "Unauthorized", "Invalid credentials.");
      return {
        status: 200,
        body: { id: u.name },
        headers: { "ocp-apim-sas-token": `token="SharedAccessSignature ${mintSas(u.name)}",refresh="true"` },
      };
    }
    const who = principal(headers.authorization);
    if (!who) return err(401, "Unauthorized", "Access denied.");
    const props = (body?.properties ?? {}) as Props;
    const seg = path.split("/").filter(Boolean);
    const own = (uid: string | undefined) => who.admin || (uid !== undefined && uid === who.uid);

    if (seg[0] === "users" && seg[1]) {
      const u = users.get(seg[1]);
      if (seg[2] === "subscriptions" && method === "GET") {
        if (!own(seg[1])) return err(404, "ResourceNotFound", "not found");
        return {
          status: 200,
          body: list([...subscriptions.values()].filter((s) => s.properties.ownerId === `/users/${seg[1]}`)),
        };
      }
      if (seg[2] === "groups" && method === "GET") {
        if (!who.admin) return err(403, "Forbidden", "admin only");
        return {
          status: 200,
          body: list(
            [...col("/groups").values()].filter(
              (g) => col(`/groups/${g.name}/users`).has(seg[1] ?? "") || g.name === "developers",
            ),
          ),
        };
      }
      if (seg[2] === "token" && method === "POST" && who.admin && u)
        return { status: 200, body: { value: mintSas(u.name) } };
      if (method === "PUT" && who.admin) {
        if (u && headers["if-none-match"] === "*") return err(409, "Conflict", "exists");
        if ([...users.values()].some((x) => x.properties.email === props.email))
          return err(409, "Conflict", "Email already registered.");
        const { password, confirmation: _c, ...rest } = props;
        const e = {
          name: seg[1],
          properties: { ...rest, registrationDate: new Date().toISOString() },
          hash: hashPassword(String(password)),
        };
        users.set(seg[1], e);
        col("/groups/developers/users").set(seg[1], e);
        return { status: 201, body: env(e) };
      }
      if (!u || !own(seg[1])) return err(404, "ResourceNotFound", "User not found.");
      if (method === "GET") return { status: 200, body: env(u) };
      if (method === "PATCH") {
        if (headers["if-match"] !== "*") return err(412, "PreconditionFailed", "If-Match required");
        const { password, ...rest } = props;
        if (!who.admin) delete rest.state;
        Object.assign(u.properties, rest);
        if (typeof password === "string") u.hash = hashPassword(password);
        return { status: 200, body: env(u) };
      }
    }
    if (seg[0] === "users" && method === "GET" && seg.length === 1 && who.admin) {
      const f = /email eq '(.*)'/.exec(query.get("$filter") ?? "")?.[1]?.replace(/''/g, "'");
      return {
        status: 200,
        body: list([...users.values()].filter((u) => f === undefined || u.properties.email === f)),
      };
    }
    if (seg[0] === "subscriptions") {
      if (seg.length === 1 && method === "GET") {
        if (!who.admin) return err(403, "Forbidden", "admin only");
        const state = /properties\/state eq '(\w+)'/.exec(query.get("$filter") ?? "")?.[1];
        return {
          status: 200,
          body: list([...subscriptions.values()].filter((s) => !state || s.properties.state === state)),
        };
      }
      const sid = seg[1] ?? "";
      const s = subscriptions.get(sid);
      if (method === "PUT" && !s) {
        const owner = String(props.ownerId ?? "");
        if (!own(owner.replace("/users/", ""))) return err(403, "Forbidden", "not yours");
        const product = col("/products").get(String(props.scope ?? "").replace("/products/", ""));
        if (!product) return err(400, "ValidationError", "Unknown product scope.");
        const e = {
          name: sid,
          properties: {
            ...props,
            state: product.properties.approvalRequired ? "submitted" : "active",
            primaryKey: randomBytes(16).toString("hex"),
            secondaryKey: randomBytes(16).toString("hex"),
            createdDate: new Date().toISOString(),
          },
        };
        subscriptions.set(sid, e);
        return { status: 201, body: env(e) };
      }
      if (!s || !own(String(s.properties.ownerId).replace("/users/", "")))
        return err(404, "ResourceNotFound", "Subscription not found.");
      if (method === "GET") return { status: 200, body: env(s) };
      if (method === "POST" && seg[2] === "listSecrets")
        return { status: 200, body: { primaryKey: s.properties.primaryKey, secondaryKey: s.properties.secondaryKey } };
      if (method === "POST" && (seg[2] === "regeneratePrimaryKey" || seg[2] === "regenerateSecondaryKey")) {
        s.properties[seg[2] === "regeneratePrimaryKey" ? "primaryKey" : "secondaryKey"] =
          randomBytes(16).toString("hex");
        return { status: 204 };
      }
      if (method === "PATCH") {
        if (!who.admin && props.state !== undefined && props.state !== "cancelled")
          return err(403, "Forbidden", "state");
        Object.assign(s.properties, props);
        return { status: 200, body: env(s) };
      }
    }
    if (seg[0] === "apis" && seg[1] && method === "GET" && query.get("export") === "true") {
      const a = col("/apis").get(seg[1]);
      return a
        ? { status: 200, body: { value: JSON.parse(String(a.properties.value ?? "{}")) } }
        : err(404, "ResourceNotFound", "no api");
    }
    if (seg[0] === "groups" && seg[2] === "users" && method === "GET" && seg.length === 3)
      return { status: 200, body: list([...col(path).values()].map((m) => users.get(m.name) ?? m)) };
    // Generic collections (products, apis, groups, templates and their links): admin writes, anyone reads.
    if (method === "GET") {
      const c = collections.get(path);
      if (c) return { status: 200, body: list([...c.values()]) };
      const parent = `/${seg.slice(0, -1).join("/")}`;
      const e = collections.get(parent)?.get(seg[seg.length - 1] ?? "");
      return e ? { status: 200, body: env(e) } : err(404, "ResourceNotFound", `No resource at ${path}.`);
    }
    if (method === "PUT" && who.admin) {
      const parent = `/${seg.slice(0, -1).join("/")}`;
      const e = { name: seg[seg.length - 1] ?? "", properties: props };
      col(parent).set(e.name, e);
      return { status: 201, body: env(e) };
    }
    return err(404, "ResourceNotFound", `No operation ${method} ${path}.`);
  }

  const server = createServer({ key: pems.private, cert: pems.cert }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "https://x");
      calls.push(`${req.method} ${url.pathname}`);
      let out: { status: number; body?: unknown; headers?: Record<string, string> };
      if (url.searchParams.get("api-version") !== "2024-05-01")
        out = err(400, "MissingApiVersionParameter", "api-version");
      else {
        const text = Buffer.concat(chunks).toString();
        out = route(
          req.method ?? "GET",
          url.pathname,
          url.searchParams,
          req.headers,
          text ? JSON.parse(text) : undefined,
        );
      }
      res.writeHead(out.status, { "content-type": "application/json", ...out.headers });
      res.end(out.body === undefined ? undefined : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `https://127.0.0.1:${port}`,
    adminKey,
    ca: pems.cert,
    users,
    subscriptions,
    calls,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
