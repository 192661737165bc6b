import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scanCode } from "./code-scanner.js";
import { decodeEntities } from "./entities.js";
import { assignPaths, MAX_ELEMENT_DEPTH, parseXml } from "./reader.js";

describe("tolerant XML reader", () => {
  test("hostile nesting is a diagnostic, not a stack overflow", () => {
    const deep = (n: number) => `<policies>${"<a>".repeat(n)}${"</a>".repeat(n)}</policies>`;
    assert.ok(parseXml(deep(MAX_ELEMENT_DEPTH - 1)).root);
    for (const n of [MAX_ELEMENT_DEPTH, 200_000]) {
      const { root, diagnostics } = parseXml(deep(n));
      assert.equal(root, undefined);
      assert.equal(diagnostics[0]?.code, "POLICY_ERR_XML_SYNTAX");
      assert.match(diagnostics[0]?.message ?? "", /nested deeper than 1024/);
    }
  });
  test("keeps raw quotes, < and && inside expression attributes", () => {
    const xml = `<when condition="@(context.Variables.GetValueOrDefault<int>("n") < 3 && x > 1)"/>`;
    const { root, diagnostics } = parseXml(xml);
    assert.deepEqual(diagnostics, []);
    assert.equal(root?.attributes[0]?.value, `@(context.Variables.GetValueOrDefault<int>("n") < 3 && x > 1)`);
  });

  test("multi-statement expressions in element text with < and strings containing braces", () => {
    const xml = `<set-body>@{ var s = "}{<"; if (a < b && c) { return s; } return "x"; }</set-body>`;
    const { root } = parseXml(xml);
    assert.equal(root?.text, `@{ var s = "}{<"; if (a < b && c) { return s; } return "x"; }`);
  });

  test("escaped documents decode entities inside expressions", () => {
    const { root } = parseXml(`<a v="@(x == &quot;a&quot; &amp;&amp; y)"/>`);
    assert.equal(root?.attributes[0]?.value, `@(x == "a" && y)`);
  });

  test("positions of elements and attributes are 1-based line and column", () => {
    const { root } = parseXml(`<policies>\n  <inbound>\n    <set-header name="a" />\n  </inbound>\n</policies>`);
    const el = root?.children[0]?.children[0];
    assert.equal(el?.line, 3);
    assert.equal(el?.column, 5);
    assert.deepEqual([el?.attributes[0]?.line, el?.attributes[0]?.column], [3, 17]);
  });

  test("comments, CDATA, prolog and entities", () => {
    const { root } = parseXml(
      `<?xml version="1.0"?><!-- c --><a><!-- x --><![CDATA[<raw>&amp;]]> &lt;b&gt; &#65;&#x42;</a>`,
    );
    assert.equal(root?.text, "<raw>&amp; <b> AB");
  });

  test("inner keeps raw XML for bodies that embed markup", () => {
    const { root } = parseXml(`<set-body><soap:Envelope xmlns:soap="u"><b>{{x}}</b></soap:Envelope></set-body>`);
    assert.equal(root?.inner, `<soap:Envelope xmlns:soap="u"><b>{{x}}</b></soap:Envelope>`);
  });

  test("syntax errors name the problem and its position", () => {
    const cases: Array<[string, string, number, number]> = [
      ["<a><b></a>", "end tag </a> does not match <b>", 1, 7],
      ["<a>\n<b x=1/></a>", "attribute x value must be quoted", 2, 6],
      ["<a>", "element <a> is not closed", 1, 1],
      ["<a/><b/>", "unexpected content after the root element", 1, 5],
      ["<a><!-- x </a>", "unterminated comment", 1, 4],
    ];
    for (const [xml, message, line, column] of cases) {
      const { root, diagnostics } = parseXml(xml);
      assert.equal(root, undefined, xml);
      assert.match(diagnostics[0]?.message ?? "", new RegExp(message.replace(/[<>/]/g, ".")), xml);
      assert.deepEqual([diagnostics[0]?.line, diagnostics[0]?.column], [line, column], xml);
    }
  });

  test("a DTD is refused by name, with its line, before or inside the root, in any case", () => {
    const cases: Array<[string, number, number, boolean?]> = [
      [`<!DOCTYPE policies [<!ENTITY x "y">]>\n<policies/>`, 1, 1],
      [`<?xml version="1.0"?>\n<!-- c -->\n<!doctype policies>\n<policies/>`, 3, 1],
      [`<policies>\n  <inbound>\n    <!ENTITY lol "lol">\n  </inbound>\n</policies>`, 3, 5],
      [`<!DOCTYPE x>\n<set-header name="a"/>`, 1, 1, true],
    ];
    for (const [xml, line, column, loose] of cases) {
      const { root, diagnostics } = parseXml(xml, { loose: loose ?? false });
      assert.equal(root, undefined, xml);
      assert.equal(diagnostics[0]?.code, "POLICY_ERR_DTD", xml);
      assert.match(
        diagnostics[0]?.message ?? "",
        new RegExp(`^DTDs are not allowed in policy documents: .* at line ${line}`),
      );
      assert.deepEqual([diagnostics[0]?.line, diagnostics[0]?.column], [line, column], xml);
    }
    // CDATA and comments that merely mention a DOCTYPE are text, not a DTD
    assert.ok(parseXml(`<set-body><![CDATA[<!DOCTYPE html><p/>]]></set-body>`).root);
    assert.ok(parseXml(`<!-- <!DOCTYPE x> -->\n<policies/>`).root);
  });

  test("loose mode reads documentation snippets with several statements", () => {
    const { root } = parseXml(`<!-- note -->\n<set-header name="a"/>\n<set-header name="b"/>`, { loose: true });
    assert.equal(root?.name, "fragment");
    assert.equal(root?.children.length, 2);
  });

  test("paths count same-named siblings", () => {
    const { root } = parseXml(`<inbound><choose><when/><when><set-header/></when></choose></inbound>`);
    if (!root) throw new Error("no root");
    assignPaths(root, "inbound");
    assert.equal(root.children[0]?.children[1]?.children[0]?.path, "inbound/choose[1]/when[2]/set-header[1]");
  });
});

describe("code scanner and entities", () => {
  test("balanced regions skip strings, chars, verbatim and interpolated strings", () => {
    const table: Array<[string, number]> = [
      [`(a)`, 3],
      [`(")")`, 5],
      [`(')')`, 5],
      [`(@"a""b)")`, 10],
      [`($"{x["a"]})")`, 14],
      [`(a // )\n)`, 9],
      [`(a`, -1],
      [`(a]`, -1],
    ];
    for (const [text, end] of table) assert.equal(scanCode(text, 0), end, text);
  });

  test("unknown entities stay literal", () => {
    assert.equal(decodeEntities("a && b &foo; &amp; &#x41;"), "a && b &foo; & A");
  });
});
