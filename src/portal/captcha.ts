// Self-contained CAPTCHA: a small sum drawn as jittered strokes in an SVG (no <text>, so the answer is
// not in the markup), with noise lines and dots. The answer is bound by HMAC to a nonce and an expiry;
// the expression itself travels sealed in the image URL, so the server keeps no per-challenge state
// except the set of nonces already used (single use, even after a wrong answer).
import { randomInt } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { mac, type PortalKeys, randomId, safeEqual, seal, unseal } from "./crypto.js";
import type { OnceSet } from "./once.js";

// Glyphs as polylines on a 10 x 20 box.
const glyphs: Record<string, number[][][]> = {
  "0": [
    [
      [1, 1],
      [9, 1],
      [9, 19],
      [1, 19],
      [1, 1],
    ],
  ],
  "1": [
    [
      [3, 4],
      [6, 1],
      [6, 19],
    ],
    [
      [3, 19],
      [9, 19],
    ],
  ],
  "2": [
    [
      [1, 2],
      [9, 1],
      [9, 9],
      [1, 19],
      [9, 19],
    ],
  ],
  "3": [
    [
      [1, 1],
      [9, 1],
      [5, 9],
      [9, 12],
      [8, 19],
      [1, 18],
    ],
  ],
  "4": [
    [
      [7, 19],
      [7, 1],
      [1, 13],
      [10, 13],
    ],
  ],
  "5": [
    [
      [9, 1],
      [1, 1],
      [1, 9],
      [9, 10],
      [9, 19],
      [1, 19],
    ],
  ],
  "6": [
    [
      [8, 1],
      [2, 6],
      [1, 19],
      [9, 19],
      [9, 10],
      [1, 10],
    ],
  ],
  "7": [
    [
      [1, 1],
      [9, 1],
      [3, 19],
    ],
  ],
  "8": [
    [
      [1, 1],
      [9, 1],
      [9, 19],
      [1, 19],
      [1, 1],
    ],
    [
      [1, 10],
      [9, 10],
    ],
  ],
  "9": [
    [
      [9, 10],
      [1, 10],
      [1, 1],
      [9, 1],
      [9, 10],
      [3, 19],
    ],
  ],
  "+": [
    [
      [1, 10],
      [9, 10],
    ],
    [
      [5, 6],
      [5, 14],
    ],
  ],
  "-": [
    [
      [1, 10],
      [9, 10],
    ],
  ],
  x: [
    [
      [2, 6],
      [8, 14],
    ],
    [
      [8, 6],
      [2, 14],
    ],
  ],
  "=": [
    [
      [1, 8],
      [9, 8],
    ],
    [
      [1, 12],
      [9, 12],
    ],
  ],
  "?": [
    [
      [1, 4],
      [5, 1],
      [9, 4],
      [5, 10],
      [5, 14],
    ],
    [
      [5, 17],
      [5, 19],
    ],
  ],
};

interface Expr {
  a: number;
  op: "+" | "-" | "x";
  b: number;
  n: string;
}

export interface CaptchaChallenge {
  /** Goes into the form as a hidden field. */
  readonly token: string;
  /** Goes into the image URL. */
  readonly image: string;
  readonly answer: number;
}

export type CaptchaCheck = { ok: true } | { ok: false; reason: "malformed" | "expired" | "used" | "wrong" };

export interface Captcha {
  issue(): CaptchaChallenge;
  /** SVG for an image parameter, or undefined when it was not issued by this portal. */
  render(image: string): string | undefined;
  verify(token: string, answer: string): CaptchaCheck;
}

export function createCaptcha(keys: PortalKeys, clock: Clock, once: OnceSet, ttlMs = 10 * 60_000): Captcha {
  const answerOf = (e: Expr) => (e.op === "+" ? e.a + e.b : e.op === "-" ? e.a - e.b : e.a * e.b);
  return {
    issue() {
      const ops = ["+", "-", "x"] as const;
      const op = ops[randomInt(3)] ?? "+";
      let a = op === "x" ? randomInt(2, 10) : randomInt(10, 50);
      let b = op === "x" ? randomInt(2, 10) : randomInt(1, 10);
      if (op === "-" && b > a) [a, b] = [b, a];
      const expr: Expr = { a, op, b, n: randomId(12) };
      const exp = clock.now() + ttlMs;
      const answer = answerOf(expr);
      const token = `${expr.n}.${exp}.${mac(keys.sign, "captcha", expr.n, String(exp), String(answer))}`;
      return { token, image: seal(keys.seal, { ...expr, k: "captcha" }), answer };
    },
    render(image) {
      const e = unseal(keys.seal, image) as (Expr & { k?: string }) | undefined;
      if (e?.k !== "captcha" || typeof e.a !== "number" || typeof e.b !== "number") return undefined;
      return drawSvg(`${e.a}${e.op}${e.b}=?`);
    },
    verify(token, answer) {
      const [nonce, expText, sig, extra] = token.split(".");
      if (!nonce || !expText || !sig || extra !== undefined || !/^\d+$/.test(expText))
        return { ok: false, reason: "malformed" };
      const exp = Number(expText);
      if (exp <= clock.now()) return { ok: false, reason: "expired" };
      // Spent on the first attempt, right or wrong, so guesses cannot be replayed against one token.
      if (!once.use(`captcha:${nonce}`, exp)) return { ok: false, reason: "used" };
      const given = answer.trim();
      if (!/^-?\d{1,4}$/.test(given)) return { ok: false, reason: "wrong" };
      const expected = mac(keys.sign, "captcha", nonce, expText, String(Number(given)));
      return safeEqual(sig, expected) ? { ok: true } : { ok: false, reason: "wrong" };
    },
  };
}

const jitter = (n: number) => (Math.random() - 0.5) * 2 * n;

function drawSvg(text: string): string {
  const width = 40 + text.length * 26;
  const height = 60;
  const parts: string[] = [];
  for (let i = 0; i < 14; i++) {
    const color = `hsl(${randomInt(360)},40%,${randomInt(55, 80)}%)`;
    parts.push(
      `<path d="M${randomInt(width)} ${randomInt(height)} Q${randomInt(width)} ${randomInt(height)} ${randomInt(width)} ${randomInt(height)}" stroke="${color}" stroke-width="${1 + randomInt(2)}" fill="none"/>`,
    );
  }
  for (let i = 0; i < 60; i++) {
    parts.push(
      `<circle cx="${randomInt(width)}" cy="${randomInt(height)}" r="${(Math.random() * 1.6 + 0.4).toFixed(1)}" fill="#789"/>`,
    );
  }
  let x = 18;
  for (const ch of text) {
    const strokes = glyphs[ch] ?? [];
    const scale = 1.3 + Math.random() * 0.4;
    const y = 10 + jitter(5);
    const rot = jitter(18).toFixed(1);
    const d = strokes
      .map((line) =>
        line
          .map(
            ([px = 0, py = 0], k) =>
              `${k === 0 ? "M" : "L"}${(px * scale + jitter(1.2)).toFixed(1)} ${(py * scale * 0.95 + jitter(1.2)).toFixed(1)}`,
          )
          .join(""),
      )
      .join("");
    const color = `hsl(${randomInt(360)},60%,${randomInt(20, 40)}%)`;
    parts.push(
      `<path transform="translate(${(x + jitter(2)).toFixed(1)} ${y.toFixed(1)}) rotate(${rot} 7 14)" d="${d}" stroke="${color}" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round" fill="none"/>`,
    );
    x += 22 + randomInt(6);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="CAPTCHA: solve the sum"><rect width="100%" height="100%" fill="#f4f6f8"/>${parts.join("")}</svg>`;
}
