// DateTime, DateTimeOffset, TimeSpan and Guid as policy expressions see them. Instants are epoch
// milliseconds (the gateway clock's resolution); formatting follows .NET's invariant culture.
import { randomUUID } from "node:crypto";
import { CsException } from "./errors.js";

/** .NET ticks (100 ns) at the Unix epoch. */
const EPOCH_TICKS = 621355968000000000;
const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

export type DateKind = "Utc" | "Local" | "Unspecified";

/** A DateTime (offset undefined) or a DateTimeOffset (offsetMinutes set). Local time is UTC on the gateway. */
export class CsDateTime {
  constructor(
    readonly ms: number,
    readonly kind: DateKind = "Utc",
    readonly offsetMinutes: number | undefined = undefined,
  ) {}
  get isOffset(): boolean {
    return this.offsetMinutes !== undefined;
  }
  with(ms: number): CsDateTime {
    return new CsDateTime(ms, this.kind, this.offsetMinutes);
  }
  /** The wall-clock fields (UTC + offset). */
  private wall(): Date {
    return new Date(this.ms + (this.offsetMinutes ?? 0) * 60000);
  }
  get Year(): number {
    return this.wall().getUTCFullYear();
  }
  get Month(): number {
    return this.wall().getUTCMonth() + 1;
  }
  get Day(): number {
    return this.wall().getUTCDate();
  }
  get Hour(): number {
    return this.wall().getUTCHours();
  }
  get Minute(): number {
    return this.wall().getUTCMinutes();
  }
  get Second(): number {
    return this.wall().getUTCSeconds();
  }
  get Millisecond(): number {
    return this.wall().getUTCMilliseconds();
  }
  get DayOfWeek(): string {
    return DAY_NAMES[this.wall().getUTCDay()]!;
  }
  get DayOfYear(): number {
    const w = this.wall();
    return Math.floor((w.getTime() - Date.UTC(w.getUTCFullYear(), 0, 1)) / 86400000) + 1;
  }
  get Date(): CsDateTime {
    const w = this.wall();
    const midnight = Date.UTC(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate()) - (this.offsetMinutes ?? 0) * 60000;
    return this.with(midnight);
  }
  get Ticks(): number {
    return (this.ms + (this.offsetMinutes ?? 0) * 60000) * 10000 + EPOCH_TICKS;
  }
  get Kind(): string {
    return this.kind;
  }
  get UtcDateTime(): CsDateTime {
    return new CsDateTime(this.ms, "Utc");
  }
  get DateTime(): CsDateTime {
    return new CsDateTime(this.ms, "Unspecified");
  }
  get Offset(): CsTimeSpan {
    return new CsTimeSpan((this.offsetMinutes ?? 0) * 60000);
  }
  AddMilliseconds(v: number): CsDateTime {
    return this.with(this.ms + v);
  }
  AddSeconds(v: number): CsDateTime {
    return this.with(this.ms + v * 1000);
  }
  AddMinutes(v: number): CsDateTime {
    return this.with(this.ms + v * 60000);
  }
  AddHours(v: number): CsDateTime {
    return this.with(this.ms + v * 3600000);
  }
  AddDays(v: number): CsDateTime {
    return this.with(this.ms + v * 86400000);
  }
  AddTicks(v: number): CsDateTime {
    return this.with(this.ms + v / 10000);
  }
  AddMonths(v: number): CsDateTime {
    const d = new Date(this.ms);
    d.setUTCMonth(d.getUTCMonth() + v);
    return this.with(d.getTime());
  }
  AddYears(v: number): CsDateTime {
    return this.AddMonths(v * 12);
  }
  Add(span: CsTimeSpan): CsDateTime {
    return this.with(this.ms + span.ms);
  }
  Subtract(other: CsDateTime | CsTimeSpan): CsDateTime | CsTimeSpan {
    return other instanceof CsTimeSpan ? this.with(this.ms - other.ms) : new CsTimeSpan(this.ms - other.ms);
  }
  ToUniversalTime(): CsDateTime {
    return this.isOffset ? new CsDateTime(this.ms, "Utc", 0) : new CsDateTime(this.ms, "Utc");
  }
  ToLocalTime(): CsDateTime {
    return this.isOffset ? this : new CsDateTime(this.ms, "Local");
  }
  ToUnixTimeSeconds(): number {
    return Math.floor(this.ms / 1000);
  }
  ToUnixTimeMilliseconds(): number {
    return Math.floor(this.ms);
  }
  CompareTo(other: CsDateTime): number {
    return Math.sign(this.ms - other.ms);
  }
  Equals(other: unknown): boolean {
    return other instanceof CsDateTime && other.ms === this.ms;
  }
  ToString(format?: string): string {
    return formatDate(this, format);
  }
  toString(): string {
    return formatDate(this, undefined);
  }
}

export class CsTimeSpan {
  constructor(readonly ms: number) {}
  get Ticks(): number {
    return Math.round(this.ms * 10000);
  }
  get TotalMilliseconds(): number {
    return this.ms;
  }
  get TotalSeconds(): number {
    return this.ms / 1000;
  }
  get TotalMinutes(): number {
    return this.ms / 60000;
  }
  get TotalHours(): number {
    return this.ms / 3600000;
  }
  get TotalDays(): number {
    return this.ms / 86400000;
  }
  get Days(): number {
    return Math.trunc(this.ms / 86400000);
  }
  get Hours(): number {
    return Math.trunc(this.ms / 3600000) % 24;
  }
  get Minutes(): number {
    return Math.trunc(this.ms / 60000) % 60;
  }
  get Seconds(): number {
    return Math.trunc(this.ms / 1000) % 60;
  }
  get Milliseconds(): number {
    return Math.trunc(this.ms) % 1000;
  }
  Add(other: CsTimeSpan): CsTimeSpan {
    return new CsTimeSpan(this.ms + other.ms);
  }
  Subtract(other: CsTimeSpan): CsTimeSpan {
    return new CsTimeSpan(this.ms - other.ms);
  }
  Negate(): CsTimeSpan {
    return new CsTimeSpan(-this.ms);
  }
  Duration(): CsTimeSpan {
    return new CsTimeSpan(Math.abs(this.ms));
  }
  CompareTo(other: CsTimeSpan): number {
    return Math.sign(this.ms - other.ms);
  }
  Equals(other: unknown): boolean {
    return other instanceof CsTimeSpan && other.ms === this.ms;
  }
  /** .NET's constant ("c") format: [-][d.]hh:mm:ss[.fffffff]. */
  ToString(): string {
    const neg = this.ms < 0;
    const abs = Math.abs(this.ms);
    const days = Math.floor(abs / 86400000);
    const h = Math.floor(abs / 3600000) % 24;
    const m = Math.floor(abs / 60000) % 60;
    const s = Math.floor(abs / 1000) % 60;
    const frac = Math.round((abs % 1000) * 10000);
    return `${neg ? "-" : ""}${days ? `${days}.` : ""}${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${frac ? `.${pad(frac, 7)}` : ""}`;
  }
  toString(): string {
    return this.ToString();
  }
}

export class CsGuid {
  /** Lower-case "D" form. */
  constructor(readonly text: string) {}
  static random(): CsGuid {
    return new CsGuid(randomUUID());
  }
  static parse(text: string): CsGuid {
    const hex = text
      .trim()
      .replace(/^[{(]|[})]$/g, "")
      .replaceAll("-", "")
      .toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(hex)) throw new CsException("FormatException", `Unrecognized Guid format: '${text}'.`);
    return new CsGuid(
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    );
  }
  /** .NET's mixed-endian layout: the first three groups are little-endian. */
  static fromBytes(bytes: Uint8Array): CsGuid {
    if (bytes.length !== 16)
      throw new CsException("ArgumentException", "Byte array for Guid must be exactly 16 bytes long.");
    const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    const hex = order.map((i) => bytes[i]!.toString(16).padStart(2, "0")).join("");
    return CsGuid.parse(hex);
  }
  ToByteArray(): Uint8Array {
    const hex = this.text.replaceAll("-", "");
    const raw = Buffer.from(hex, "hex");
    const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    return Buffer.from(order.map((i) => raw[i]!));
  }
  ToString(format?: string): string {
    switch ((format ?? "D").toUpperCase()) {
      case "N":
        return this.text.replaceAll("-", "");
      case "B":
        return `{${this.text}}`;
      case "P":
        return `(${this.text})`;
      case "D":
      case "":
        return this.text;
      default:
        throw new CsException("FormatException", `Invalid Guid format specifier '${format}'.`);
    }
  }
  Equals(other: unknown): boolean {
    return other instanceof CsGuid && other.text === this.text;
  }
  GetHashCode(): number {
    let h = 0;
    for (const c of this.text) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
    return h;
  }
  toString(): string {
    return this.text;
  }
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

const STANDARD_FORMATS: Record<string, string> = {
  d: "MM/dd/yyyy",
  D: "dddd, dd MMMM yyyy",
  f: "dddd, dd MMMM yyyy HH:mm",
  F: "dddd, dd MMMM yyyy HH:mm:ss",
  g: "MM/dd/yyyy HH:mm",
  G: "MM/dd/yyyy HH:mm:ss",
  M: "MMMM dd",
  m: "MMMM dd",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: "HH:mm",
  T: "HH:mm:ss",
  y: "yyyy MMMM",
  Y: "yyyy MMMM",
};

/** DateTime.ToString(format) with the invariant culture. */
export function formatDate(d: CsDateTime, format: string | undefined): string {
  if (format === undefined || format === "") return formatDate(d, d.isOffset ? "MM/dd/yyyy HH:mm:ss zzz" : "G");
  if (format.length === 1) {
    if (format === "o" || format === "O")
      return formatCustom(
        d,
        d.isOffset || d.kind !== "Unspecified" ? "yyyy-MM-ddTHH:mm:ss.fffffffK" : "yyyy-MM-ddTHH:mm:ss.fffffff",
      );
    if (format === "r" || format === "R")
      return formatCustom(d.isOffset ? new CsDateTime(d.ms) : d, "ddd, dd MMM yyyy HH:mm:ss 'GMT'");
    if (format === "u") return formatCustom(d.isOffset ? new CsDateTime(d.ms) : d, "yyyy-MM-dd HH:mm:ss'Z'");
    if (format === "U") return formatCustom(new CsDateTime(d.ms), "dddd, dd MMMM yyyy HH:mm:ss");
    const standard = STANDARD_FORMATS[format];
    if (standard === undefined)
      throw new CsException("FormatException", `Input string was not in a correct format: '${format}'.`);
    return formatCustom(d, standard);
  }
  return formatCustom(d, format);
}

function formatCustom(d: CsDateTime, format: string): string {
  let out = "";
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    let run = 1;
    while (format[i + run] === c) run++;
    switch (c) {
      case "y":
        out += run <= 2 ? pad(d.Year % 100, run) : pad(d.Year, run);
        break;
      case "M":
        out +=
          run >= 4 ? MONTH_NAMES[d.Month - 1] : run === 3 ? MONTH_NAMES[d.Month - 1]!.slice(0, 3) : pad(d.Month, run);
        break;
      case "d":
        out += run >= 4 ? d.DayOfWeek : run === 3 ? d.DayOfWeek.slice(0, 3) : pad(d.Day, run);
        break;
      case "H":
        out += pad(d.Hour, Math.min(run, 2));
        break;
      case "h":
        out += pad(d.Hour % 12 || 12, Math.min(run, 2));
        break;
      case "m":
        out += pad(d.Minute, Math.min(run, 2));
        break;
      case "s":
        out += pad(d.Second, Math.min(run, 2));
        break;
      case "f":
      case "F": {
        const digits = `${pad(d.Millisecond, 3)}0000`.slice(0, Math.min(run, 7));
        out += c === "F" ? digits.replace(/0+$/, "") : digits;
        break;
      }
      case "t":
        out += (d.Hour < 12 ? "AM" : "PM").slice(0, run === 1 ? 1 : 2);
        break;
      case "K":
        out += d.isOffset ? offsetText(d.offsetMinutes ?? 0) : d.kind === "Unspecified" ? "" : "Z";
        break;
      case "z": {
        const off = d.offsetMinutes ?? 0;
        const sign = off < 0 ? "-" : "+";
        const h = Math.floor(Math.abs(off) / 60);
        out += run === 1 ? `${sign}${h}` : run === 2 ? `${sign}${pad(h, 2)}` : offsetText(off);
        break;
      }
      case "'":
      case '"': {
        const close = format.indexOf(c, i + 1);
        if (close < 0) throw new CsException("FormatException", `Cannot find a matching quote character for ${c}.`);
        out += format.slice(i + 1, close);
        i = close + 1;
        continue;
      }
      case "\\":
        out += format[i + 1] ?? "";
        i += 2;
        continue;
      case "%":
        i++;
        continue;
      default:
        out += c.repeat(run);
    }
    i += run;
  }
  return out;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/** DateTime.Parse for ISO 8601, RFC 1123 and the invariant "MM/dd/yyyy HH:mm:ss" form. */
export function parseDate(text: string, offset: boolean): CsDateTime {
  const s = text.trim();
  const invariant = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  let ms: number;
  let kind: DateKind = "Unspecified";
  if (invariant) {
    const [, mo, da, yr, hh, mi, ss] = invariant;
    ms = Date.UTC(Number(yr), Number(mo) - 1, Number(da), Number(hh ?? 0), Number(mi ?? 0), Number(ss ?? 0));
  } else {
    const hasZone = /(Z|[+-]\d{2}:?\d{2}|GMT|UTC)$/i.test(s);
    ms = Date.parse(hasZone || !/^\d{4}-\d{2}-\d{2}T/.test(s) ? s : `${s}Z`);
    if (hasZone) kind = offset ? "Utc" : "Local";
  }
  if (!Number.isFinite(ms))
    throw new CsException("FormatException", `String '${text}' was not recognized as a valid DateTime.`);
  return offset ? new CsDateTime(ms, "Utc", 0) : new CsDateTime(ms, kind);
}

export function dateFromTicks(ticks: number, kind: DateKind = "Unspecified"): CsDateTime {
  return new CsDateTime((ticks - EPOCH_TICKS) / 10000, kind);
}
