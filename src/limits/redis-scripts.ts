// Lua versions of algorithms.ts, run atomically in Redis. The caller passes its Clock's time, so a
// cluster of gateways and the memory store agree on window boundaries (and tests can drive time);
// gateway clocks are expected to be NTP-synchronised, as APIM's own units are.
import { createHash } from "node:crypto";
import { Command, type Redis } from "ioredis";

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/**
 * Sliding-window advance shared by the rate and sync scripts (the Lua twin of advanceWindow): `step`
 * moves a key's window start, previous and current counts to the window holding `now`; `advance`
 * reads them from the key first. Its fourth result tells whether the key existed, so a sync that adds
 * nothing does not create it.
 * A caller whose `now` is behind the key (a gateway clock a few ms slow, or a script sent just
 * before a boundary and run after another unit's crossed it) never moves the key back: that would
 * wipe both buckets and let every unit admit a fresh allowance. Its calls land in the bucket they
 * belong to, if that bucket is still held.
 */
const ADVANCE = `
local function step(ws, p, c, now, w)
  local start = now - (now % w)
  ws = ws or start
  if start > ws then
    if start == ws + w then p = c else p = 0 end
    c = 0
    ws = start
  end
  return ws, p, c
end
local function advance(key, now, w)
  local s = redis.call('HMGET', key, 'ws', 'p', 'c')
  local ws, p, c = step(tonumber(s[1]), tonumber(s[2]) or 0, tonumber(s[3]) or 0, now, w)
  return ws, p, c, s[1]
end
`;

/**
 * Rate hits, one or many per call (a gateway sends every hit of one event-loop turn together):
 * KEYS[i] hash; ARGV per hit: now, windowMs, limit, increment → {allowed1, count1, remaining1,
 * retryAfterMs1, allowed2, …}. Hits are judged in order, exactly as that many single calls run back
 * to back would be; a key hit several times is read once and written once, after its last hit, and
 * only with what changed (most hits: the current count alone).
 * (On Redis Cluster every key of one call would have to share a slot; the client is not a cluster client.)
 */
export const RATE_SCRIPT = script(`${ADVANCE}
local state = {}
local touched = {}
local out = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local base = (i - 1) * 4
  local now = tonumber(ARGV[base + 1])
  local w = tonumber(ARGV[base + 2])
  local limit = tonumber(ARGV[base + 3])
  local inc = tonumber(ARGV[base + 4])
  local st = state[key]
  if st == nil then
    local s = redis.call('HMGET', key, 'ws', 'p', 'c')
    local ws0 = tonumber(s[1])
    -- {ws, p, c, expiry, ws as stored, c as stored}
    st = { ws0, tonumber(s[2]) or 0, tonumber(s[3]) or 0, 0, ws0, tonumber(s[3]) or 0 }
    state[key] = st
    touched[#touched + 1] = key
  end
  local ws, p, c = step(st[1], st[2], st[3], now, w)
  -- A caller behind the key's window (see advance) is judged at the window's start: full weight on p.
  if now < ws then now = ws end
  local wp = 0
  if p ~= 0 then wp = math.ceil(p * (w - (now - ws)) / w) end
  local est = wp + c
  local allowed = 0
  local count = est
  local retry = 0
  local need = inc
  if est + inc <= limit then
    c = c + inc
    allowed = 1
    count = est + inc
    if inc == 0 and count >= limit then need = 1 end
  end
  if allowed == 0 or need ~= inc then
    local elapsed = now - ws
    local before = limit - need
    if before < 0 then
      retry = w
    elseif c <= before then
      retry = math.max(1, (w - math.floor(((before - c) * w) / p)) - elapsed)
    else
      retry = math.max(1, w - elapsed + (w - math.floor((before * w) / c)))
    end
  end
  st[1] = ws
  st[2] = p
  st[3] = c
  st[4] = math.max(1, ws + 2 * w - now)
  out[base + 1] = allowed
  out[base + 2] = count
  out[base + 3] = math.max(0, limit - count)
  out[base + 4] = retry
end
-- Write what changed. The expiry (the end of the next window) only moves with the window, so a key
-- still in the window it was stored in keeps its TTL; a call that counted nothing writes nothing.
for _, key in ipairs(touched) do
  local st = state[key]
  if st[1] ~= st[5] then
    redis.call('HSET', key, 'ws', st[1], 'p', st[2], 'c', st[3])
    redis.call('PEXPIRE', key, st[4])
  elseif st[3] ~= st[6] then
    redis.call('HSET', key, 'c', st[3])
  end
end
return out
`);

/**
 * Fast-mode sync for many keys in one call. KEYS[i] hash; ARGV now, then per key: windowMs,
 * pendingWindowStart, pendingPrevious, pendingCurrent → {ws1, p1, c1, ws2, p2, c2, …}.
 * (On Redis Cluster every key of one call must share a slot: give the fast store one hash tag.)
 */
export const SYNC_SCRIPT = script(`${ADVANCE}
local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 4
  local w = tonumber(ARGV[base + 1])
  local pws = tonumber(ARGV[base + 2])
  local pp = tonumber(ARGV[base + 3])
  local pc = tonumber(ARGV[base + 4])
  local ws, p, c, existed = advance(KEYS[i], now, w)
  if pws == ws then
    c = c + pc
    p = p + pp
  elseif pws == ws - w then
    p = p + pc
  end
  if pp + pc > 0 or existed then
    redis.call('HSET', KEYS[i], 'ws', ws, 'p', p, 'c', c)
    redis.call('PEXPIRE', KEYS[i], math.max(1, ws + 2 * w - now))
  end
  out[#out + 1] = ws
  out[#out + 1] = p
  out[#out + 1] = c
end
return out
`);

/**
 * KEYS[1] hash; ARGV now, periodMs, firstPeriodStartMs, callsLimit (-1: none), kilobytesLimit (-1: none),
 * addCalls, addKilobytes → {allowed, count, remaining, retryAfterMs}.
 */
export const QUOTA_SCRIPT = script(`
local now = tonumber(ARGV[1])
local pms = tonumber(ARGV[2])
local first = tonumber(ARGV[3])
local cl = tonumber(ARGV[4])
local kl = tonumber(ARGV[5])
local ac = tonumber(ARGV[6])
local ak = tonumber(ARGV[7])
local period = math.floor((now - first) / pms)
local periodEnd = first + (period + 1) * pms
local s = redis.call('HMGET', KEYS[1], 'pi', 'c', 'k')
local calls = tonumber(s[2]) or 0
local kb = tonumber(s[3]) or 0
if tonumber(s[1]) ~= period then
  calls = 0
  kb = 0
end
local callsOk = cl < 0 or calls + ac <= cl
local kbOk = kl < 0 or (ak > 0 and kb + ak <= kl) or (ak == 0 and kb < kl)
local allowed = callsOk and kbOk
if allowed or ac == 0 then
  calls = calls + ac
  kb = kb + ak
end
redis.call('HSET', KEYS[1], 'pi', period, 'c', calls, 'k', kb)
redis.call('PEXPIRE', KEYS[1], math.max(1, periodEnd - now))
local count = kb
local max = kl
if cl >= 0 then
  count = calls
  max = cl
end
local remaining = 0
if cl >= 0 or kl >= 0 then remaining = math.max(0, max - count) end
local retry = 0
if not allowed then retry = periodEnd - now end
if allowed then allowed = 1 else allowed = 0 end
return {allowed, count, remaining, retry}
`);

/** KEYS[1] counter; ARGV max, leaseMs → 1 acquired / 0 full. The lease frees slots of a crashed unit. */
export const ACQUIRE_SCRIPT = script(`
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
if held >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/** KEYS[1] counter → slots still held. */
export const RELEASE_SCRIPT = script(`
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
if held <= 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
return redis.call('DECR', KEYS[1])
`);

/**
 * EVALSHA, falling back to EVAL (which also loads the script) when Redis does not know the hash.
 * `direct` sends the command at once instead of through the client's auto-pipelining, for callers
 * that batch their calls themselves: auto-pipelining would add a Pipeline object and another
 * event-loop turn to a write that already carries a whole turn's work.
 */
export async function runScript(
  client: Redis,
  lua: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
  direct = false,
): Promise<unknown> {
  const send = (name: "evalsha" | "eval", body: string) =>
    direct
      ? client.sendCommand(new Command(name, [body, keys.length, ...keys, ...args], { replyEncoding: "utf8" }))
      : client[name](body, keys.length, ...keys, ...args);
  try {
    return await send("evalsha", lua.sha);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return await send("eval", lua.source);
  }
}
