// Azure's own example requests and responses (../shared/corpus/management-api) replayed against Moat.
// An example is in scope when Moat routes its path and method. Each must be accepted with one of the
// example's statuses and answered with the example's shape: the same top-level names and JSON types,
// and the same types for the properties both sides carry.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { sharedPath } from "../test-support/shared-dir.js";
import { normalizeRef } from "./arm.js";
import { compileRouter } from "./router.js";
import { createRoutes } from "./routes.js";
import { type Harness, type Res, startHarness, testCert } from "./test-support/harness.js";

const corpus = process.env.MOAT_TEST_CORPUS ?? sharedPath("corpus/management-api");
const servicePrefix =
  /^\/subscriptions\/\{subscriptionId\}\/resourceGroups\/\{resourceGroupName\}\/providers\/Microsoft\.ApiManagement\/service\/\{serviceName\}/;

interface Case {
  name: string;
  method: string;
  /** Service-relative path with parameters substituted. */
  path: string;
  query: Record<string, string>;
  body?: unknown;
  headers: Record<string, string>;
  statuses: string[];
  expected?: unknown;
}

type Json = Record<string, unknown>;

function loadSpecCases(dir: string): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const spec = JSON.parse(readFileSync(join(dir, file), "utf8")) as { paths?: Record<string, Record<string, Json>> };
    for (const [template, ops] of Object.entries(spec.paths ?? {})) {
      if (!servicePrefix.test(template)) continue;
      for (const [method, op] of Object.entries(ops)) {
        const examples = (op["x-ms-examples"] ?? {}) as Record<string, { $ref: string }>;
        for (const ref of Object.values(examples)) {
          const exampleFile = join(dir, ref.$ref);
          if (!existsSync(exampleFile)) continue;
          const example = JSON.parse(readFileSync(exampleFile, "utf8")) as {
            parameters: Json;
            responses: Record<string, Json>;
          };
          const params = example.parameters;
          const path = template
            .replace(servicePrefix, "")
            .replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(String(params[p] ?? p)));
          const query: Record<string, string> = {};
          const headers: Record<string, string> = {};
          let body: unknown;
          for (const [k, v] of Object.entries(params)) {
            if (["subscriptionId", "resourceGroupName", "serviceName", "api-version"].includes(k)) continue;
            // References name the example's service; Moat serves "moat".
            if (typeof v === "object" && v !== null)
              body = JSON.parse(
                JSON.stringify(v).replaceAll(`/service/${String(params.serviceName)}/`, "/service/moat/"),
              );
            else if (k === "If-Match") headers["if-match"] = String(v);
            else if (!template.includes(`{${k}}`)) query[k] = String(v);
          }
          const statuses = Object.keys(example.responses);
          cases.push({
            name: `${dir.split("/").at(-2)}/${ref.$ref.replace("./examples/", "")} ${method.toUpperCase()}`,
            method: method.toUpperCase(),
            path: path === "" ? "/" : path,
            query,
            headers,
            ...(body !== undefined ? { body } : {}),
            statuses,
            expected: (example.responses["200"] ?? example.responses["201"] ?? example.responses[statuses[0] ?? ""])
              ?.body,
          });
        }
      }
    }
  }
  return cases;
}

/** The devops resource kit's captured bodies, with the request each answers. */
const devopsRequests: Record<string, string> = {
  ApiManagementGetApiContract_success_response: "/apis/echo-api",
  ApiManagementGetApiOperationPolicy_success_response: "/apis/echo-api/operations/op1/policies/policy",
  ApiManagementGetApiPolicy_success_response: "/apis/echo-api/policies/policy",
  ApiManagementGetInstance_success_response: "/",
  ApiManagementGetProductPolicy_success_response: "/products/starter/policies/policy",
  ApiManagementListApiOperations_success_response: "/apis/echo-api/operations",
  ApiManagementListApiProducts_success_response: "/apis/echo-api/products",
  ApiManagementListApis_success_response: "/apis",
  ApiManagementListBackends_success_response: "/backends",
  ApiManagementListEmptyValue_success_response: "/caches",
  ApiManagementListGroups_success_response: "/groups",
  ApiManagementListNamedValues_success_response: "/namedValues",
  ApiManagementListPolicyFragments_success_response: "/policyFragments",
  ApiManagementListProducts_success_response: "/products",
  ApiManagementNamedValueListValue_success_response: "POST /namedValues/nv1/listValue",
  ApiManagementGetApiOperationPolicy_notfound_response: "/apis/echo-api/operations/op1/policies/policy?missing",
  ApiManagementGetApiPolicy_notfound_response: "/apis/echo-api/policies/policy?missing",
  ApiManagementGetProductPolicy_notfound_response: "/products/starter/policies/policy?missing",
};

function loadDevopsCases(dir: string): Case[] {
  const cases: Case[] = [];
  for (const [file, request] of Object.entries(devopsRequests)) {
    const full = join(dir, `${file}.json`);
    if (!existsSync(full)) continue;
    const [method, path] = request.includes(" ") ? (request.split(" ") as [string, string]) : ["GET", request];
    const missing = path.endsWith("?missing");
    // Some captured files carry trailing commas; YAML's flow syntax reads them.
    const expected = parseYaml(readFileSync(full, "utf8")) as unknown;
    cases.push({
      name: `devops/${file}`,
      method,
      path: path.replace("?missing", ""),
      query: missing ? { __missing: "1" } : {},
      headers: {},
      statuses: missing ? ["404"] : ["200"],
      expected,
    });
  }
  return cases;
}

const policyXml =
  "<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>";

function minimalBody(collection: string, name: string, certData: string): Json | undefined {
  switch (collection) {
    case "apis":
      return { displayName: name, path: name, serviceUrl: "http://backend.example" };
    case "operations":
      return { displayName: name, method: "GET", urlTemplate: `/${name}` };
    case "products":
      return { displayName: name, state: "published" };
    case "users":
      return { email: `${name}@example.com`, firstName: "First", lastName: "Last" };
    case "groups":
      return { displayName: name };
    case "subscriptions":
      return { scope: "/apis", displayName: name, state: "active" };
    case "backends":
      return { url: "http://backend.example", protocol: "http" };
    case "namedValues":
      return { displayName: name.replace(/[^A-Za-z0-9-._]/g, "-"), value: "v" };
    case "policies":
      return { value: policyXml, format: "xml" };
    case "policyFragments":
      return {
        value: '<fragment><set-header name="x" exists-action="override"><value>1</value></set-header></fragment>',
      };
    case "certificates":
      return { data: certData };
    case "apiVersionSets":
      return { displayName: name, versioningScheme: "Segment" };
    case "tags":
      return { displayName: name };
    case "schemas":
      return { contentType: "application/vnd.oai.openapi.components+json", document: { components: { schemas: {} } } };
    case "loggers":
      return { loggerType: "applicationInsights", credentials: { instrumentationKey: "k" } };
    case "caches":
      return { connectionString: "redis:6379", useFromLocation: "default" };
    default:
      return undefined;
  }
}

const linkCollections: Record<string, string> = { apis: "apis", groups: "groups", users: "users", tags: "tags" };

let h: Harness;
let certData = "";
before(async () => {
  h = await startHarness();
  certData = Buffer.from((await testCert()).cert).toString("base64");
});
after(() => h.close());

/** Creates every entity a path needs (ancestors and, unless creating it, the entity itself). */
async function ensurePath(segments: string[], includeLast: boolean): Promise<void> {
  const end = includeLast ? segments.length : segments.length - 2;
  for (let i = 2; i <= end; i += 2) {
    const collection = segments[i - 2] as string;
    const name = segments[i - 1] as string;
    const path = `/${segments.slice(0, i).map(encodeURIComponent).join("/")}`;
    if ((await h.call("GET", path)).status === 200) continue;
    const body = minimalBody(collection, name, certData);
    if (i > 2 && linkCollections[collection] && segments[i - 4] !== undefined) {
      const parentCollection = segments[i - 4];
      if (parentCollection !== "apis" || collection === "tags") {
        const target = `/${linkCollections[collection]}/${encodeURIComponent(name)}`;
        if ((await h.call("GET", target)).status !== 200)
          await h.call("PUT", target, { properties: minimalBody(collection, name, certData) });
        await h.call("PUT", path);
        continue;
      }
    }
    if (body) await h.call("PUT", path, { properties: body });
  }
}

async function ensureReferences(body: unknown): Promise<void> {
  const props = (body as { properties?: Json } | undefined)?.properties;
  if (!props) return;
  // Policies may use named values ({{name}}), which must exist as in Azure.
  if (typeof props.value === "string")
    for (const m of props.value.matchAll(/\{\{([A-Za-z0-9-._]+)\}\}/g))
      await h.call("PUT", `/namedValues/${m[1]}`, { properties: { displayName: m[1], value: "1" } });
  if (typeof props.value === "string")
    for (const m of props.value.matchAll(/logger-id="([^"]+)"/g))
      await h.call("PUT", `/loggers/${m[1]}`, { properties: minimalBody("loggers", m[1] as string, certData) });
  for (const key of ["ownerId", "scope", "apiVersionSetId", "sourceApiId"]) {
    const value = props[key];
    if (typeof value !== "string") continue;
    const ref = normalizeRef(value.replace(/\/service\/[^/]+/i, "/service/moat"), "moat");
    const segs = ref?.split("/").filter(Boolean) ?? [];
    if (segs.length === 2) await ensurePath(segs.map(decodeURIComponent), true);
  }
}

function jsonType(v: unknown): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
}

/** Differences in shape: top-level names and types, then the types of shared `properties` fields. */
function shapeProblems(expected: unknown, actual: unknown, at = "body"): string[] {
  if (jsonType(expected) !== "object") return jsonType(expected) === jsonType(actual) ? [] : [`${at}: type`];
  if (jsonType(actual) !== "object") return [`${at}: expected an object`];
  const e = expected as Json;
  const a = actual as Json;
  const problems: string[] = [];
  for (const key of Object.keys(e)) {
    if (["nextLink", "systemData", "etag", "identity", "zones", "count"].includes(key) && !(key in a)) continue;
    if (!(key in a)) problems.push(`${at}.${key}: missing`);
    else if (e[key] !== null && a[key] !== null && jsonType(e[key]) !== jsonType(a[key]))
      problems.push(`${at}.${key}: ${jsonType(e[key])} expected, got ${jsonType(a[key])}`);
  }
  if (jsonType(e.properties) === "object" && jsonType(a.properties) === "object") {
    const ep = e.properties as Json;
    const ap = a.properties as Json;
    for (const key of Object.keys(ep))
      if (key in ap && ep[key] !== null && ap[key] !== null && jsonType(ep[key]) !== jsonType(ap[key]))
        problems.push(`${at}.properties.${key}: ${jsonType(ep[key])} expected, got ${jsonType(ap[key])}`);
  }
  if (Array.isArray(e.value) && Array.isArray(a.value) && e.value.length > 0 && a.value.length > 0)
    problems.push(...shapeProblems(e.value[0], a.value[0], `${at}.value[0]`));
  return problems;
}

async function replay(c: Case): Promise<string[]> {
  const segments = c.path.split("/").filter(Boolean).map(decodeURIComponent);
  const creating = c.method === "PUT";
  const missing = "__missing" in c.query;
  // Build the world the example assumes: parents, referenced entities, and the entity itself.
  await ensurePath(segments, !!(!creating && !missing && c.method !== "DELETE"));
  if (c.method === "DELETE" || c.method === "PATCH" || c.method === "POST")
    await ensurePath(segments.slice(0, segments.length - (c.method === "POST" ? 1 : 0)), true);
  if (missing) await h.call("DELETE", c.path, undefined, { "if-match": "*" });
  const linkTarget = linkCollections[segments.at(-2) ?? ""];
  if (creating && segments.length >= 4 && linkTarget && !c.body)
    await ensurePath([linkTarget, segments.at(-1) as string], true);
  await ensureReferences(c.body);
  const query = Object.entries(c.query)
    .filter(([k]) => k !== "__missing")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  const headers = { ...c.headers };
  if ((c.method === "PATCH" || c.method === "DELETE") && !headers["if-match"]) headers["if-match"] = "*";
  const res: Res = await h.call(c.method, `${c.path}${query ? `?${query}` : ""}`, c.body, headers);
  const ok = (s: string) =>
    c.statuses.includes(s) ||
    (c.method === "PUT" && ["200", "201"].includes(s) && c.statuses.some((x) => ["200", "201"].includes(x))) ||
    (c.method === "DELETE" && ["200", "204"].includes(s) && c.statuses.some((x) => ["200", "204"].includes(x))) ||
    (["PUT", "PATCH", "POST"].includes(c.method) && s === "200" && c.statuses.includes("202")) ||
    (c.method === "POST" && s === "204" && c.statuses.includes("200") && c.expected === undefined);
  if (!ok(String(res.status)))
    return [`status ${res.status} not in [${c.statuses.join(", ")}]: ${JSON.stringify(res.body)?.slice(0, 300)}`];
  if (res.status >= 400 || c.expected === undefined || ["HEAD", "DELETE"].includes(c.method)) return [];
  return shapeProblems(c.expected, res.body);
}

test("Azure's examples replay against Moat", async () => {
  const router = compileRouter(createRoutes(h.options));
  const all = [
    ...loadSpecCases(join(corpus, "stable-2024-05-01")),
    ...loadSpecCases(join(corpus, "stable-2022-08-01")),
    ...loadDevopsCases(join(corpus, "devops-resource-kit-responses")),
  ];
  const inScope = all.filter((c) => {
    const match = router.match(c.path);
    return match?.spec.methods[c.method as "GET"] !== undefined;
  });
  const failures: string[] = [];
  for (const c of inScope) {
    const problems = await replay(c).catch((err: Error) => [`threw ${err.message}`]);
    if (problems.length > 0) failures.push(`${c.name}: ${problems.join("; ")}`);
  }
  const passed = inScope.length - failures.length;
  console.log(
    `contract: ${passed} passed, ${failures.length} failed of ${inScope.length} in scope (${all.length} examples in the corpus)`,
  );
  for (const f of failures) console.log(`  FAIL ${f}`);
  // Known, documented gaps are listed in the report; the suite guards against regressions.
  assert.ok(passed / inScope.length >= 0.85, `only ${passed} of ${inScope.length} examples pass`);
});
