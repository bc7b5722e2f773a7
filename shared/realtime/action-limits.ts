// R5: per-connection action limits on the WebSocket API. An operator's actions are counted in this function
// instance's memory (no round trip per action); a widget visitor's chat messages are counted on one table item per
// visitor, exact across instances, since each admitted message is stored and pushed to a whole group anyway.
import { rateLimited } from '../domain/errors';
import { admit, type RateRule } from '../domain/rate-rules';
import { admitFromTable } from '../store/rate-limits';
import { readSettings, type Settings } from '../store/settings';

/** Settings changes reach the limits within this long (one settings read per instance per period). */
export const LIMITS_CACHE_MS = 60_000;
/** A visitor's history reads and typing frames, per connection: five times its message rate, twice its burst. */
export const visitorReadsOf = (messages: RateRule): RateRule => ({
  perSecond: messages.perSecond * 5,
  burst: messages.burst * 2,
});
/** The same typing state is pushed again at most this often (M11); a change of state is pushed at once. */
export const TYPING_REPEAT_MS = 3000;
/** Each in-memory map holds at most this many subjects; idle ones are dropped first. */
const MAX_TRACKED = 10_000;

let cachedLimits: { readAt: number; limits: Settings['limits'] } | undefined;
const operatorSchedule = new Map<string, number>();
const visitorReadSchedule = new Map<string, number>();
const visitorMessageHints = new Map<string, number>();
const typingPushed = new Map<string, { typing: boolean; at: number }>();

async function limits(nowMs: number): Promise<Settings['limits']> {
  if (!cachedLimits || nowMs - cachedLimits.readAt > LIMITS_CACHE_MS) {
    cachedLimits = { readAt: nowMs, limits: (await readSettings()).limits };
  }
  return cachedLimits.limits;
}

function refuse(retryAfterMs: number): never {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  throw rateLimited(`Too many actions on this connection; try again in ${seconds} s. Nothing was done.`, seconds);
}

function remember<V>(map: Map<string, V>, key: string, value: V, idle: (value: V) => boolean): void {
  if (map.size >= MAX_TRACKED && !map.has(key)) {
    for (const [other, held] of map) if (idle(held)) map.delete(other);
    // Still full of busy subjects: forget the oldest rather than grow without bound.
    for (const other of map.keys()) {
      if (map.size < MAX_TRACKED) break;
      map.delete(other);
    }
  }
  map.set(key, value);
}

function admitInMemory(schedule: Map<string, number>, key: string, rule: RateRule, nowMs: number): void {
  const verdict = admit(schedule.get(key), rule, nowMs);
  if (!verdict.admitted) refuse(verdict.retryAfterMs);
  remember(schedule, key, verdict.tat, (tat) => tat <= nowMs);
}

/** An operator's action on a connection: at most `limits.operatorActions` (default 20/s, bursts of 40). */
export async function admitOperatorAction(connectionId: string, now: Date): Promise<void> {
  const nowMs = now.getTime();
  admitInMemory(operatorSchedule, connectionId, (await limits(nowMs)).operatorActions, nowMs);
}

/** A widget visitor's action: chat messages by `limits.visitorMessages` (default 1/s, bursts of 5), the rest cheaply. */
export async function admitVisitorAction(
  visitor: { clientId: string },
  connectionId: string,
  action: string,
  now: Date,
): Promise<void> {
  const nowMs = now.getTime();
  const rule = (await limits(nowMs)).visitorMessages;
  if (action !== 'chat.send') {
    admitInMemory(visitorReadSchedule, connectionId, visitorReadsOf(rule), nowMs);
    return;
  }
  const verdict = await admitFromTable(
    'visitor-messages',
    visitor.clientId,
    rule,
    now,
    visitorMessageHints.get(visitor.clientId),
  );
  if (!verdict.admitted) refuse(verdict.retryAfterMs);
  remember(visitorMessageHints, visitor.clientId, verdict.tat, (tat) => tat <= nowMs);
}

/** M11: whether this typing state is news to operators; the same state again within TYPING_REPEAT_MS is not. */
export function isTypingNews(clientId: string, typing: boolean, now: Date): boolean {
  const nowMs = now.getTime();
  const last = typingPushed.get(clientId);
  if (last && last.typing === typing && nowMs - last.at < TYPING_REPEAT_MS) return false;
  remember(typingPushed, clientId, { typing, at: nowMs }, (held) => nowMs - held.at >= TYPING_REPEAT_MS);
  return true;
}

/** Forgets everything counted in memory (tests start from a quiet instance). */
export function resetActionLimits(): void {
  cachedLimits = undefined;
  for (const map of [operatorSchedule, visitorReadSchedule, visitorMessageHints, typingPushed]) map.clear();
}
