// A tiny cookie-keeping HTTP client for server tests: follows redirects, remembers the session cookie,
// and fills the CSRF field from the last page it saw, the way a browser submitting a form would.
export interface Page {
  readonly status: number;
  readonly url: string;
  readonly html: string;
  readonly headers: Headers;
}

export interface FormClient {
  get(path: string): Promise<Page>;
  post(
    path: string,
    fields: Record<string, string>,
    opts?: { csrf?: string | null; headers?: Record<string, string> },
  ): Promise<Page>;
  readonly cookie: string | undefined;
  setCookie(value: string | undefined): void;
  csrf(): string;
}

export function createFormClient(base: string): FormClient {
  let cookie: string | undefined;
  let lastHtml = "";
  async function send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    let url = new URL(path, base).toString();
    for (let hop = 0; hop < 5; hop++) {
      const res = await fetch(url, {
        method,
        redirect: "manual",
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(body !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          ...headers,
        },
        body,
      });
      const set = res.headers.get("set-cookie");
      if (set) cookie = set.split(";")[0];
      if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
        await res.arrayBuffer();
        url = new URL(res.headers.get("location") as string, url).toString();
        method = "GET";
        body = undefined;
        continue;
      }
      const html = await res.text();
      if ((res.headers.get("content-type") ?? "").includes("text/html")) lastHtml = html;
      return { status: res.status, url, html, headers: res.headers };
    }
    throw new Error("too many redirects");
  }
  const csrf = () => /name="_csrf" value="([^"]+)"/.exec(lastHtml)?.[1] ?? "";
  return {
    get: (path) => send("GET", path),
    post(path, fields, opts = {}) {
      const token = opts.csrf === undefined ? csrf() : opts.csrf;
      const form = new URLSearchParams({ ...(token === null ? {} : { _csrf: token }), ...fields });
      return send("POST", path, form.toString(), opts.headers);
    },
    get cookie() {
      return cookie;
    },
    setCookie(value) {
      cookie = value;
    },
    csrf,
  };
}
