// Which location (region) a gateway unit serves, checked against the service's configuration: the
// primary `location` and each of `additionalLocations` (APIM's multi-region deployment). Azure
// spells regions both as display names ("West Europe") and as names ("westeurope"); both match.
import type { StoredEntity } from "../model/resources.js";

export type LocationCheck =
  | { readonly kind: "primary"; readonly location: string }
  | { readonly kind: "additional"; readonly location: string; readonly gatewayDisabled: boolean }
  | { readonly kind: "unknown"; readonly location: string; readonly known: readonly string[] }
  | { readonly kind: "no-service"; readonly location: string };

/** "West Europe", "westeurope", "west-europe" → "westeurope". */
export function normaliseLocation(location: string): string {
  return location.toLowerCase().replace(/[\s_-]+/g, "");
}

export function sameLocation(a: string, b: string): boolean {
  return normaliseLocation(a) === normaliseLocation(b);
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);

/** Locations of the service entity (kind "service", id ""), primary first. */
export function serviceLocations(service: StoredEntity | undefined): string[] {
  if (!service) return [];
  const props = service.properties;
  const out: string[] = [];
  const primary = text(props.location);
  if (primary) out.push(primary);
  const extra = Array.isArray(props.additionalLocations) ? props.additionalLocations : [];
  for (const entry of extra) {
    const loc =
      typeof entry === "object" && entry !== null ? text((entry as { location?: unknown }).location) : undefined;
    if (loc) out.push(loc);
  }
  return out;
}

export function checkUnitLocation(service: StoredEntity | undefined, location: string): LocationCheck {
  if (!service) return { kind: "no-service", location };
  const props = service.properties;
  const primary = text(props.location);
  if (primary && sameLocation(primary, location)) return { kind: "primary", location: primary };
  const extra = Array.isArray(props.additionalLocations) ? props.additionalLocations : [];
  for (const entry of extra) {
    if (typeof entry !== "object" || entry === null) continue;
    const e = entry as { location?: unknown; disableGateway?: unknown };
    const loc = text(e.location);
    if (loc && sameLocation(loc, location))
      return { kind: "additional", location: loc, gatewayDisabled: e.disableGateway === true };
  }
  return { kind: "unknown", location, known: serviceLocations(service) };
}

/** One line for the unit's start log. */
export function describeLocationCheck(check: LocationCheck): string {
  switch (check.kind) {
    case "primary":
      return `serving location "${check.location}" (the service's primary location)`;
    case "additional":
      return check.gatewayDisabled
        ? `location "${check.location}" has disableGateway: true in additionalLocations; this unit serves it anyway but the service routes no traffic there`
        : `serving location "${check.location}" (additionalLocations)`;
    case "unknown":
      return `location "${check.location}" is unknown to the service (known: ${check.known.map((l) => `"${l}"`).join(", ") || "none"}); add it to additionalLocations or start the unit with --location set to one of them`;
    case "no-service":
      return `location "${check.location}": the store holds no service yet (start the management role first)`;
  }
}
