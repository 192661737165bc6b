// {{named value}} substitution. APIM replaces placeholders before a policy is parsed, so a named
// value can supply a constant, part of a URL or a whole expression; names match case-insensitively.
const PLACEHOLDER = /\{\{([^{}]+?)\}\}/g;
const HAS_PLACEHOLDER = /\{\{[^{}]+?\}\}/;

export interface NamedValueLookup {
  /**
   * `raw` with every known placeholder replaced. An unknown one is reported to `onUnknown` (unless
   * `keepUnknown`) and left as written, so later checks see where it was.
   */
  substitute(raw: string, onUnknown: (name: string) => void, keepUnknown?: boolean): string;
}

/** True when text still holds a placeholder (one that was not known when it was substituted). */
export function hasPlaceholder(text: string): boolean {
  return HAS_PLACEHOLDER.test(text);
}

export function createNamedValueLookup(values: ReadonlyMap<string, string>): NamedValueLookup {
  const lower = new Map([...values].map(([k, v]) => [k.toLowerCase(), v]));
  return {
    substitute(raw, onUnknown, keepUnknown = false) {
      if (!raw.includes("{{")) return raw;
      return raw.replace(PLACEHOLDER, (whole, rawName: string) => {
        const name = rawName.trim();
        const value = values.get(name) ?? lower.get(name.toLowerCase());
        if (value !== undefined) return value;
        if (!keepUnknown) onUnknown(name);
        return whole;
      });
    },
  };
}
