// First-start data, as a new APIM instance has it: the service entity, the built-in groups, Azure's
// default e-mail templates and portal settings. Only what is missing is written, so restarts keep edits.
import type { ResourceKind } from "../model/resources.js";
import type { WriteOp } from "../store/contract.js";
import type { ManagementOptions } from "./context.js";
import { defaultServiceProperties } from "./resources/service.js";
import { defaultTemplateProperties, defaultTemplates } from "./resources/templates.js";
import { builtInGroups } from "./resources/users.js";

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
  const ops: WriteOp[] = [];
  for (const w of wanted)
    if (!(await store.get(w.kind, w.id)))
      ops.push({ op: "put", kind: w.kind, id: w.id, properties: w.properties, options: { ifNoneMatch: "*" } });
  if (ops.length > 0) await store.transaction(ops);
  return ops.length;
}
