// Service-tag catalog loaded from data files in the format of spec/service-tags.sample.json.
// Users replace or overlay the file (later files replace a tag's prefix list, spec §6.5); nothing
// is downloaded. Computed tags (VirtualNetwork, Internet) are resolved per evaluation context by
// tag-context.ts; this module only knows static prefixes and names.
import type { Diagnostic } from "../core/errors.js";
import { type Cidr, isIpv6Text, parseCidr, cidr as parseOk } from "./ipv4.js";
import { compactRegion, isKnownRegion, regionTagSuffix, sameRegion } from "./regions.js";

export type TagKind = "static" | "computed" | "catalog-only";

/** A tag name as written in a rule, resolved against the catalog. */
export interface TagRef {
  /** Canonical spelling, e.g. "Storage.WestUS" or "VirtualNetwork". */
  readonly canonical: string;
  /** Tag without region, e.g. "Storage". */
  readonly base: string;
  /** Region suffix as in the tag name ("WestUS"), when regional. */
  readonly region?: string;
  readonly kind: TagKind;
}

export interface ControlPlaneAddress {
  readonly ip: string;
  readonly region: string;
  readonly global: boolean;
}

export interface ServiceTagCatalog {
  readonly cloud: string;
  /** Resolves a (case-insensitive, alias-aware) tag name; undefined when unknown. */
  resolve(name: string): TagRef | undefined;
  /** Effective IPv4 prefixes of a static tag (regional ⊆ top-level ⊆ AzureCloud, spec §6.4). */
  prefixes(ref: TagRef): readonly Cidr[];
  /** True when the tag had no loaded prefixes and resolves to a placeholder block (option `placeholders`). */
  isPlaceholder(ref: TagRef): boolean;
  /** Control-plane sources a service in `region` needs: the region's own plus the global ones. */
  controlPlane(region: string): readonly ControlPlaneAddress[];
}

interface Entry {
  name: string;
  kind: TagKind;
  supportsRegionalScope: boolean;
  prefixes: Cidr[];
}

const computedTags = new Set(["virtualnetwork", "internet"]);
// Tags that describe platform addresses rather than public Azure service ranges: not part of AzureCloud.
const notInAzureCloud = new Set([
  "virtualnetwork",
  "internet",
  "azureloadbalancer",
  "azureplatformdns",
  "azureplatformimds",
  "azureplatformlkm",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface LoadedServiceTags {
  readonly catalog: ServiceTagCatalog;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Builds the catalog from one or more parsed JSON documents (sample first, overlays after).
 * Malformed entries are reported with their path and skipped; loading never throws.
 */
/**
 * Options: `cloud` selects entries (default AzurePublic); `placeholders` gives tags without loaded
 * prefixes a synthetic block so rule structure can still be checked offline (the sample file has no
 * Storage/Sql ranges); findings then say the result rests on a placeholder.
 */
export function loadServiceTags(
  documents: readonly unknown[],
  options: { cloud?: string; placeholders?: boolean } = {},
): LoadedServiceTags {
  const cloud = options.cloud ?? "AzurePublic";
  const diagnostics: Diagnostic[] = [];
  const entries = new Map<string, Entry>();
  const aliases = new Map<string, string>();
  const control: ControlPlaneAddress[] = [];

  documents.forEach((doc, d) => {
    const at = (p: string) => `serviceTags[${d}].${p}`;
    if (!isRecord(doc)) {
      diagnostics.push({
        severity: "error",
        code: "ServiceTagFileInvalid",
        message: "service-tag file is not a JSON object",
        path: `serviceTags[${d}]`,
      });
      return;
    }
    const values = Array.isArray(doc.values) ? doc.values : [];
    values.forEach((raw, i) => {
      if (!isRecord(raw) || typeof raw.name !== "string" || raw.name === "") {
        diagnostics.push({
          severity: "error",
          code: "ServiceTagEntryInvalid",
          message: "entry needs a string name",
          path: at(`values[${i}]`),
        });
        return;
      }
      const entryCloud = typeof raw.cloud === "string" ? raw.cloud : "*";
      if (entryCloud !== "*" && entryCloud !== cloud) return;
      const props = isRecord(raw.properties) ? raw.properties : {};
      const key = raw.name.toLowerCase();
      const previous = entries.get(key);
      const kind: TagKind =
        raw.kind === "static" || raw.kind === "computed" || raw.kind === "catalog-only"
          ? raw.kind
          : (previous?.kind ?? (computedTags.has(key) ? "computed" : "static"));
      const prefixes: Cidr[] = [];
      const list = Array.isArray(props.addressPrefixes) ? props.addressPrefixes : [];
      list.forEach((p, j) => {
        if (typeof p !== "string") return;
        if (isIpv6Text(p)) return; // IPv6 is parsed and ignored (spec scope).
        const parsed = parseCidr(p, false);
        if (parsed.ok) prefixes.push(parsed.cidr);
        else
          diagnostics.push({
            severity: "warning",
            code: "ServiceTagPrefixInvalid",
            message: `prefix "${p}" of tag ${raw.name} is not an IPv4 prefix; ignored`,
            path: at(`values[${i}].properties.addressPrefixes[${j}]`),
          });
      });
      const supportsRegionalScope =
        typeof props.supportsRegionalScope === "boolean"
          ? props.supportsRegionalScope
          : (previous?.supportsRegionalScope ?? false);
      // Later files replace the prefix list of a tag they mention (spec §6.5).
      entries.set(key, {
        name: previous?.name ?? raw.name,
        kind: computedTags.has(key) ? "computed" : kind,
        supportsRegionalScope,
        prefixes,
      });
    });
    if (isRecord(doc.classicAliases)) {
      for (const [alias, target] of Object.entries(doc.classicAliases)) {
        const canonical =
          isRecord(target) && typeof target.canonical === "string"
            ? target.canonical
            : typeof target === "string"
              ? target
              : undefined;
        if (canonical) aliases.set(alias.toLowerCase(), canonical);
      }
    }
    const cp =
      isRecord(doc.apimControlPlane) && Array.isArray(doc.apimControlPlane.entries) ? doc.apimControlPlane.entries : [];
    for (const e of cp) {
      if (!isRecord(e) || typeof e.ip !== "string" || typeof e.region !== "string") continue;
      if ((typeof e.cloud === "string" ? e.cloud : cloud) !== cloud || e.status === "superseded") continue;
      control.push({ ip: e.ip, region: e.region, global: e.global === true });
    }
  });
  // Regional entries imply their base tag supports regional scope even if the file omits the flag.
  for (const e of entries.values()) {
    const dot = e.name.indexOf(".");
    if (dot > 0) {
      const base = entries.get(e.name.slice(0, dot).toLowerCase());
      if (base) base.supportsRegionalScope = true;
    }
  }
  return { catalog: createCatalog(cloud, entries, aliases, control, options.placeholders === true), diagnostics };
}

function createCatalog(
  cloud: string,
  entries: ReadonlyMap<string, Entry>,
  aliases: ReadonlyMap<string, string>,
  control: readonly ControlPlaneAddress[],
  placeholders: boolean,
): ServiceTagCatalog {
  const cache = new Map<string, readonly Cidr[]>();
  const placeheld = new Set<string>();
  const bases = [...new Set([...entries.keys()].map((k) => k.split(".")[0] as string))].sort();

  function baseEntry(base: string): Entry | undefined {
    return entries.get(base.toLowerCase());
  }

  // Placeholder blocks come from 198.18.0.0/15 (RFC 2544 benchmarking, never an Azure range): one /24
  // per tag, one /32 inside it per region, so regional ⊆ tag ⊆ AzureCloud still holds.
  function placeholderBlock(base: string, region: string | undefined): Cidr | undefined {
    const i = bases.indexOf(base.toLowerCase());
    if (
      !placeholders ||
      i < 0 ||
      i > 511 ||
      notInAzureCloud.has(base.toLowerCase()) ||
      base.toLowerCase() === "apimanagement"
    )
      return undefined;
    const third = i % 256;
    const second = 18 + Math.floor(i / 256);
    if (region === undefined) return parseOk(`198.${second}.${third}.0/24`);
    let h = 0;
    for (const ch of region.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) % 254;
    return parseOk(`198.${second}.${third}.${h + 1}/32`);
  }

  function effective(canonical: string, base: string, region: string | undefined): readonly Cidr[] {
    const key = canonical.toLowerCase();
    const hit = cache.get(key);
    if (hit) return hit;
    let result: Cidr[];
    const lower = base.toLowerCase();
    if (region !== undefined) {
      result = [...(entries.get(key)?.prefixes ?? [])];
      // With real top-level data, callers fall back to it; a placeholder would hide it.
      if (result.length === 0 && effective(base, base, undefined).length > 0 && placeheld.has(lower)) {
        const block = placeholderBlock(base, region);
        if (block) {
          result = [block];
          placeheld.add(key);
        }
      }
    } else {
      result = [];
      for (const [k, e] of entries) {
        if (k === lower || k.startsWith(`${lower}.`)) result.push(...e.prefixes);
      }
      if (lower === "azurecloud") {
        for (const b of bases)
          if (b !== "azurecloud" && !notInAzureCloud.has(b))
            result.push(...effective(baseEntry(b)?.name ?? b, b, undefined));
      }
      if (result.length === 0) {
        const block = placeholderBlock(base, undefined);
        if (block) {
          result = [block];
          placeheld.add(key);
        }
      }
    }
    cache.set(key, result);
    return result;
  }

  return {
    cloud,
    resolve(name: string): TagRef | undefined {
      const trimmed = name.trim();
      const aliased = aliases.get(trimmed.toLowerCase());
      const text = aliased ?? trimmed;
      const dot = text.indexOf(".");
      const baseText = dot < 0 ? text : text.slice(0, dot);
      const base = baseEntry(baseText);
      if (!base) {
        // Azure's download lists some dotted tags without a parent (AzureFrontDoor.Backend).
        const exact = dot > 0 ? entries.get(text.toLowerCase()) : undefined;
        if (!exact) return undefined;
        const [b, r] = exact.name.split(".") as [string, string];
        return { canonical: exact.name, base: b, region: r, kind: exact.kind };
      }
      if (dot < 0) return { canonical: base.name, base: base.name, kind: base.kind };
      const regionText = text.slice(dot + 1);
      const explicit = entries.get(`${base.name}.${regionText}`.toLowerCase());
      if (!base.supportsRegionalScope) return undefined;
      if (!explicit && !isKnownRegion(regionText)) return undefined;
      const region = explicit ? (explicit.name.split(".")[1] as string) : regionTagSuffix(regionText);
      return { canonical: `${base.name}.${region}`, base: base.name, region, kind: explicit?.kind ?? base.kind };
    },
    prefixes(ref: TagRef): readonly Cidr[] {
      return effective(ref.canonical, ref.base, ref.region);
    },
    isPlaceholder(ref: TagRef): boolean {
      effective(ref.canonical, ref.base, ref.region);
      return placeheld.has(ref.canonical.toLowerCase());
    },
    controlPlane(region: string): readonly ControlPlaneAddress[] {
      const compact = compactRegion(region);
      return control.filter((c) => c.global || sameRegion(c.region, compact));
    },
  };
}
