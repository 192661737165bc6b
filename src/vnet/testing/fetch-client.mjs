// One HTTP request from inside a network namespace (run as `ip netns exec <ns> node fetch-client.mjs
// '<json>'`). Prints one JSON line: { status, body } or { error, message } — never throws, so the test
// reads a refusal as data. Plain JavaScript: it starts in a few tens of milliseconds.
const spec = JSON.parse(process.argv[2] ?? "{}");
const fail = (err) => {
  const cause = err?.cause ?? err;
  console.log(JSON.stringify({ error: cause?.code ?? cause?.name ?? "Error", message: String(cause?.message ?? err) }));
  process.exit(0);
};
// A connection reset can surface outside the awaited promise: it is still an answer, not a crash.
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
const signal = AbortSignal.timeout(spec.timeoutMs ?? 5000);
// Only for probing whether a TLS listener accepts the connection at all (certificate names aside).
if (spec.insecure) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
try {
  const res = await fetch(spec.url, {
    method: spec.method ?? "GET",
    headers: spec.headers ?? {},
    body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
    signal,
  });
  const text = await res.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {}
  console.log(JSON.stringify({ status: res.status, body }));
} catch (err) {
  fail(err);
}
