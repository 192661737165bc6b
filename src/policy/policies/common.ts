// Shared pieces of the policy definitions: section lists and the message a statement acts on.
import { ensureResponse } from "../message.js";
import type { HeaderMap, MessageBody, PolicyContext, Section } from "../types.js";

export const ALL_SECTIONS: readonly Section[] = ["inbound", "backend", "outbound", "on-error"];
export const INBOUND: readonly Section[] = ["inbound"];

export type Target = "request" | "response" | "auto";

export interface Message {
  headers: HeaderMap;
  body: MessageBody;
}

/** The request, or the response (created as an empty 200 when none exists yet). */
export function messageOf(ctx: PolicyContext, target: Target): Message {
  if (target === "request") return ctx.request;
  if (target === "response") return ensureResponse(ctx);
  return ctx.response ?? ctx.request;
}

/** Retry-After style seconds, never 0 while a window is still closed. */
export function secondsFrom(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** "d.hh:mm:ss" / "hh:mm:ss" as .NET prints a TimeSpan (quota messages). */
export function formatTimeSpan(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86400);
  const pad = (n: number) => String(n).padStart(2, "0");
  const hms = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days > 0 ? `${days}.${hms}` : hms;
}
