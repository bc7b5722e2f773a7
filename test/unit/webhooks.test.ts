// W1/W2 rules without an engine: which answers are retried, the backoff and its window, which ticket change is which
// event, how payload texts are cut to stay in one write unit, and which URLs an endpoint may have (the outbound-URL
// guard).
import { afterEach, describe, expect, it } from 'vitest';
import { ALLOW_LOOPBACK_OUTBOUND_ENV } from '../../shared/channels/outbound-url';
import type { Ticket } from '../../shared/domain/ticket-rules';
import {
  cutToBytes,
  DISABLE_AFTER_FAILING_MS,
  disableReasonAfterFailures,
  EVENT_RETRY_WINDOW_MS,
  MAX_EVENT_TEXT_BYTES,
  nextAttempt,
  outcomeOfStatus,
  retryAfterMsOf,
  shortText,
  webhookRetryDelayMs,
} from '../../shared/domain/webhooks';
import { webhookCreateSchema } from '../../shared/use-cases/admin/webhooks';
import { ticketEventType, webhookEventId } from '../../shared/use-cases/webhook-events';

const ticket = (patch: Partial<Ticket> = {}): Ticket =>
  ({
    ticketId: 'cl_1#1',
    number: 1,
    clientId: 'cl_1',
    clientName: 'Ivan',
    channelId: 'ch_1',
    status: 'unassigned',
    groupId: 'grp_a',
    openedAt: '2026-05-01T10:00:00.000Z',
    statusChangedAt: '2026-05-01T10:00:00.000Z',
    lastMessageAt: '2026-05-01T10:00:00.000Z',
    lastMessagePreview: '',
    lastMessageFromOperator: false,
    unreadCount: 1,
    messageCount: 1,
    seq: 1,
    ...patch,
  }) as Ticket;

describe('W2 answers and retries', () => {
  it('W2: timeouts aside, 408, 429 and 5xx are retried; 410 disables; any other 4xx or a redirect fails the event', () => {
    expect(outcomeOfStatus(200, '').kind).toBe('delivered');
    expect(outcomeOfStatus(204, '').kind).toBe('delivered');
    for (const status of [408, 429, 500, 502, 503, 504]) expect(outcomeOfStatus(status, 'x').kind).toBe('retry');
    expect(outcomeOfStatus(410, 'gone').kind).toBe('gone');
    for (const status of [301, 400, 401, 403, 404, 422]) expect(outcomeOfStatus(status, 'no').kind).toBe('failed');
    expect(outcomeOfStatus(400, 'bad field')).toEqual({ kind: 'failed', reason: '400: bad field' });
  });

  it('W2: the backoff doubles from a minute to an hour and an event keeps being retried for more than 24 hours', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(webhookRetryDelayMs)).toEqual(
      [1, 2, 4, 8, 16, 32, 60, 60, 60].map((minutes) => minutes * 60_000),
    );
    const createdAt = '2026-05-01T10:00:00.000Z';
    let now = new Date(createdAt);
    let attempts = 0;
    for (;;) {
      attempts++;
      const next = nextAttempt({ createdAt }, attempts, undefined, now);
      if ('givenUp' in next) break;
      now = new Date(next.retryAt);
    }
    const retriedFor = now.getTime() - Date.parse(createdAt);
    expect(retriedFor).toBeGreaterThan(24 * 3_600_000);
    expect(retriedFor).toBeLessThanOrEqual(EVENT_RETRY_WINDOW_MS);
    // The endpoint is disabled (visibly) before any of its events gives up.
    expect(EVENT_RETRY_WINDOW_MS).toBeGreaterThan(DISABLE_AFTER_FAILING_MS);
  });

  it('W2: a Retry-After (seconds or a date) pushes the next attempt out, up to six hours', () => {
    const now = new Date('2026-05-01T10:00:00.000Z');
    expect(retryAfterMsOf('120', now)).toBe(120_000);
    expect(retryAfterMsOf('Fri, 01 May 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(retryAfterMsOf('soon', now)).toBeUndefined();
    const next = nextAttempt({ createdAt: now.toISOString() }, 1, 600_000, now);
    expect(next).toEqual({ retryAt: '2026-05-01T10:10:00.000Z' });
    const capped = nextAttempt({ createdAt: now.toISOString() }, 1, 48 * 3_600_000, now);
    expect(capped).toEqual({ retryAt: '2026-05-01T16:00:00.000Z' });
  });

  it('W2: an endpoint is disabled only after 3 days of failures, with the reason naming when they began', () => {
    const since = '2026-05-01T10:00:00.000Z';
    expect(disableReasonAfterFailures(since, '503', new Date('2026-05-04T09:59:00.000Z'))).toBeUndefined();
    const reason = disableReasonAfterFailures(since, '503: down', new Date('2026-05-04T10:00:00.000Z'));
    expect(reason).toContain(since);
    expect(reason).toContain('503: down');
  });
});

describe('W1 events', () => {
  it('W1: a ticket change is created, assigned, transferred, unassigned, closed or updated, and unread counts are none', () => {
    const open = ticket();
    expect(ticketEventType(undefined, open)).toBe('ticket.created');
    const taken = ticket({ status: 'in_progress', assigneeId: 'op_a', seq: 2 });
    expect(ticketEventType(open, taken)).toBe('ticket.assigned');
    expect(ticketEventType(taken, ticket({ status: 'in_progress', assigneeId: 'op_b' }))).toBe('ticket.transferred');
    expect(ticketEventType(open, ticket({ groupId: 'grp_b' }))).toBe('ticket.transferred');
    expect(ticketEventType(taken, ticket())).toBe('ticket.unassigned');
    expect(ticketEventType(taken, ticket({ status: 'closed', assigneeId: 'op_a' }))).toBe('ticket.closed');
    expect(ticketEventType(open, ticket({ categoryId: 'cat_1' }))).toBe('ticket.updated');
    expect(ticketEventType(open, ticket({ unreadCount: 2, messageCount: 2, seq: 3 }))).toBeUndefined();
  });

  it('W1: an event id is the same for the same stream record and differs between records and types', () => {
    const record = { sequence: '000123', at: '2026-05-01T10:00:00.000Z' };
    expect(webhookEventId(record, 'message.created')).toBe(webhookEventId({ ...record }, 'message.created'));
    expect(webhookEventId(record, 'message.created')).not.toBe(webhookEventId(record, 'message.status'));
    expect(webhookEventId(record, 'message.created')).not.toBe(
      webhookEventId({ ...record, sequence: '000124' }, 'message.created'),
    );
    expect(webhookEventId(record, 'ticket.created')).toMatch(/^ev_[0-9a-z]{9}[\w-]{16}$/);
  });

  it('W2: long texts are cut to 400 bytes on a character boundary and marked, short ones are kept whole', () => {
    expect(shortText('hello')).toEqual({ text: 'hello' });
    const emoji = shortText('😀'.repeat(500));
    expect(emoji.textTruncated).toBe(true);
    expect(Buffer.byteLength(emoji.text ?? '')).toBeLessThanOrEqual(MAX_EVENT_TEXT_BYTES);
    expect(emoji.text?.endsWith('😀…')).toBe(true);
    expect(cutToBytes('привет', 7)).toEqual({ value: 'пр…', cut: true });
  });
});

describe('W1 endpoint URLs', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const urlProblem = (url: string) => {
    const parsed = webhookCreateSchema.safeParse({ url, eventTypes: ['ticket.created'] });
    return parsed.success ? undefined : parsed.error.issues.map((issue) => issue.message).join('; ');
  };

  it('X3: outside the local stack, loopback, private, link-local and plain-http URLs are refused; a public https URL is taken', () => {
    delete process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
    expect(urlProblem('https://crm.example.com/hooks/switchboard')).toBeUndefined();
    for (const url of [
      'http://127.0.0.1:4005/webhooks/crm',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://api.localhost/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://10.1.2.3/hook',
      'https://192.168.0.10/hook',
      'https://172.20.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://0.0.0.0/hook',
      'https://2130706433/hook',
      'http://crm.example.com/hook',
      'https://user:pw@crm.example.com/hook',
      'not a url',
    ]) {
      expect(urlProblem(url), url).toBeDefined();
    }
    expect(urlProblem('http://crm.example.com/hook')).toBe('must be an https URL');
  });

  it('X3: the local stack allowance lets its loopback receiver through, over http', () => {
    process.env[ALLOW_LOOPBACK_OUTBOUND_ENV] = '1';
    expect(urlProblem('http://127.0.0.1:4005/webhooks/crm')).toBeUndefined();
    expect(urlProblem('https://10.1.2.3/hook')).toBeDefined();
  });
});
