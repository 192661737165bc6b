// First-start data, as a new APIM instance has it: the service entity, the built-in groups, Azure's
// default e-mail templates and portal settings. Only what is missing is written, so restarts keep edits.
import type { ResourceKind } from "../model/resources.js";
import type { WriteOp } from "../store/contract.js";
import type { ManagementOptions } from "./context.js";
import { defaultServiceProperties } from "./resources/service.js";
import { defaultTemplateProperties, defaultTemplates } from "./resources/templates.js";
import { builtInGroups } from "./resources/users.js";

/** APIM's built-in administrator: user "1", the service's publisher. */
export const ADMIN_USER_ID = "1";

export async function seedService(options: ManagementOptions): Promise<number> {
  const { store } = options;
  const wanted: Array<{ kind: ResourceKind; id: string; properties: Record<string, unknown> }> = [
    {
      kind: "service",
      id: "",
      properties: defaultServiceProperties({ options }, new Date(options.clock.now()).toISOString()),
    },
    ...Object.entries(builtInGroups).map(([name, g]) => ({
      kind: "group" as const,
      id: `groups/${name}`,
      properties: { ...g, builtIn: true, type: "system" },
    })),
    ...Object.keys(defaultTemplates).map((name) => ({
      kind: "template" as const,
      id: `templates/${name}`,
      properties: defaultTemplateProperties(name),
    })),
    { kind: "portalSetting", id: "portalsettings/signin", properties: { enabled: false } },
    {
      kind: "portalSetting",
      id: "portalsettings/signup",
      properties: { enabled: true, termsOfService: { enabled: false, text: "", consentRequired: false } },
    },
    {
      kind: "portalSetting",
      id: "portalsettings/delegation",
      properties: { subscriptions: { enabled: false }, userRegistration: { enabled: false } },
    },
  ];
  const service = (await store.get("service", ""))?.properties ?? wanted[0]?.properties;
  wanted.push(...(await administratorEntities(options, service)));
  const ops: WriteOp[] = [];
  for (const w of wanted)
    if (!(await store.get(w.kind, w.id)))
      ops.push({ op: "put", kind: w.kind, id: w.id, properties: w.properties, options: { ifNoneMatch: "*" } });
  if (ops.length > 0) await store.transaction(ops);
  return ops.length;
}

/**
 * User "1" in the Administrators group, as every APIM instance has: active, e-mail from the service's
 * publisherEmail (or admin@{serviceName}.local), no credential until a password is set through PUT/PATCH.
 * Written only when user 1 is missing, so a restart keeps edits made to it.
 */
async function administratorEntities(
  options: ManagementOptions,
  service: Record<string, unknown> | undefined,
): Promise<Array<{ kind: ResourceKind; id: string; properties: Record<string, unknown> }>> {
  const { store } = options;
  const userId = `users/${ADMIN_USER_ID}`;
  if (await store.get("user", userId)) return [];
  const publisherEmail = typeof service?.publisherEmail === "string" ? service.publisherEmail : undefined;
  let email = publisherEmail && /^[^@\s]+@[^@\s]+$/.test(publisherEmail) ? publisherEmail : undefined;
  // User e-mails are unique: a developer who already signed up with the publisher's address keeps it.
  const users = (await store.list("user", { parentId: "" })).items;
  const taken = (mail: string) => users.some((u) => String(u.properties.email).toLowerCase() === mail.toLowerCase());
  if (!email || taken(email)) email = `admin@${options.serviceName.toLowerCase()}.local`;
  const publisherName = typeof service?.publisherName === "string" ? service.publisherName : undefined;
  return [
    {
      kind: "user",
      id: userId,
      properties: {
        email,
        firstName: "Administrator",
        lastName: publisherName || options.serviceName,
        state: "active",
        registrationDate: new Date(options.clock.now()).toISOString(),
        identities: [{ provider: "Azure", id: email }],
        note: "Built-in administrator",
      },
    },
    { kind: "groupUser", id: `groups/administrators/users/${ADMIN_USER_ID}`, properties: {} },
  ];
}
