// Downloads a document for the `*-link` import formats. Bounded in time and size: the URL comes
// from an API client, so a slow or endless body must end in a clear error, not a stuck request.
import { Agent, errors, interceptors, request } from "undici";
import { MoatError } from "../core/errors.js";

export interface FetchDocumentOptions {
  /** Whole-download deadline (connect, headers and body). */
  timeoutMs: number;
  maxBytes: number;
  /** Redirects followed (default 3). */
  maxRedirections?: number;
}

export interface FetchedDocument {
  text: string;
  /** Final URL after redirects (relative server URLs resolve against it). */
  url: string;
  contentType: string | undefined;
}

export async function fetchOpenApiDocument(url: string, options: FetchDocumentOptions): Promise<FetchedDocument> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MoatError("OPENAPI_ERR_FETCH_URL", `"${url}" is not an absolute URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new MoatError("OPENAPI_ERR_FETCH_URL", `only http and https links can be imported, not ${parsed.protocol}`);
  }
  const dispatcher = new Agent({
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  }).compose(interceptors.redirect({ maxRedirections: options.maxRedirections ?? 3 }));
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await request(parsed, {
      method: "GET",
      headers: { accept: "application/json, application/yaml, text/yaml, */*;q=0.5" },
      dispatcher,
      signal,
    });
    if (response.statusCode < 200 || response.statusCode > 299) {
      await response.body.dump().catch(() => undefined);
      throw new MoatError("OPENAPI_ERR_FETCH_STATUS", `GET ${url} answered ${response.statusCode}`);
    }
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      response.body.destroy();
      throw tooLarge(url, options.maxBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > options.maxBytes) {
        response.body.destroy();
        throw tooLarge(url, options.maxBytes);
      }
      chunks.push(chunk as Buffer);
    }
    const contentType = response.headers["content-type"];
    return {
      text: Buffer.concat(chunks).toString("utf8"),
      url: parsed.toString(),
      contentType: Array.isArray(contentType) ? contentType[0] : contentType,
    };
  } catch (error) {
    if (error instanceof MoatError) throw error;
    if (signal.aborted || isTimeout(error)) {
      throw new MoatError("OPENAPI_ERR_FETCH_TIMEOUT", `GET ${url} did not complete within ${options.timeoutMs} ms`, {
        cause: error,
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new MoatError("OPENAPI_ERR_FETCH_FAILED", `GET ${url} failed: ${message}`, { cause: error });
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

function tooLarge(url: string, maxBytes: number): MoatError {
  return new MoatError("OPENAPI_ERR_FETCH_TOO_LARGE", `the document at ${url} is larger than ${maxBytes} bytes`);
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError ||
    (error instanceof Error && error.name === "TimeoutError")
  );
}
