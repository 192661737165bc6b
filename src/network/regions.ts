// Azure region names. ARM accepts a location as "West US" or "westus"; regional service tags use the
// display name without spaces ("Storage.WestUS"). Everything is compared in the compact lower form.

const displayNames = [
  "East US",
  "East US 2",
  "East US 3",
  "West US",
  "West US 2",
  "West US 3",
  "Central US",
  "North Central US",
  "South Central US",
  "West Central US",
  "Canada Central",
  "Canada East",
  "Brazil South",
  "Brazil Southeast",
  "Mexico Central",
  "North Europe",
  "West Europe",
  "UK South",
  "UK West",
  "France Central",
  "France South",
  "Germany North",
  "Germany West Central",
  "Switzerland North",
  "Switzerland West",
  "Norway East",
  "Norway West",
  "Sweden Central",
  "Sweden South",
  "Poland Central",
  "Italy North",
  "Spain Central",
  "Austria East",
  "Belgium Central",
  "Denmark East",
  "Finland Central",
  "Greece Central",
  "East Asia",
  "Southeast Asia",
  "Japan East",
  "Japan West",
  "Korea Central",
  "Korea South",
  "Central India",
  "South India",
  "West India",
  "Jio India West",
  "Jio India Central",
  "Australia East",
  "Australia Southeast",
  "Australia Central",
  "Australia Central 2",
  "New Zealand North",
  "Indonesia Central",
  "Malaysia South",
  "Malaysia West",
  "Taiwan North",
  "UAE North",
  "UAE Central",
  "Qatar Central",
  "Israel Central",
  "South Africa North",
  "South Africa West",
  "Chile Central",
  "China East",
  "China East 2",
  "China East 3",
  "China North",
  "China North 2",
  "China North 3",
  "USGov Virginia",
  "USGov Texas",
  "USGov Arizona",
  "USGov Iowa",
  "USDoD East",
  "USDoD Central",
  "Global",
];

const byCompact = new Map(displayNames.map((d) => [compactRegion(d), d]));

/** "West US" / "westus" / "WestUS" → "westus". */
export function compactRegion(name: string): string {
  return name.replace(/[\s_-]+/g, "").toLowerCase();
}

export function isKnownRegion(name: string): boolean {
  return byCompact.has(compactRegion(name));
}

/** Display name ("West US") for a known region, else the input unchanged. */
export function regionDisplayName(name: string): string {
  return byCompact.get(compactRegion(name)) ?? name;
}

/** Name as used in a regional service tag: "West US" → "WestUS". */
export function regionTagSuffix(name: string): string {
  return regionDisplayName(name).replace(/\s+/g, "");
}

export function sameRegion(a: string, b: string): boolean {
  return compactRegion(a) === compactRegion(b);
}
