// Outgoing webhooks as plain rules (W1, W2): the event types an endpoint may subscribe to, what an answer of the
// endpoint means for the event and for the endpoint, and when the next attempt falls due.

/** W1: every event type a webhook endpoint can subscribe to (README lists what each carries). */
export const WEBHOOK_EVENT_TYPES = [
  'ticket.created',
  'ticket.assigned',
  'ticket.transferred',
  'ticket.unassigned',
  'ticket.closed',
  'ticket.updated',
  'message.created',
  'message.status',
  'client.updated',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const isWebhookEventType = (value: string): value is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);

/** What a receiver gets: `id` is stable across retries and replays, so it can drop duplicates. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: Record<string, unknown>;
}

/** W2: an endpoint failing for this long without one success is disabled, with the reason shown. */
export const DISABLE_AFTER_FAILING_MS = 3 * 24 * 3_600_000;
/**
 * W2/OP3: how long one event keeps being retried after it happened: longer than the disable window, so an endpoint
 * down for good is disabled (visibly) before its events give up; at least 24 hours either way.
 */
export const EVENT_RETRY_WINDOW_MS = 4 * 24 * 3_600_000;
/** One attempt waits this long for an answer; no answer is a timeout, retried. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** A Retry-After longer than this is not waited for in full. */
const MAX_RETRY_AFTER_MS = 6 * 3_600_000;

/** The wait after attempt `attempt` (1-based) failed: 1, 2, 4 … minutes, at most an hour. */
export function webhookRetryDelayMs(attempt: number): number {
  return Math.min(60, 2 ** Math.max(0, attempt - 1)) * 60_000;
}

/** What one attempt came to. */
export type AttemptOutcome =
  | { kind: 'delivered' }
  /** Timeouts, network errors, 408, 429 and 5xx: the same request may be taken later. */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** Another 4xx (or a redirect, which is not followed): this event is failed, the endpoint stays. */
  | { kind: 'failed'; reason: string }
  /** 410 Gone: the receiver says the endpoint no longer exists; it is disabled. */
  | { kind: 'gone'; reason: string }
  /** The outbound-URL guard refused the URL at send time (its host resolves inside): nothing sent; it is disabled. */
  | { kind: 'refused'; reason: string };

/** W2: classifies an HTTP answer of the endpoint. */
export function outcomeOfStatus(status: number, detail: string, retryAfterMs?: number): AttemptOutcome {
  const reason = `${status}${detail ? `: ${detail}` : ''}`;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone', reason };
  if (status === 408 || status === 429 || status >= 500) {
    return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
  }
  return { kind: 'failed', reason };
}

/** When a transiently failed event is tried again, or the reason it gives up. */
export function nextAttempt(
  event: { createdAt: string },
  attempt: number,
  retryAfterMs: number | undefined,
  now: Date,
): { retryAt: string } | { givenUp: string } {
  const wait = Math.max(webhookRetryDelayMs(attempt), Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  const at = now.getTime() + wait;
  if (at - Date.parse(event.createdAt) > EVENT_RETRY_WINDOW_MS) {
    return { givenUp: `The endpoint did not take the event for ${EVENT_RETRY_WINDOW_MS / 86_400_000} days.` };
  }
  return { retryAt: new Date(at).toISOString() };
}

/** W2: an endpoint failing since `failingSince` is disabled once that is 3 days ago; the reason names both ends. */
export function disableReasonAfterFailures(failingSince: string, lastError: string, now: Date): string | undefined {
  if (now.getTime() - Date.parse(failingSince) < DISABLE_AFTER_FAILING_MS) return undefined;
  return `Disabled automatically at ${now.toISOString()}: every delivery failed since ${failingSince} (3 days); last error ${lastError}`;
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMsOf(header: string | null | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Event data is kept small (one write unit per event and endpoint): texts are cut to this many UTF-8 bytes. */
export const MAX_EVENT_TEXT_BYTES = 400;
/** Names (client, attachment) are cut shorter. */
export const MAX_EVENT_NAME_BYTES = 80;

/** `value` cut to at most `maxBytes` UTF-8 bytes on a character boundary, with `…` when cut. */
export function cutToBytes(value: string, maxBytes: number): { value: string; cut: boolean } {
  if (Buffer.byteLength(value, 'utf8') <= maxBytes) return { value, cut: false };
  let kept = '';
  let size = 3; // the ellipsis
  for (const char of value) {
    const bytes = Buffer.byteLength(char, 'utf8');
    if (size + bytes > maxBytes) break;
    kept += char;
    size += bytes;
  }
  return { value: `${kept}…`, cut: true };
}

/** A message text for an event: cut when long, and then marked `textTruncated` (the full text is in the API). */
export function shortText(text: string | undefined): { text?: string; textTruncated?: true } {
  if (text === undefined) return {};
  const { value, cut } = cutToBytes(text, MAX_EVENT_TEXT_BYTES);
  return cut ? { text: value, textTruncated: true } : { text: value };
}

export const shortName = (name: string): string => cutToBytes(name, MAX_EVENT_NAME_BYTES).value;
