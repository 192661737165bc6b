// Progressive enhancement only: every page works without it except key reveal/copy and try-it.

function csrfOf(el) {
  return el.getAttribute("data-csrf") || "";
}

async function fetchKeys(sid, csrf) {
  const res = await fetch(`/subscriptions/${encodeURIComponent(sid)}/keys`, {
    method: "POST",
    headers: { "x-csrf-token": csrf },
    credentials: "same-origin",
  });
  if (!res.ok) throw new Error(`keys: HTTP ${res.status}`);
  return res.json();
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Older browsers or no clipboard permission: fall back to a hidden textarea.
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("button.show-key, button.copy-key") : null;
  if (!button) return;
  const sid = button.getAttribute("data-sid");
  const which = button.getAttribute("data-which");
  const code = document.querySelector(`code.key-value[data-sid="${sid}"][data-which="${which}"]`);
  try {
    const keys = await fetchKeys(sid, csrfOf(button));
    const value = which === "primary" ? keys.primaryKey : keys.secondaryKey;
    if (button.classList.contains("show-key")) {
      const shown = button.textContent === "Hide";
      code.textContent = shown ? "••••••••••••••••" : value;
      button.textContent = shown ? "Show" : "Hide";
    } else {
      const ok = await copyText(value);
      button.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(() => {
        button.textContent = "Copy";
      }, 2000);
    }
  } catch (err) {
    button.textContent = "Error";
    console.error(err);
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

for (const tabs of document.querySelectorAll("[data-tabs]")) {
  tabs.addEventListener("click", (event) => {
    const tab = event.target instanceof Element ? event.target.closest("button[data-tab]") : null;
    if (!tab) return;
    for (const b of tabs.querySelectorAll("button[data-tab]")) b.setAttribute("aria-selected", String(b === tab));
    for (const p of tabs.querySelectorAll("[data-panel]"))
      p.hidden = p.getAttribute("data-panel") !== tab.getAttribute("data-tab");
  });
}

const tryit = document.getElementById("tryit");
if (tryit) {
  tryit.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("tryit-response");
    const shown = document.getElementById("tryit-request");
    const method = tryit.getAttribute("data-method");
    let path = tryit.getAttribute("data-path");
    const query = new URLSearchParams();
    const headers = new Headers();
    for (const input of tryit.querySelectorAll("input[data-param]")) {
      const name = input.getAttribute("data-param");
      const where = input.getAttribute("data-in");
      if (input.value === "" && where !== "path") continue;
      if (where === "path") path = path.replace(`{${name}}`, encodeURIComponent(input.value));
      else if (where === "query") query.append(name, input.value);
      else if (where === "header") headers.set(name, input.value);
    }
    for (const line of (tryit.elements.headers?.value || "").split("\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const select = tryit.elements.subscription;
    const keyHeader = tryit.getAttribute("data-key-header");
    try {
      if (select?.value) {
        const keys = await fetchKeys(select.value, csrfOf(tryit));
        headers.set(keyHeader, keys.primaryKey);
      }
      const bodyField = tryit.elements.body;
      const init = { method, headers };
      if (bodyField && method !== "GET" && method !== "HEAD") {
        init.body = bodyField.value;
        if (!headers.has("content-type")) headers.set("content-type", bodyField.getAttribute("data-content-type"));
      }
      const qs = query.toString();
      const url = tryit.getAttribute("data-base") + path + (qs ? `?${qs}` : "");
      const lines = [`${method} ${url}`];
      for (const [k, v] of headers)
        lines.push(`${k}: ${k.toLowerCase() === keyHeader.toLowerCase() ? `${v.slice(0, 4)}…${v.slice(-4)}` : v}`);
      if (init.body) lines.push("", init.body);
      shown.textContent = lines.join("\n");
      out.textContent = "…";
      const started = performance.now();
      const res = await fetch(url, init);
      const text = await res.text();
      const took = Math.round(performance.now() - started);
      const head = [`HTTP ${res.status} ${res.statusText} (${took} ms)`];
      for (const [k, v] of res.headers) head.push(`${k}: ${v}`);
      let body = text;
      try {
        body = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // Not JSON: shown as is.
      }
      out.textContent = `${head.join("\n")}\n\n${body}`;
      out.setAttribute("data-status", String(res.status));
    } catch (err) {
      out.textContent = `The call failed before a response arrived: ${err.message}. The gateway may be unreachable, or it did not allow this origin (CORS).`;
      out.setAttribute("data-status", "error");
    }
  });
}
