// Sends the portal's e-mails through the configured SMTP relay, with the template fetched from the
// management API's `templates` resource (falling back to the built-in default).
import { createTransport } from "nodemailer";
import { defaultTemplates, type MailTemplate, renderTemplate, type TemplateName } from "./mail-templates.js";
import { type Auth, lastSegment, type ManagementClient } from "./management-client.js";

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
  /** For relays with a private CA; loopback test relays use false. */
  readonly rejectUnauthorized?: boolean;
}

export interface Mailer {
  send(to: string, name: TemplateName, values: Readonly<Record<string, string>>): Promise<void>;
  close(): void;
}

export interface MailLog {
  warn(obj: object, msg: string): void;
}

export function createMailer(smtp: SmtpOptions, management: ManagementClient, log: MailLog): Mailer {
  const transport = smtp.host
    ? createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? "" } } : {}),
        tls: { rejectUnauthorized: smtp.rejectUnauthorized ?? true },
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      })
    : undefined;
  const admin: Auth = { kind: "admin" };

  async function template(name: TemplateName): Promise<MailTemplate> {
    try {
      const res = await management.call("GET", `/templates/${lastSegment(name)}`, admin);
      const p = (res.body as { properties?: { subject?: unknown; body?: unknown } } | undefined)?.properties;
      if (res.status === 200 && typeof p?.subject === "string" && typeof p.body === "string" && p.body.trim())
        return { subject: p.subject, body: p.body };
    } catch (err) {
      log.warn({ err, template: name }, "portal: cannot read e-mail template; using the default");
    }
    return defaultTemplates[name];
  }

  return {
    async send(to, name, values) {
      if (!transport) throw new Error("no SMTP relay is configured (smtp.host)");
      const mail = renderTemplate(await template(name), values);
      await transport.sendMail({ from: smtp.from, to, subject: mail.subject, html: mail.html, text: mail.text });
    },
    close() {
      transport?.close();
    },
  };
}
