// Code samples for an operation, one per language, from the same request description the try-it
// console starts with.

export interface SampleRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
}

export interface CodeSample {
  readonly id: string;
  readonly label: string;
  readonly code: string;
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const js = (s: string) => JSON.stringify(s);
const cs = (s: string) => `@"${s.replace(/"/g, '""')}"`;

export function codeSamples(r: SampleRequest): CodeSample[] {
  const hasBody = r.body !== undefined && r.body !== "";
  const body = r.body ?? "";
  const contentType = r.headers.find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "application/json";
  const plainHeaders = r.headers.filter(([k]) => k.toLowerCase() !== "content-type");

  const curl = [
    `curl -X ${r.method} ${sq(r.url)}`,
    ...r.headers.map(([k, v]) => `  -H ${sq(`${k}: ${v}`)}`),
    ...(hasBody ? [`  --data-raw ${sq(body)}`] : []),
  ].join(" \\\n");

  const javascript = [
    `const response = await fetch(${js(r.url)}, {`,
    `  method: ${js(r.method)},`,
    "  headers: {",
    ...r.headers.map(([k, v]) => `    ${js(k)}: ${js(v)},`),
    "  },",
    ...(hasBody ? [`  body: ${js(body)},`] : []),
    "});",
    "console.log(response.status, await response.text());",
  ].join("\n");

  const python = [
    "import requests",
    "",
    "headers = {",
    ...r.headers.map(([k, v]) => `    ${js(k)}: ${js(v)},`),
    "}",
    ...(hasBody ? [`data = ${js(body)}`] : []),
    `response = requests.request(${js(r.method)}, ${js(r.url)}, headers=headers${hasBody ? ", data=data.encode()" : ""})`,
    "print(response.status_code, response.text)",
  ].join("\n");

  const csharp = [
    "using var client = new HttpClient();",
    `using var request = new HttpRequestMessage(new HttpMethod(${js(r.method)}), ${js(r.url)});`,
    ...plainHeaders.map(([k, v]) => `request.Headers.TryAddWithoutValidation(${js(k)}, ${js(v)});`),
    ...(hasBody
      ? [
          `request.Content = new StringContent(${cs(body)}, System.Text.Encoding.UTF8, ${js(contentType.split(";")[0] ?? contentType)});`,
        ]
      : []),
    "using var response = await client.SendAsync(request);",
    'Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");',
  ].join("\n");

  return [
    { id: "curl", label: "curl", code: curl },
    { id: "javascript", label: "JavaScript", code: javascript },
    { id: "python", label: "Python", code: python },
    { id: "csharp", label: "C#", code: csharp },
  ];
}
