// E-mail templates in APIM's shape ({subject, body} with $Placeholders), rendered by the portal.
// The management API's `templates` resource wins; these defaults cover a template nobody edited
// (or a management API that does not serve it yet).

export type TemplateName =
  | "confirmSignUpIdentityDefault"
  | "passwordResetIdentityDefault"
  | "requestDeveloperNotificationMessage"
  | "purchaseDeveloperNotificationMessage"
  | "rejectDeveloperNotificationMessage"
  | "newDeveloperNotificationMessage"
  | "requestPublisherNotificationMessage";

export interface MailTemplate {
  readonly subject: string;
  readonly body: string;
}

export const defaultTemplates: Readonly<Record<TemplateName, MailTemplate>> = {
  confirmSignUpIdentityDefault: {
    subject: "Please confirm your new $OrganizationName API account",
    body: '<p>Dear $DevFirstName $DevLastName,</p><p>Thank you for joining the $OrganizationName API program. To finish creating your account, follow this link (it works once and expires in 48 hours):</p><p><a href="$ConfirmUrl">$ConfirmUrl</a></p><p>If you did not sign up, ignore this message.</p><p>The $OrganizationName API team — $DevPortalUrl</p>',
  },
  passwordResetIdentityDefault: {
    subject: "Your password change request",
    body: '<p>Dear $DevFirstName $DevLastName,</p><p>Someone asked to reset the password of your $OrganizationName API account. To choose a new password, follow this link (it works once and expires in 1 hour):</p><p><a href="$ConfirmUrl">$ConfirmUrl</a></p><p>If you did not ask for this, ignore this message; your password stays unchanged.</p>',
  },
  requestDeveloperNotificationMessage: {
    subject: "Your subscription request for the $ProdName product",
    body: "<p>Dear $DevFirstName $DevLastName,</p><p>Thank you for your interest in our $ProdName API product. We will review your subscription request and let you know by e-mail.</p><p>$DevPortalUrl</p>",
  },
  purchaseDeveloperNotificationMessage: {
    subject: "Your subscription to the $ProdName product",
    body: '<p>Dear $DevFirstName $DevLastName,</p><p>Your subscription to the $ProdName product was approved. Your keys are on your profile page: <a href="$DevPortalUrl/profile">$DevPortalUrl/profile</a></p>',
  },
  rejectDeveloperNotificationMessage: {
    subject: "Your subscription request for the $ProdName product",
    body: "<p>Dear $DevFirstName $DevLastName,</p><p>We regret to inform you that your request to subscribe to the $ProdName product was not approved.</p><p>$DevPortalUrl</p>",
  },
  newDeveloperNotificationMessage: {
    subject: "Welcome to the $OrganizationName API!",
    body: '<p>Dear $DevFirstName $DevLastName,</p><p>Your $OrganizationName API account is active. Browse the APIs and get your keys at <a href="$DevPortalUrl">$DevPortalUrl</a>.</p>',
  },
  requestPublisherNotificationMessage: {
    subject: "Subscription request for the $ProdName product",
    body: '<p>$DevFirstName $DevLastName ($DevEmail) asked to subscribe to the $ProdName product.</p><p>Approve or reject it at <a href="$DevPortalUrl/admin">$DevPortalUrl/admin</a>.</p>',
  },
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/**
 * Replaces $Name placeholders. Values are HTML-escaped in the body (a user chooses their own first
 * name) but not in the subject, which is plain text. Unknown placeholders are left as written.
 */
export function renderTemplate(
  template: MailTemplate,
  values: Readonly<Record<string, string>>,
): { subject: string; html: string; text: string } {
  const pattern = /\$([A-Za-z][A-Za-z0-9]*)/g;
  const subject = template.subject.replace(pattern, (m, name: string) => values[name] ?? m).replace(/[\r\n]+/g, " ");
  const html = template.body.replace(pattern, (m, name: string) => {
    const v = values[name];
    return v === undefined ? m : escapeHtml(v);
  });
  return { subject, html, text: htmlToText(html) };
}

export function htmlToText(html: string): string {
  return html
    .replace(/<a [^>]*href="([^"]*)"[^>]*>(.*?)<\/a>/gi, (_m, href: string, label: string) =>
      label === href ? href : `${label} (${href})`,
    )
    .replace(/<\/(p|div|h\d|li)>|<br\s*\/?>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
