// The $Placeholders every portal e-mail can use, from a user's properties and the portal's address.
import type { PortalApp } from "./app.js";

export interface MailUser {
  readonly email?: string;
  readonly firstName?: string;
  readonly lastName?: string;
}

export function mailValues(app: PortalApp, u: MailUser): Record<string, string> {
  const base = app.publicUrl();
  return {
    DevFirstName: u.firstName ?? "",
    DevLastName: u.lastName ?? "",
    DevEmail: u.email ?? "",
    DevPortalUrl: base,
    DevPortalHost: new URL(base).host,
    OrganizationName: app.organizationName,
  };
}
