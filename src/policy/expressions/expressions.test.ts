// Table-driven semantics: expression source + fake context → expected value (compared as C# ToString
// text unless a JS value is given), plus diagnostics with absolute positions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileExpression, toPolicyString } from "./index.js";
import { CsException } from "./runtime/errors.js";
import type { FakeContextOptions } from "./test-support.js";
import { fakeContext } from "./test-support.js";

const AT = { path: "inbound/set-header[1]/value", line: 10, column: 20 };

function run(source: string, options: FakeContextOptions = {}): unknown {
  const r = compileExpression(source, AT);
  assert.ok(r.expression, `${source}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.expression.evaluate(fakeContext(options));
}

const jwt = [
  Buffer.from('{"alg":"RS256","typ":"JWT"}').toString("base64url"),
  Buffer.from(
    '{"sub":"user-7","aud":["api://moat"],"name":"Ada","roles":["a","b"],"exp":1800000000,"iss":"https://issuer"}',
  ).toString("base64url"),
  "signature",
].join(".");

// [source, expected ToString text, context options]
const CASES: Array<[string, string, FakeContextOptions?]> = [
  // literals and operators
  ["@(1 + 2 * 3)", "7"],
  ["@(7 / 2)", "3"],
  ["@(7.0 / 2)", "3.5"],
  ["@(-7 / 2)", "-3"],
  ["@(7 % 3)", "1"],
  ["@(10L * 3)", "30"],
  ["@(1.5m + 1)", "2.5"],
  ["@(0.1 + 0.2)", "0.30000000000000004"],
  ["@(1 < 2 && !(3 <= 2) || false)", "True"],
  ['@(true ? "a" : "b")', "a"],
  ['@("a" + 1 + 2)', "a12"],
  ['@(1 + 2 + "a")', "3a"],
  ['@("x" + null + true)', "xTrue"],
  ['@(null ?? "fallback")', "fallback"],
  ["@(5 & 3 | 8 ^ 1)", "9"],
  ["@(1 << 4 >> 2)", "4"],
  ["@((byte)(621355968000000000L >> 40))", "127"],
  ["@((int)3.9)", "3"],
  ["@((int)(10 * 0.15))", "1"],
  ['@($"a{1 + 1}b{{c}}")', "a2b{c}"],
  ['@($"{3.5:F2}|{42:D5}")', "3.50|00042"],
  ['@($"[{"ab",4}|{"ab",-4}|{7,3:D2}]")', "[  ab|ab  | 07]"],
  ['@(@"c:\\path ""q""")', 'c:\\path "q"'],
  ["@('x'.ToString() + \"\\n\".Length + '\\''.ToString())", "x1'"],
  ['@("\\u0041\\t" + "b")', "A\tb"],
  // strings
  ["@(\"a,b,,c\".Split(',').Length)", "4"],
  ["@(\"a,b,,c\".Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries).Length)", "3"],
  ["@(\"k=v=w\".Split(new char[] {'='}, 2)[1])", "v=w"],
  ['@("Hello".Substring(1, 3))', "ell"],
  ['@("Hello".ToUpperInvariant().ToLower())', "hello"],
  ['@("  pad ".Trim() + "|" + "xxa==".TrimEnd(\'=\'))', "pad|xxa"],
  ['@("abc".Replace("b", "B").Replace(\'a\', \'A\'))', "ABc"],
  ['@("abc".StartsWith("AB", StringComparison.OrdinalIgnoreCase))', "True"],
  ['@("abc".Equals("ABC", StringComparison.OrdinalIgnoreCase))', "True"],
  ['@("abc".IndexOf("c"))', "2"],
  ["@(\"7\".PadLeft(3, '0'))", "007"],
  ['@(string.IsNullOrEmpty("") && String.IsNullOrEmpty(null))', "True"],
  ['@(string.Join(",", new[] { "a", "b" }))', "a,b"],
  ['@(string.Format("/{0}/{1:D2}", "x", 5))', "/x/05"],
  ['@(String.Concat("a", 1, true))', "a1True"],
  ['@(string.Compare("a", "b"))', "-1"],
  ["@(string.Empty.Length)", "0"],
  ['@("abc"[1])', "b"],
  // LINQ
  ["@(new[] { 3, 1, 2 }.OrderBy(x => x).First())", "1"],
  ["@(new[] { 1, 2, 3, 4 }.Where(x => x % 2 == 0).Select(x => x * 10).Sum())", "60"],
  ['@(new[] { "a", "b" }.Any(s => s == "b") && new[] { 1 }.All(i => i > 0))', "True"],
  ["@(new[] { 1, 2, 2, 3 }.Distinct().Count())", "3"],
  ["@(new[] { 1, 2, 3 }.Skip(1).Take(1).Single())", "2"],
  ["@(new[] { 1, 2, 3 }.Aggregate((a, b) => a * b))", "6"],
  ['@(new[] { "x" }.FirstOrDefault(s => s == "y") ?? "none")', "none"],
  ['@(new[] { "POST", "PUT" }.Contains("post", StringComparer.OrdinalIgnoreCase))', "True"],
  ["@(new[] { 1, 5, 3 }.Max() + new[] { 4, 2 }.Min())", "7"],
  // context
  ["@(context.Request.Method)", "POST", { method: "POST" }],
  ["@(context.Request.Url.Host + context.Request.Url.Path)", "api.contoso.com/echo/resource"],
  ["@(context.Request.Url.Port)", "443"],
  ['@(context.Request.Url.Query.GetValueOrDefault("a", ""))', "1,2"],
  ['@(context.Request.Url.Query.GetValueOrDefault("missing", "d"))', "d"],
  ["@(context.Request.Url.QueryString)", "?param1=value1&a=1&a=2"],
  ["@(context.Request.Url.ToString())", "https://api.contoso.com/echo/resource?param1=value1&a=1&a=2"],
  ['@(context.Request.Headers.GetValueOrDefault("X-Multi", "none"))', "1,2", { headers: { "x-multi": ["1", "2"] } }],
  ['@(context.Request.Headers["X-Multi"][1])', "2", { headers: { "x-multi": ["1", "2"] } }],
  ['@(context.Request.Headers.ContainsKey("Authorization"))', "False"],
  ['@(context.Request.MatchedParameters["id"])', "42", { matchedParameters: { id: "42" } }],
  ['@(context.Request.MatchedParameters.GetValueOrDefault("nope", "d"))', "d"],
  ["@(context.Request.IpAddress)", "10.0.0.4"],
  [
    '@(context.Api.Name + "|" + context.Api.ServiceUrl.Host + "|" + context.Api.ServiceUrl.Port)',
    "Echo API|backend.internal|8080",
  ],
  ["@(context.Operation.Name)", "Get resource"],
  ['@(context.Product.Name.Equals("Starter"))', "True"],
  ["@(context.Subscription.Key)", "key-1"],
  ["@(context.User.Email)", "ada@contoso.com"],
  ['@("user:" + context.User?.Id)', "user:", { withEntities: false }],
  ["@(context.Deployment.Region)", "West US"],
  ["@(context.RequestId.ToString())", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"],
  ['@(context.Timestamp.ToString("o"))', "2026-11-27T19:59:59.0000000Z"],
  ["@(context.Elapsed.TotalMilliseconds)", "1123"],
  ["@(context.Response.StatusCode == 404)", "True", { response: { statusCode: 404 } }],
  ['@(context.Response.Headers.GetValueOrDefault("x-ms-region", "unknown"))', "unknown", { response: {} }],
  ["@(context.Response != null)", "False"],
  ["@(context.LastError == null)", "True"],
  ["@(context.Tracing)", "True"],
  // variables
  ['@((string)context.Variables["a"])', "x", { variables: { a: "x" } }],
  ['@(context.Variables.GetValueOrDefault<int>("n") + 1)', "42", { variables: { n: 41 } }],
  ['@((int)context.Variables["n"] / 2)', "20", { variables: { n: 41 } }],
  ['@(context.Variables.GetValueOrDefault<string>("missing", "def"))', "def"],
  ['@(context.Variables.GetValueOrDefault("missing") == null)', "True"],
  ['@(context.Variables.ContainsKey("a"))', "True", { variables: { a: 1 } }],
  ['@(context.Variables["a"] is int n && n > 0 ? n * 2 : -1)', "10", { variables: { a: 5 } }],
  [
    '@(((IResponse)context.Variables["r"]).StatusCode)',
    "202",
    {
      variables: {
        r: {
          statusCode: 202,
          statusReason: "Accepted",
          headers: new Map(),
          body: { buffered: true, bytes: Buffer.from("{}") },
        },
      },
    },
  ],
  [
    '@(((IResponse)context.Variables["r"]).Body.As<JObject>()["a"].ToString())',
    "1",
    {
      variables: {
        r: {
          statusCode: 200,
          statusReason: "OK",
          headers: new Map(),
          body: { buffered: true, bytes: Buffer.from('{"a":1}') },
        },
      },
    },
  ],
  // bodies and JSON
  [
    '@(context.Request.Body.As<JObject>(preserveContent: true)["model"].ToString())',
    "gpt-4o",
    { body: '{"model":"gpt-4o"}' },
  ],
  [
    '@((string)context.Request.Body.As<JObject>(true).SelectToken("a.b[1].c"))',
    "deep",
    { body: '{"a":{"b":[{},{"c":"deep"}]}}' },
  ],
  ["@(context.Request.Body.As<string>())", "raw text", { body: "raw text" }],
  ["@(context.Request.Body == null)", "True"],
  ['@(context.Request.Body.AsFormUrlEncodedContent()["state"].Single())', "s 1", { body: "state=s+1&code=c" }],
  ["@(context.Request.Body.As<JArray>().Count)", "2", { body: "[1,2]" }],
  ['@(JObject.Parse("{\\"a\\":[1,2]}")["a"][1].Value<int>() + 1)', "3"],
  [
    '@(new JObject(new JProperty("a", 1), new JProperty("b", "x")).ToString(Newtonsoft.Json.Formatting.None))',
    '{"a":1,"b":"x"}',
  ],
  ['@(new JObject { ["error"] = "bad" }.ToString())', '{\n  "error": "bad"\n}'],
  ['@(JsonConvert.SerializeObject(new { a = 1, b = new[] { "x" } }))', '{"a":1,"b":["x"]}'],
  ['@((bool)JObject.Parse("{\\"ok\\":true}")["ok"] == true)', "True"],
  ['@(JObject.Parse("{\\"a\\":1}").Property("a")?.Value?.ToString() ?? "")', "1"],
  ['@(JArray.Parse("[{\\"n\\":\\"a\\"},{\\"n\\":\\"b\\"}]").Select(t => t.Value<string>("n")).Last())', "b"],
  ['@(JObject.Parse("{}")["missing"]?.ToString() ?? "null")', "null"],
  // time, guid, encoding, crypto
  ['@(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"))', "2026-11-27T20:00:00Z"],
  ['@(DateTime.UtcNow.ToString("R"))', "Fri, 27 Nov 2026 20:00:00 GMT"],
  ["@(DateTime.UtcNow.AddDays(1).Day)", "28"],
  ['@(DateTime.UtcNow.ToString("u").Replace(" ", "T"))', "2026-11-27T20:00:00Z"],
  ["@(DateTime.UtcNow)", "11/27/2026 20:00:00"],
  ["@(DateTimeOffset.UtcNow.ToUnixTimeSeconds())", "1795809600"],
  ['@(DateTimeOffset.FromUnixTimeSeconds(0).ToString("R"))', "Thu, 01 Jan 1970 00:00:00 GMT"],
  ['@((DateTime.UtcNow - DateTime.Parse("2026-11-27T19:00:00Z")).TotalMinutes)', "60.00205"],
  ["@(TimeSpan.FromSeconds(90).ToString())", "00:01:30"],
  ['@(DateTime.UtcNow > DateTime.Parse("2020-01-01"))', "True"],
  ['@(Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301").ToString("N"))', "3f2504e04f8911d39a0c0305e82c3301"],
  [
    '@(new Guid(Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301").ToByteArray()).ToString())',
    "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
  ],
  ['@(Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pw")))', "dXNlcjpwdw=="],
  ['@(Encoding.UTF8.GetString(Convert.FromBase64String("aGk=")))', "hi"],
  ["@(BitConverter.ToString(new byte[] { 1, 171 }))", "01-AB"],
  [
    '@(Convert.ToBase64String(new System.Security.Cryptography.HMACSHA256(Encoding.UTF8.GetBytes("key")).ComputeHash(Encoding.UTF8.GetBytes("msg"))))',
    "LZPLwb4We8sWN6SiPL/wGnh48MUO6DOVTqUiG7G4xig=",
  ],
  [
    '@(BitConverter.ToString(SHA256.Create().ComputeHash(Encoding.UTF8.GetBytes("abc"))).Replace("-", "").ToLowerInvariant().Substring(0, 8))',
    "ba7816bf",
  ],
  ['@(Convert.ToInt32("ff", 16) + Convert.ToInt32("12"))', "267"],
  ['@(int.Parse("42") + long.Parse("1"))', "43"],
  ["@(Math.Max(3, 9) + Math.Round(2.5) + Math.Round(3.14159, 2))", "14.14"],
  ['@(Uri.EscapeDataString("a b&c") + "|" + Uri.UnescapeDataString("a%20b"))', "a%20b%26c|a b"],
  ['@(System.Net.WebUtility.UrlEncode("a b/c") + "|" + WebUtility.UrlDecode("a+b%2Fc"))', "a+b%2Fc|a b/c"],
  ["@(WebUtility.HtmlEncode(\"<a href='x'>\"))", "&lt;a href=&#39;x&#39;&gt;"],
  ['@(Regex.IsMatch("abc123", @"\\d+$"))', "True"],
  ['@(Regex.Match("max-age=60", @"max-age=(?<maxAge>\\d+)").Groups["maxAge"].Value)', "60"],
  ['@(Regex.Replace("a1b2", "[0-9]", "#"))', "a#b#"],
  ['@(new Uri("https://x.test/oauth/cb?q=1").AbsolutePath)', "/oauth/cb"],
  ["@(new Random(42).Next(1, 3) >= 1)", "True"],
  // helpers
  [
    `@(context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt()?.Subject)`,
    "user-7",
    { headers: { authorization: `Bearer ${jwt}` } },
  ],
  [
    `@(context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt().Claims.GetValueOrDefault("roles", ""))`,
    "a,b",
    { headers: { authorization: `Bearer ${jwt}` } },
  ],
  [
    `@(context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt().Claims["name"][0])`,
    "Ada",
    { headers: { authorization: `Bearer ${jwt}` } },
  ],
  ['@("not a jwt".AsJwt() == null)', "True"],
  [
    '@(context.Request.Headers.GetValueOrDefault("Authorization").AsBasic().UserId)',
    "ada",
    { headers: { authorization: `Basic ${Buffer.from("ada:pw").toString("base64")}` } },
  ],
  // XML
  [
    '@(XDocument.Parse("<r xmlns=\'urn:a\'><v>1</v><v>2</v></r>").Descendants().Where(e => e.Name.LocalName == "v").Last().Value)',
    "2",
  ],
  [
    '@{ var x = new XmlDocument(); x.LoadXml("<K><Oid>o-1</Oid></K>"); return x.DocumentElement.SelectSingleNode("/K/Oid").InnerText; }',
    "o-1",
  ],
  [
    '@(context.Request.Body.As<XDocument>(preserveContent: true).Root.Element("a").Attribute("id").Value)',
    "7",
    { body: '<r><a id="7"/></r>' },
  ],
  ['@(XElement.Parse("<a><b>x</b></a>").Element("b").ToString())', "<b>x</b>"],
  // statements
  ["@{ var x = 1; for (int i = 0; i < 4; i++) { x *= 2; } return x; }", "16"],
  [
    '@{ var sum = 0; foreach (var p in "1,2,3".Split(\',\')) { if (p == "2") continue; sum += int.Parse(p); } return sum; }',
    "4",
  ],
  ["@{ int i = 0; while (true) { i++; if (i > 5) break; } return i; }", "6"],
  ['@{ switch ("b".ToLower()) { case "a": return 1; case "b": case "c": return 2; default: return 3; } }', "2"],
  ['@{ try { return JObject.Parse("nope").ToString(); } catch (Exception e) { return "caught"; } }', "caught"],
  ['@{ try { throw new Exception("boom"); } catch (Exception ex) { return ex.Message; } }', "boom"],
  ["@{ int Twice(int v) { return v * 2; } return Twice(Twice(3)); }", "12"],
  ['@{ var list = new List<string>(); list.Add("a"); list.Add("b"); return string.Join("+", list); }', "a+b"],
  ['@{ var d = new Dictionary<string, int>(); d["a"] = 1; return d.ContainsKey("a") && d["a"] == 1; }', "True"],
  ['@{ var sb = new StringBuilder(); sb.Append("a").Append(1); return sb.ToString(); }', "a1"],
  [
    '@{ var o = new JObject(); o["x"] = "y"; o.Add(new JProperty("n", 2)); o.Property("x").Remove(); return o.ToString(Formatting.None); }',
    '{"n":2}',
  ],
  ['@{ if (int.TryParse("12", out var n)) { return n + 1; } return -1; }', "13"],
  [
    "@{ var b = new byte[4]; b[0] = (byte)300; Array.Copy(new byte[] { 7, 8 }, 0, b, 2, 2); return BitConverter.ToString(b); }",
    "2C-00-07-08",
  ],
  ["@{ string s = null; return s?.Length ?? -1; }", "-1"],
  ['@{ var a = new int[3]; var i = 0; a[i++] += 5; return i + "," + a[0]; }', "1,5"],
  ['@{ var d = new Dictionary<string, int>(); d["k"] = 1; d["k"] += 2; d["k"]++; return d["k"]; }', "4"],
  ["@{ int x = 7; x /= 2; x -= 1; x *= 10; return x; }", "20"],
  ["@(int.MaxValue + 1)", "-2147483648"],
  ["@(default(int) + unchecked((int)3.7))", "3"],
  ["@(default(string) == null && default(bool) == false)", "True"],
  ["@((long)int.MaxValue + 1)", "2147483648"],
  ["@{ int? n = null; return n ?? 5; }", "5"],
  ['@{ int? n = 3; var b = n > 2 ? "big" : "small"; return b; }', "big"],
  ['@{ string s = null; s ??= "d"; return s; }', "d"],
  [
    '@{ var key = Convert.FromBase64String("AAECAwQFBgcICQoLDA0ODw=="); var iv = new byte[16]; var enc = Encoding.UTF8.GetBytes("secret").Encrypt("Aes", key, iv); return Encoding.UTF8.GetString(enc.Decrypt("Aes", key, iv)); }',
    "secret",
  ],
  ['@{ context.Trace("hello"); return context.Variables.Count; }', "0"],
];

test("expressions evaluate with C# semantics", () => {
  for (const [source, expected, options] of CASES) {
    let actual: string;
    try {
      actual = toPolicyString(run(source, options));
    } catch (error) {
      assert.fail(`${source} threw ${(error as Error).stack}`);
    }
    assert.equal(actual, expected, source);
  }
});

test("values keep their .NET types for callers", () => {
  assert.equal(run("@(1 == 1)"), true);
  assert.equal(run("@(40 + 2)"), 42);
  assert.equal(run('@("s")'), "s");
  assert.equal(run("@(null)"), null);
  assert.ok(run('@(Encoding.UTF8.GetBytes("a"))') instanceof Uint8Array);
});

test("toPolicyString formats like .NET's invariant ToString", () => {
  assert.equal(toPolicyString(true), "True");
  assert.equal(toPolicyString(null), "");
  assert.equal(toPolicyString(undefined), "");
  assert.equal(toPolicyString(1.5e-5), "1.5E-05");
  assert.equal(toPolicyString(1e21), "1E+21");
  assert.equal(toPolicyString(12345678901234), "12345678901234");
  assert.equal(toPolicyString(["a"]), "System.String[]");
  assert.equal(toPolicyString(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), "01/02/2026 03:04:05");
});

test("body use is detected at compile time so that the gateway buffers", () => {
  const uses = (s: string) => {
    const r = compileExpression(s, AT);
    assert.ok(r.expression, r.diagnostics.map((d) => d.message).join());
    return [r.expression.usesRequestBody, r.expression.usesResponseBody];
  };
  assert.deepEqual(uses("@(context.Request.Body.As<string>(preserveContent: true))"), [true, false]);
  assert.deepEqual(uses('@(context.Response.Body.As<JObject>()["a"])'), [false, true]);
  assert.deepEqual(uses('@(((IResponse)context.Variables["r"]).Body.As<string>())'), [false, false]);
  assert.deepEqual(uses("@{ var req = context.Request; return req.Body.As<string>(); }"), [true, false]);
  assert.deepEqual(uses("@(context.Request.Headers.Count)"), [false, false]);
});

test("reading a body without preserveContent consumes it", () => {
  const ctx = fakeContext({ body: "abc" });
  const first = compileExpression("@(context.Request.Body.As<string>())", AT).expression!;
  assert.equal(first.evaluate(ctx), "abc");
  assert.equal(compileExpression("@(context.Request.Body == null)", AT).expression!.evaluate(ctx), true);
  const keep = fakeContext({ body: "abc" });
  const preserving = compileExpression("@(context.Request.Body.As<string>(preserveContent: true))", AT).expression!;
  assert.equal(preserving.evaluate(keep), "abc");
  assert.equal(preserving.evaluate(keep), "abc");
});

// [source, message fragment, line, column]: AT is line 10, column 20.
const REJECTED: Array<[string, string, number, number]> = [
  ["@(context.Request.Foo)", "unsupported member 'Foo' on type 'IRequest'", 10, 38],
  ["@(context.Bogus)", "unsupported member 'Bogus' on type 'IContext'", 10, 30],
  ['@(System.IO.File.ReadAllText("x"))', "unknown type 'System.IO.File'", 10, 22],
  ["@(context.Request.Method", "expected ')'", 10, 44],
  ["@(1 +)", "unexpected ')'", 10, 25],
  ["@{ return 1 }", "expected ';'", 10, 32],
  ["@{ var x = 1; }", "not all code paths return a value", 10, 34],
  ["@{\n  var x = 1;\n  return y;\n}", "unknown identifier 'y'", 12, 10],
  ['@("abc".Frobnicate())', "unsupported member 'Frobnicate' on type 'string'", 10, 28],
  ["@(new XmlWriter())", "unsupported type 'XmlWriter'", 10, 26],
  ["@(Foo.Bar())", "unknown identifier 'Foo'", 10, 22],
  ["@(context.Request.Body.As<XNode>())", "unsupported type argument 'XNode'", 10, 43],
  ['@(context.Request.MatchedParameters("id"))', "'MatchedParameters' on type 'IRequest' is not a method", 10, 38],
  ["@{ string s = \"ab\"; s[0] = 'c'; return s; }", "strings are immutable", 10, 40],
  ['@(context.Variables["a"] = 1)', "read-only", 10, 22],
  ['@("unterminated)', "unterminated string literal", 10, 22],
  ["@(typeof(string))", "'typeof' is not supported", 10, 22],
  ["@(1) trailing", "after the end of the expression", 10, 25],
  ["@(DateTime.Bogus)", "unsupported member 'Bogus' on type 'DateTime'", 10, 31],
  ["@(DateTime.UtcNow.Length)", "unsupported member 'Length' on type 'DateTime'", 10, 38],
  ['@(JObject.Parse("{}").Frob())', "unsupported member 'Frob' on type 'JObject'", 10, 42],
  ['@(Regex.IsMatch("a", "(unclosed"))', "Invalid pattern", 10, 28],
];

test("unsupported or invalid expressions are rejected at compile time with positions", () => {
  for (const [source, fragment, line, column] of REJECTED) {
    const r = compileExpression(source, AT);
    assert.equal(r.expression, undefined, source);
    const d = r.diagnostics.find((x) => x.message.includes(fragment));
    assert.ok(d, `${source}: ${r.diagnostics.map((x) => x.message).join("; ")}`);
    assert.equal(d.path, AT.path);
    assert.deepEqual([d.line, d.column], [line, column], `${source}: ${d.message}`);
  }
});

test("run-time failures are .NET exceptions with useful messages", () => {
  const fails = (source: string, type: string, options?: FakeContextOptions) => {
    const r = compileExpression(source, AT);
    assert.ok(r.expression, r.diagnostics.map((d) => d.message).join());
    assert.throws(
      () => r.expression.evaluate(fakeContext(options)),
      (e: unknown) => e instanceof CsException && e.type === type,
      source,
    );
  };
  fails('@((string)context.Variables["missing"])', "KeyNotFoundException");
  fails('@((string)context.Variables["n"])', "InvalidCastException", { variables: { n: 1 } });
  fails('@(context.Variables.GetValueOrDefault<int>("s"))', "InvalidCastException", { variables: { s: "x" } });
  fails('@(int.Parse("x"))', "FormatException");
  fails("@(1 / (2 - 2))", "DivideByZeroException");
  fails('@("abc".Substring(5))', "ArgumentOutOfRangeException");
  fails('@(JObject.Parse("[1]"))', "JsonReaderException");
  fails("@(context.User.Id)", "NullReferenceException", { withEntities: false });
  fails("@{ while (true) { } }", "InvalidOperationException");
  fails("@{ int F(int x) { return F(x + 1); } return F(0); }", "InsufficientExecutionStackException");
  fails("@(Enumerable.Range(0, 100000000).Count())", "OutOfMemoryException");
  fails('@("x".PadLeft(2000000000))', "OutOfMemoryException");
  fails("@(new byte[-1])", "ArgumentOutOfRangeException");
});

test("expressions compile once and evaluate without re-parsing", () => {
  const r = compileExpression('@(context.Request.Headers.GetValueOrDefault("x", "") + "!")', AT);
  const ctx = fakeContext({ headers: { x: "1" } });
  const start = performance.now();
  for (let i = 0; i < 20000; i++) r.expression!.evaluate(ctx);
  const perCallUs = ((performance.now() - start) / 20000) * 1000;
  console.log(`evaluate: ${perCallUs.toFixed(2)} µs per call`);
  assert.ok(perCallUs < 50);
});
