// The outgoing webhook delivery worker (W1, W2, OP3): every minute, each enabled endpoint's due work is claimed by
// move (as durable timers are) and its events are posted, signed like the `api` channel, one at a time and in order.
// Endpoints run side by side, so a slow or failing one never delays another; a failing one is tried at most once per
// run and its events wait with exponential backoff (at least 24 hours of retries). A 4xx other than 408 and 429
// fails that event; a 410 disables the endpoint, as does a URL the outbound-URL guard refuses at send time (its host
// resolves to a private address); 3 days of failures without a success disable it too.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { answerDetail, ChannelUnreachable, postJson } from '../channels/outbound-http';
import { OutboundUrlRefused } from '../channels/outbound-url';
import { SIGNATURE_HEADERS, signTimestamped } from '../channels/signatures';
import {
  ATTEMPT_TIMEOUT_MS,
  type AttemptOutcome,
  disableReasonAfterFailures,
  nextAttempt,
  outcomeOfStatus,
  retryAfterMsOf,
  type WebhookEvent,
} from '../domain/webhooks';
import { errorFields, log } from '../platform/log';
import { countMetric, METRIC } from '../platform/metrics';
import {
  allWebhookEndpoints,
  claimWebhookWork,
  disableWebhookEndpoint,
  dropWebhookWork,
  dueWebhookWork,
  getWebhookEvent,
  getWebhookSecret,
  logWebhookAttempt,
  noteWebhookFailure,
  noteWebhookSuccess,
  scheduleWebhookWork,
  settleWebhookEvent,
  type WebhookAttempt,
  type WebhookDueWork,
  type WebhookEndpoint,
  type WebhookEventState,
} from '../store/webhooks';

export const EVENT_ID_HEADER = 'x-switchboard-event-id';
export const EVENT_TYPE_HEADER = 'x-switchboard-event-type';

/** Items of due work one endpoint takes per run (each holds up to 100 events). */
const WORK_PER_RUN = 10;
/** A claim's lease: claimed work that was not finished (the worker died) fires again after this. */
const LEASE_MS = 5 * 60_000;
/** Work whose worker died this many times is given up, its events failed with the reason. */
const MAX_CLAIMS = 10;
/**
 * Real time one run may spend posting (the timers function has 60 s): past it, no new post starts, and unposted events
 * of claimed work go back as work due now, for the next run.
 */
export const RUN_BUDGET_MS = 40_000;
/** How long work waits for an event record it names that is not written yet (its batch is being projected). */
const RECORD_GRACE_MS = 10 * 60_000;

export interface DeliveryRunResult {
  endpoints: number;
  delivered: number;
  retried: number;
  failed: number;
  disabled: number;
}

const emptyResult = (): DeliveryRunResult => ({ endpoints: 0, delivered: 0, retried: 0, failed: 0, disabled: 0 });

/** The body a receiver gets, exactly as signed. */
export function webhookBody(event: WebhookEvent): Buffer {
  return Buffer.from(
    JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data }),
    'utf8',
  );
}

/** One run over every enabled endpoint, side by side, within `budgetMs` of real time. */
export async function deliverDueWebhooks(now: Date, budgetMs = RUN_BUDGET_MS): Promise<DeliveryRunResult> {
  const deadline = performance.now() + budgetMs;
  const endpoints = (await allWebhookEndpoints()).filter((endpoint) => endpoint.enabled);
  const runs = await Promise.all(
    endpoints.map((endpoint) =>
      drainEndpoint(endpoint, now, deadline).catch((error: unknown) => {
        // The claimed work stays leased and is taken again after the lease.
        log.error('webhook delivery run failed for an endpoint', {
          webhookId: endpoint.webhookId,
          ...errorFields(error),
        });
        return emptyResult();
      }),
    ),
  );
  const total = emptyResult();
  total.endpoints = endpoints.length;
  for (const run of runs) {
    total.delivered += run.delivered;
    total.retried += run.retried;
    total.failed += run.failed;
    total.disabled += run.disabled;
  }
  return total;
}

async function drainEndpoint(endpoint: WebhookEndpoint, now: Date, deadline: number): Promise<DeliveryRunResult> {
  const result = emptyResult();
  const due = await dueWebhookWork(endpoint.webhookId, now, WORK_PER_RUN);
  if (due.length === 0) return result;
  // Read only when there is work: an idle endpoint costs one Query a minute.
  const secret = await getWebhookSecret(endpoint.webhookId);
  if (!secret) {
    log.error('webhook endpoint has no secret; nothing is posted', { webhookId: endpoint.webhookId });
    return result;
  }
  const state: EndpointRunState = { failing: endpoint.failingSince !== undefined, stopped: false, deadline };
  for (const work of due) {
    if (performance.now() >= deadline) break;
    const lease: WebhookDueWork = {
      ...work,
      due: new Date(now.getTime() + LEASE_MS).toISOString(),
      claims: work.claims + 1,
    };
    if (!(await claimWebhookWork(work, lease, now))) continue;
    if (work.claims >= MAX_CLAIMS) {
      await giveUpWork(endpoint, work, now, result);
    } else {
      await runWork(endpoint, secret, work, now, result, state);
    }
    await dropWebhookWork(lease);
    if (state.stopped) break;
  }
  return result;
}

interface EndpointRunState {
  /** The endpoint has a failing streak to end on its next success. */
  failing: boolean;
  /** No more posts to this endpoint in this run (it failed, was disabled, or the run's time is up). */
  stopped: boolean;
  /** performance.now() past which no post starts. */
  deadline: number;
}

async function runWork(
  endpoint: WebhookEndpoint,
  secret: string,
  work: WebhookDueWork,
  now: Date,
  result: DeliveryRunResult,
  state: EndpointRunState,
): Promise<void> {
  const { webhookId } = endpoint;
  for (const [index, eventId] of work.eventIds.entries()) {
    const event = await getWebhookEvent(webhookId, eventId);
    if (!event) {
      // Its batch writes the work before the records: wait a little for it, then let it go (expired or never written).
      if (now.getTime() - Date.parse(work.due) < RECORD_GRACE_MS) {
        await scheduleWebhookWork({ ...work, workId: freshWorkId('wait'), eventIds: [eventId], claims: 0 }, now);
      }
      continue;
    }
    if (event.state !== 'pending') continue;
    if (performance.now() >= state.deadline) {
      await keepForLater(work, work.eventIds.slice(index), now);
      state.stopped = true;
      return;
    }
    const attempt = event.attempts + 1;
    const { outcome, status, latencyMs } = await post(endpoint.url, secret, event, now);
    const at = now.toISOString();
    const common = { eventId, eventType: event.type, at, latencyMs, ...(status === undefined ? {} : { status }) };
    /** The event's new state (with the error it shows, if any) and the attempt's line in the endpoint's log. */
    const settle = async (
      settled: { state: WebhookEventState; error?: string },
      logged: Omit<WebhookAttempt, keyof typeof common>,
    ) => {
      await settleWebhookEvent(webhookId, eventId, { ...settled, attempts: attempt, ...statusOf(status), at });
      await logWebhookAttempt(webhookId, { ...common, ...logged }, now);
    };
    if (outcome.kind === 'delivered') {
      await settle({ state: 'delivered' }, { outcome: 'delivered' });
      if (state.failing) {
        await noteWebhookSuccess(webhookId);
        state.failing = false;
      }
      result.delivered++;
      continue;
    }
    if (outcome.kind === 'failed') {
      await settle({ state: 'failed', error: outcome.reason }, { outcome: 'failed', error: outcome.reason });
      countMetric(METRIC.undeliverableWork);
      result.failed++;
      continue;
    }
    const rest = work.eventIds.slice(index + 1);
    if (outcome.kind === 'gone' || outcome.kind === 'refused') {
      await settle({ state: 'failed', error: outcome.reason }, { outcome: outcome.kind, error: outcome.reason });
      const reason =
        outcome.kind === 'gone'
          ? `Disabled automatically at ${at}: the endpoint answered ${outcome.reason} (410 Gone: it no longer exists).`
          : `Disabled automatically at ${at}: ${outcome.reason}; change the URL to a public https address.`;
      if (await disableWebhookEndpoint(webhookId, reason, now)) result.disabled++;
      log.warn('webhook endpoint disabled', { webhookId, reason });
      // The rest stay pending and are posted once the endpoint is enabled again.
      await keepForLater(work, rest, now);
      result.failed++;
      state.stopped = true;
      return;
    }
    // A transient failure: this event and the rest of the work wait for the event's next attempt.
    const next = nextAttempt(event, attempt, outcome.retryAfterMs, now);
    if ('givenUp' in next) {
      await settle(
        { state: 'failed', error: `${next.givenUp} Last error ${outcome.reason}` },
        { outcome: 'given_up', error: outcome.reason },
      );
      countMetric(METRIC.undeliverableWork);
      result.failed++;
    } else {
      await settle(
        { state: 'pending', error: outcome.reason },
        { outcome: 'retry', error: outcome.reason, nextAttemptAt: next.retryAt },
      );
      result.retried++;
    }
    const waiting = 'givenUp' in next ? rest : [eventId, ...rest];
    if (waiting.length) {
      const due = 'retryAt' in next ? next.retryAt : now.toISOString();
      await scheduleWebhookWork({ ...work, due, workId: freshWorkId('retry'), eventIds: waiting, claims: 0 }, now);
    }
    const failing = await noteWebhookFailure(webhookId, outcome.reason, now);
    state.failing = true;
    const disable = failing.failingSince && disableReasonAfterFailures(failing.failingSince, outcome.reason, now);
    if (disable && (await disableWebhookEndpoint(webhookId, disable, now))) {
      log.warn('webhook endpoint disabled', { webhookId, reason: disable });
      countMetric(METRIC.undeliverableWork);
      result.disabled++;
    }
    state.stopped = true;
    return;
  }
}

/** Work written by a run gets its own id, so it never shares a key with the lease the run drops at its end. */
const freshWorkId = (why: string) => `${why}#${randomBytes(6).toString('hex')}`;

const statusOf = (status: number | undefined) => (status === undefined ? {} : { status });

/** Events of work not yet tried stay due (now): they go out when the endpoint is enabled again. */
async function keepForLater(work: WebhookDueWork, eventIds: string[], now: Date): Promise<void> {
  if (eventIds.length === 0) return;
  await scheduleWebhookWork(
    { ...work, due: now.toISOString(), workId: freshWorkId('later'), eventIds, claims: 0 },
    now,
  );
}

/** Work claimed MAX_CLAIMS times never finished: its pending events fail, with the reason, visibly. */
async function giveUpWork(endpoint: WebhookEndpoint, work: WebhookDueWork, now: Date, result: DeliveryRunResult) {
  const reason = `The delivery worker stopped ${work.claims} times while posting this event; it was given up.`;
  for (const eventId of work.eventIds) {
    const event = await getWebhookEvent(endpoint.webhookId, eventId);
    if (event?.state !== 'pending') continue;
    await settleWebhookEvent(endpoint.webhookId, eventId, {
      state: 'failed',
      attempts: event.attempts,
      error: reason,
      at: now.toISOString(),
    });
    await logWebhookAttempt(
      endpoint.webhookId,
      { eventId, eventType: event.type, at: now.toISOString(), latencyMs: 0, outcome: 'given_up', error: reason },
      now,
    );
    result.failed++;
  }
  countMetric(METRIC.undeliverableWork);
  log.error('webhook work given up', { webhookId: endpoint.webhookId, workId: work.workId, reason });
}

/** One signed POST with a timeout; what it came to, its status and how long it took. */
async function post(
  url: string,
  secret: string,
  event: WebhookEvent,
  now: Date,
): Promise<{ outcome: AttemptOutcome; status?: number; latencyMs: number }> {
  const body = webhookBody(event);
  const timestamp = Math.floor(now.getTime() / 1000);
  const started = performance.now();
  try {
    const answer = await postJson(url, body, {
      attempts: 1,
      attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
      totalBudgetMs: ATTEMPT_TIMEOUT_MS,
      headers: {
        [SIGNATURE_HEADERS.timestamp]: String(timestamp),
        [SIGNATURE_HEADERS.signature]: signTimestamped(secret, timestamp, body),
        [EVENT_ID_HEADER]: event.id,
        [EVENT_TYPE_HEADER]: event.type,
        'user-agent': 'Switchboard-Webhooks/1',
      },
    });
    const latencyMs = Math.round(performance.now() - started);
    const outcome = outcomeOfStatus(answer.status, answerDetail(answer), retryAfterMsOf(answer.retryAfter, now));
    return { outcome, status: answer.status, latencyMs };
  } catch (error) {
    const latencyMs = Math.round(performance.now() - started);
    if (error instanceof OutboundUrlRefused) return { outcome: { kind: 'refused', reason: error.message }, latencyMs };
    const reason =
      error instanceof ChannelUnreachable
        ? error.uncertain
          ? `timeout: no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`
          : `unreachable: ${error.message.replace(/^the channel could not be reached /, '')}`
        : `unreachable: ${(error as Error).message}`;
    return { outcome: { kind: 'retry', reason }, latencyMs };
  }
}
