import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultTemplates, htmlToText, renderTemplate } from "./mail-templates.js";

test("placeholders are replaced, escaped in the body, and unknown ones kept", () => {
  const out = renderTemplate(
    {
      subject: "Hi $DevFirstName\r\nBcc: x",
      body: '<p>$DevFirstName <a href="$ConfirmUrl">$ConfirmUrl</a> $Unknown</p>',
    },
    { DevFirstName: "<b>Eve</b>", ConfirmUrl: "https://p/confirm?token=a&b" },
  );
  assert.equal(out.subject, "Hi <b>Eve</b> Bcc: x", "no header injection through CR/LF");
  assert.equal(
    out.html,
    '<p>&lt;b&gt;Eve&lt;/b&gt; <a href="https://p/confirm?token=a&amp;b">https://p/confirm?token=a&amp;b</a> $Unknown</p>',
  );
  assert.equal(out.text, "<b>Eve</b> https://p/confirm?token=a&b $Unknown");
});

test("every default template renders without leftover known placeholders", () => {
  const values = {
    DevFirstName: "A",
    DevLastName: "B",
    DevEmail: "a@b.c",
    DevPortalUrl: "http://p",
    ConfirmUrl: "http://p/c",
    OrganizationName: "Org",
    ProdName: "Gold",
  };
  for (const [name, t] of Object.entries(defaultTemplates)) {
    const out = renderTemplate(t, values);
    assert.doesNotMatch(out.subject + out.html, /\$[A-Z]/, name);
  }
});

test("html to text keeps link targets", () => {
  assert.equal(htmlToText('<p>Go <a href="http://x">here</a></p><p>Bye</p>'), "Go here (http://x)\nBye");
});
