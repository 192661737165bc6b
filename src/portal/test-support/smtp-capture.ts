// A real SMTP server (smtp-server package) on a loopback port that keeps every message it receives,
// decoded enough for tests to read subjects, recipients and links.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface CapturedMail {
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface SmtpCapture {
  readonly port: number;
  readonly mails: CapturedMail[];
  /** Resolves with the next mail to `to` (already received or arriving within timeoutMs). */
  waitFor(to: string, predicate?: (m: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  close(): Promise<void>;
}

function decodeQp(s: string): string {
  const bytes = s
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === "B" ? Buffer.from(text, "base64").toString("utf8") : decodeQp(text.replace(/_/g, " ")),
  );
}

function parseMail(raw: string, to: string[]): CapturedMail {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const subject = decodeWords(/^subject: (.*)$/im.exec(unfolded)?.[1] ?? "").replace(/\?=\s+=\?/g, "");
  const body = rest.join("\n\n");
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfolded)?.[1];
  const chunks = boundary ? body.split(`--${boundary}`) : [`${head}\n\n${body}`];
  for (const chunk of chunks) {
    const [ph = "", ...pb] = chunk.replace(/^\r?\n/, "").split(/\r?\n\r?\n/);
    const type = /content-type: ([\w/]+)/i.exec(ph)?.[1]?.toLowerCase();
    const enc = /content-transfer-encoding: ([\w-]+)/i.exec(ph)?.[1]?.toLowerCase();
    let content = pb.join("\n\n");
    if (enc === "quoted-printable") content = decodeQp(content);
    else if (enc === "base64") content = Buffer.from(content.replace(/\s+/g, ""), "base64").toString("utf8");
    if (type === "text/plain" || type === "text/html") parts[type] = content.trim();
  }
  return { to, subject, text: parts["text/plain"] ?? "", html: parts["text/html"] ?? "" };
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const mails: CapturedMail[] = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push(
          parseMail(
            Buffer.concat(chunks).toString("utf8"),
            session.envelope.rcptTo.map((r) => r.address),
          ),
        );
        for (const w of waiters.splice(0)) w();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    async waitFor(to, predicate = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.find((m) => m.to.includes(to) && predicate(m));
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no mail to ${to} within ${timeoutMs} ms (got ${mails.length} in all)`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
