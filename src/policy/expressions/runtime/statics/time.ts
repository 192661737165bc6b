// Dates and durations: DateTime, DateTimeOffset (a DateTime with a zero offset), TimeSpan, DateTimeKind.
import { CsEnum } from "../../to-string.js";
import { CsDateTime, CsTimeSpan, dateFromTicks, parseDate } from "../time.js";
import { enumType, now, type StaticType, type StaticTypes, tryParsing } from "./static-type.js";

const DATE_TIME: StaticType = {
  props: {
    UtcNow: (env) => new CsDateTime(now(env), "Utc"),
    Now: (env) => new CsDateTime(now(env), "Local"),
    Today: (env) => new CsDateTime(now(env), "Local").Date,
    MinValue: () => dateFromTicks(0),
    // DateTime.MaxValue (ticks 3155378975999999999) at millisecond resolution.
    MaxValue: () => new CsDateTime(253402300799999, "Unspecified"),
  },
  methods: {
    Parse: ([v]) => parseDate(String(v), false),
    SpecifyKind: ([d, k]) => new CsDateTime((d as CsDateTime).ms, (k as CsEnum).name as "Utc"),
  },
  outMethods: {
    TryParse: tryParsing(
      (v) => parseDate(String(v), false),
      () => dateFromTicks(0),
    ),
  },
  ctor: (args) => {
    if (args.length === 1) return dateFromTicks(Number(args[0]));
    const [y, mo, d, h, mi, sec, ms] = args.map(Number);
    const kind = args.find((a) => a instanceof CsEnum) as CsEnum | undefined;
    return new CsDateTime(
      Date.UTC(y!, mo! - 1, d!, h ?? 0, mi ?? 0, sec ?? 0, ms ?? 0),
      (kind?.name as "Utc") ?? "Unspecified",
    );
  },
};

const DATE_TIME_OFFSET: StaticType = {
  props: {
    UtcNow: (env) => new CsDateTime(now(env), "Utc", 0),
    Now: (env) => new CsDateTime(now(env), "Utc", 0),
    MinValue: () => new CsDateTime(dateFromTicks(0).ms, "Utc", 0),
  },
  methods: {
    FromUnixTimeSeconds: ([v]) => new CsDateTime(Number(v) * 1000, "Utc", 0),
    FromUnixTimeMilliseconds: ([v]) => new CsDateTime(Number(v), "Utc", 0),
    Parse: ([v]) => parseDate(String(v), true),
  },
  ctor: ([d]) => {
    if (d instanceof CsDateTime) return new CsDateTime(d.ms, "Utc", 0);
    return new CsDateTime(dateFromTicks(Number(d)).ms, "Utc", 0);
  },
};

const TIME_SPAN: StaticType = {
  props: { Zero: () => new CsTimeSpan(0), MaxValue: () => new CsTimeSpan(Number.MAX_SAFE_INTEGER) },
  methods: {
    FromMilliseconds: ([v]) => new CsTimeSpan(Number(v)),
    FromSeconds: ([v]) => new CsTimeSpan(Number(v) * 1000),
    FromMinutes: ([v]) => new CsTimeSpan(Number(v) * 60000),
    FromHours: ([v]) => new CsTimeSpan(Number(v) * 3600000),
    FromDays: ([v]) => new CsTimeSpan(Number(v) * 86400000),
    FromTicks: ([v]) => new CsTimeSpan(Number(v) / 10000),
  },
  ctor: (args) => {
    const n = args.map(Number);
    if (n.length === 1) return new CsTimeSpan(n[0]! / 10000);
    if (n.length === 3) return new CsTimeSpan(((n[0]! * 60 + n[1]!) * 60 + n[2]!) * 1000);
    return new CsTimeSpan((((n[0]! * 24 + n[1]!) * 60 + n[2]!) * 60 + n[3]!) * 1000 + (n[4] ?? 0));
  },
};

export const TIME_TYPES: StaticTypes = {
  DateTime: DATE_TIME,
  DateTimeOffset: DATE_TIME_OFFSET,
  TimeSpan: TIME_SPAN,
  DateTimeKind: enumType("DateTimeKind", ["Unspecified", "Utc", "Local"]),
};
