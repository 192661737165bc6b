// E-mail templates. Names are Azure's (matched case-insensitively); each starts with Azure's default
// text and DELETE restores it.
import { z } from "zod";
import { anyArray, optBool, optStr } from "./common.js";
import type { Props, ResourceDef } from "./types.js";

const p = (text: string) => `    <p style="font-size:12pt;font-family:'Segoe UI'">${text}</p>`;
const html = (...paragraphs: string[]) =>
  ["<!DOCTYPE html >", "<html>", "  <head />", "  <body>", ...paragraphs.map(p), "  </body>", "</html>"].join("\r\n");
const param = (name: string, title: string) => ({ name, title });
const devParams = [param("DevFirstName", "Developer first name"), param("DevLastName", "Developer last name")];
const orgParams = [param("OrganizationName", "Organization name"), param("DevPortalUrl", "Developer portal URL")];

interface DefaultTemplate {
  title: string;
  description: string;
  subject: string;
  body: string;
  parameters: Array<{ name: string; title: string }>;
}

export const defaultTemplates: Readonly<Record<string, DefaultTemplate>> = {
  ConfirmSignUpIdentityDefault: {
    title: "New developer account confirmation",
    description: "Developers receive this email to confirm their e-mail address after they sign up for a new account.",
    subject: "Please confirm your new $OrganizationName API account",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "Thank you for joining the $OrganizationName API program! We host a growing number of cool APIs and strive to provide an awesome experience for API developers.",
      "First order of business is to activate your account and get you going. To that end, please click on the following link:",
      '<a id="confirmUrl" href="$ConfirmUrl">$ConfirmUrl</a>',
      'If clicking the link does not work, please copy-and-paste or re-type it into your browser\'s address bar and hit "Enter".',
      "Thank you,",
      "$OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams, param("ConfirmUrl", "Developer activation URL")],
  },
  PasswordResetIdentityDefault: {
    title: "Password change confirmation",
    description: "Developers receive this email when they request a password change of their account.",
    subject: "Your password change request",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "We received a request to change the password of your $OrganizationName API account.",
      "Please click on the following link to set a new password:",
      '<a id="resetUrl" href="$ConfirmUrl">$ConfirmUrl</a>',
      "If you did not request a password change, you can ignore this e-mail: your password stays the same.",
      "Thank you,",
      "$OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams, param("ConfirmUrl", "Password reset URL")],
  },
  NewDeveloperNotificationMessage: {
    title: "Welcome to the $OrganizationName API portal!",
    description: "Developers receive this email after they confirm their new account.",
    subject: "Welcome to the $OrganizationName API portal!",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "Your $OrganizationName API program registration is completed and we are thrilled to have you as a customer.",
      'Browse the APIs and subscribe to a product at <a href="$DevPortalUrl">$DevPortalUrl</a>.',
      "Best,",
      "$OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams, param("DevUsername", "Developer user name")],
  },
  PurchaseDeveloperNotificationMessage: {
    title: "New subscription activated",
    description: "Developers receive this email when their subscription to a product is activated.",
    subject: "Your subscription to the $ProdName",
    body: html(
      "Greetings $DevFirstName $DevLastName!",
      'Thank you for subscribing to the <a href="$DevPortalUrl/products/$ProdId"><strong>$ProdName</strong></a> and welcome to the $OrganizationName developer community. We are delighted to have you as part of the team and are looking forward to the amazing applications you will build using our API!',
      'Your subscription keys are listed on your <a href="$DevPortalUrl/profile">profile</a> page.',
      "Happy hacking!",
      "$OrganizationName API Team",
    ),
    parameters: [
      ...devParams,
      ...orgParams,
      param("ProdId", "Product ID"),
      param("ProdName", "Product name"),
      param("SubStartDate", "Subscription start date"),
    ],
  },
  RequestDeveloperNotificationMessage: {
    title: "Subscription request received",
    description:
      "This email is sent to developers when they request a subscription to a product that requires approval.",
    subject: "Your subscription request for the $ProdName",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "Thank you for your interest in our <strong>$ProdName</strong> API product!",
      "We were delighted to receive your subscription request. We will promptly review it and get back to you at <strong>$DevEmail</strong>.",
      "Thank you,",
      "The $OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams, param("DevEmail", "Developer email"), param("ProdName", "Product name")],
  },
  RejectDeveloperNotificationMessage: {
    title: "Subscription request declined",
    description:
      "This email is sent to developers when their subscription requests for products requiring approval is declined.",
    subject: "Your subscription request for the $ProdName",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "We would like to inform you that we decided to decline your subscription request for the <strong>$ProdName</strong> product.",
      "$SubDeclineReason",
      "Thanks,",
      "The $OrganizationName API Team",
    ),
    parameters: [
      ...devParams,
      ...orgParams,
      param("ProdName", "Product name"),
      param("SubDeclineReason", "Reason for declining subscription"),
    ],
  },
  ApplicationApprovedNotificationMessage: {
    title: "Application gallery submission approved",
    description:
      "Developers who submitted their application for publication in the application gallery on the developer portal receive this email after their submission is approved.",
    subject: "Your application $AppName is published in the application gallery",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      'We are happy to let you know that your request to publish the $AppName application in the application gallery has been approved. Your application has been published and can be viewed <a href="http://$DevPortalUrl/Applications/Details/$AppId">here</a>.',
      "Best,",
      "The $OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams, param("AppId", "Application id"), param("AppName", "Application name")],
  },
  InviteUserNotificationMessage: {
    title: "Invite user",
    description: "An e-mail invitation to create an account, sent on request by API publishers.",
    subject: "You are invited to join the $OrganizationName developer network",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "Your account has been created. Please follow the link below to visit the $OrganizationName developer portal and claim it:",
      '<a href="$ConfirmUrl">$ConfirmUrl</a>',
      "Best,",
      "The $OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams, param("ConfirmUrl", "Confirmation link")],
  },
  NewIssueNotificationMessage: {
    title: "New issue received",
    description:
      "This email is sent to developers after they create a new topic on the Issues page of the developer portal.",
    subject: "Your request $IssueName was received",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "Thank you for contacting us. Our API team will review your issue and get back to you soon.",
      'Click this <a href="http://$DevPortalUrl/issues/$IssueId">link</a> to view or edit your request.',
      "Best,",
      "The $OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams, param("IssueId", "Issue id"), param("IssueName", "Issue name")],
  },
  NewCommentNotificationMessage: {
    title: "New comment added to an issue",
    description:
      "Developers receive this email when someone comments on the issue they created on the Issues page of the developer portal.",
    subject: "$IssueName issue has a new comment",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "You have got a new comment on your issue: $IssueName.",
      'To view the comment on the issue, click this <a href="http://$DevPortalUrl/issues/$IssueId">link</a>.',
      "Best,",
      "The $OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams, param("IssueId", "Issue id"), param("IssueName", "Issue name")],
  },
  EmailChangeIdentityDefault: {
    title: "Email change confirmation",
    description: "Developers receive this email to confirm a new e-mail address after they change their existing one.",
    subject: "Please confirm the new email associated with your $OrganizationName API account",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "You are receiving this email because you made a change to the e-mail address on your $OrganizationName API account.",
      "Please click on the following link to confirm your new e-mail address:",
      '<a id="confirmUrl" href="$ConfirmUrl">$ConfirmUrl</a>',
      "Thank you,",
      "$OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams, param("ConfirmUrl", "Confirmation link")],
  },
  PasswordResetByAdminNotificationMessage: {
    title: "Password reset by publisher notification (Password reset by admin)",
    description: "Developers receive this email when the publisher resets their password.",
    subject: "Your password was reset",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "The password of your $OrganizationName API account has been reset, per your request.",
      'To set a new password, follow this <a href="$DevPortalUrl">link</a>.',
      "Thank you,",
      "$OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams],
  },
  QuotaLimitApproachingDeveloperNotificationMessage: {
    title: "Developer quota limit approaching notification",
    description: "Developers receive this email to alert them when they are approaching a quota limit.",
    subject: "You are approaching an API quota limit",
    body: html(
      "Greetings $DevFirstName $DevLastName,",
      "You are approaching the quota limit on your subscription to the <strong>$ProdName</strong> product (primary key $SubPrimaryKey).",
      "Calls: $CallsAlert. Bandwidth: $BandwidthAlert.",
      "Thank you,",
      "$OrganizationName API Team",
    ),
    parameters: [
      ...devParams,
      ...orgParams,
      param("ProdName", "Product name"),
      param("SubPrimaryKey", "Primary Subscription key"),
      param("CallsAlert", "Calls alert message"),
      param("BandwidthAlert", "Bandwidth alert message"),
    ],
  },
  AccountClosedDeveloper: {
    title: "Developer farewell letter",
    description: "Developers receive this farewell email after they close their account.",
    subject: "Thank you for using the $OrganizationName API!",
    body: html(
      "Dear $DevFirstName $DevLastName,",
      "Your account has been closed. Thank you for using the $OrganizationName API.",
      "$OrganizationName API Team",
    ),
    parameters: [...devParams, ...orgParams],
  },
};

const byLowerName = new Map(Object.keys(defaultTemplates).map((n) => [n.toLowerCase(), n]));

/** Azure's spelling of a template name given in any case, or undefined for an unknown name. */
export function canonicalTemplateName(name: string): string | undefined {
  return byLowerName.get(name.toLowerCase());
}

export function defaultTemplateProperties(name: string): Props {
  const t = defaultTemplates[name];
  return t ? { ...t, parameters: [...t.parameters], isDefault: true } : {};
}

export const templateDef: ResourceDef = {
  kind: "template",
  pattern: "templates/{templateName}",
  names: Object.keys(defaultTemplates),
  schema: z
    .object({
      subject: z.string().min(1).max(1000),
      title: optStr,
      description: optStr,
      body: z.string().min(1),
      parameters: anyArray.optional(),
      isDefault: optBool,
    })
    .strict(),
  readOnly: ["isDefault"],
  defaults: (_ctx, name, existing) => ({ ...defaultTemplateProperties(name), ...(existing?.properties ?? {}) }),
  async prepare(_ctx, props) {
    return { properties: { ...props, isDefault: false } };
  },
};
