// Durable outbound delivery (CH3, M3, OP3): a reply the channel could not take now (429, 5xx, no answer) stays
// `queued` with its attempt count and is retried by a durable timer with backoff for up to 24 hours; it becomes
// `failed` only on a permanent error or after the last attempt, with the reason. Every change takes a new ticket `seq`
// (so `sync` returns it) and is pushed as `message.status`.
//
// Never sent twice by two workers: each retry claims its attempt with a conditional write on the message's attempt
// count. After a timeout the outcome is unknown (the channel may have delivered it) and Telegram and WhatsApp take no
// idempotency key, so the rule is: a timed-out attempt is retried once, and the message is marked `possibleDuplicate`
// so operators see it may have arrived twice; a second timeout fails it, saying it may have arrived.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { nextSeq } from '../domain/ticket-change';
import type { Ticket } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { pushToAudiences } from '../realtime/fanout';
import { ticketAudiences } from '../realtime/ticket-events';
import { keys, SEQ_INDEX } from '../store/keys';
import type { Message } from '../store/messages';
import { advanceTicketSeq, getTicket, ticketIdOf } from '../store/tickets';
import { type DueTimer, type TimerJob, timerItem, timerToWrite, wakeIfSoon } from '../store/timers';
import { isConditionFailure, stale, transactWrite, withFreshRead } from '../store/transactions';

export const DELIVERY_RETRY_TIMER = 'delivery.retry';
/** CH3/OP3: how long a reply keeps being retried after it was written. */
export const DELIVERY_RETRY_WINDOW_MS = 24 * 3_600_000;

/** The wait after attempt `attempt` failed: 1, 2, 4 … minutes, at most two hours (about 17 attempts in 24 hours). */
export function deliveryRetryDelayMs(attempt: number): number {
  return Math.min(120, 2 ** Math.max(0, attempt - 1)) * 60_000;
}

/** A delivery attempt that the channel did not take. */
export interface TransientFailure {
  reason: string;
  /** The attempt timed out: the channel may have delivered it. */
  uncertain: boolean;
}

/** What a retry knows of the message it retries. */
interface RetryState {
  deliveryAttempts?: number;
  possibleDuplicate?: boolean;
}

export type RetryDecision = { retryAt: string } | { failed: string };

/** Pure: whether attempt `attempt` (which just failed transiently) earns another, and when. */
export function decideRetry(
  message: Pick<Message, 'createdAt'> & RetryState,
  attempt: number,
  failure: TransientFailure,
  now: Date,
): RetryDecision {
  if (failure.uncertain && message.possibleDuplicate) {
    return { failed: `The channel did not answer twice; the message may have arrived (${failure.reason}).` };
  }
  const retryAt = now.getTime() + deliveryRetryDelayMs(attempt);
  if (retryAt - Date.parse(message.createdAt) > DELIVERY_RETRY_WINDOW_MS) {
    return { failed: `The channel did not take the message for 24 hours: ${failure.reason}` };
  }
  return { retryAt: new Date(retryAt).toISOString() };
}

type RetryTicket = Pick<Ticket, 'ticketId' | 'clientId' | 'number' | 'status' | 'groupId' | 'assigneeId' | 'closedBy'>;

/**
 * Keeps the message queued after attempt `attempt` failed transiently and schedules the next attempt (the message's
 * bookkeeping and its timer in one transaction). Returns the final failure reason instead when no attempt is left.
 */
export async function scheduleRetry(
  message: Message & RetryState,
  ticket: RetryTicket,
  { number: attempt, requireAssignee }: { number: number; requireAssignee: boolean },
  failure: TransientFailure,
  now: Date,
): Promise<{ failed: string } | undefined> {
  const decision = decideRetry(message, attempt, failure, now);
  if ('failed' in decision) return decision;
  const timer: DueTimer = timerToWrite(
    {
      kind: DELIVERY_RETRY_TIMER,
      id: `${message.clientId}#${message.ticketNumber}#${message.messageId}`,
      due: decision.retryAt,
      payload: {
        clientId: message.clientId,
        ticketNumber: message.ticketNumber,
        messageId: message.messageId,
        attempt,
        requireAssignee,
      },
    },
    now,
  );
  const tableName = readConfig().tableName;
  const duplicate = failure.uncertain || message.possibleDuplicate === true;
  // R2: a reply kept queued for a retry is a change of its ticket: the ticket takes the next seq and the message
  // carries it (and its seq-index key), so `sync` returns the retry state as it is pushed.
  const written = await withFreshRead(async () => {
    const current = await getTicket(ticket.ticketId);
    const seq = nextSeq(current);
    await transactWrite([
      {
        item: {
          Update: {
            TableName: tableName,
            Key: keys.message(message.clientId, message.ticketNumber, message.messageId),
            UpdateExpression: `SET deliveryAttempts = :attempt, nextAttemptAt = :next, lastDeliveryError = :reason, seq = :seq, ${
              SEQ_INDEX.sortKey
            } = :bySeq${duplicate ? ', possibleDuplicate = :true' : ''}`,
            ConditionExpression: '#status = :queued',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':attempt': attempt,
              ':next': timer.due,
              ':reason': failure.reason,
              ':queued': 'queued',
              ':seq': seq,
              ':bySeq': keys.messageChange(message.ticketNumber, seq),
              ...(duplicate ? { ':true': true } : {}),
            },
          },
        },
      },
      stale(advanceTicketSeq(current, seq)),
      { item: { Put: { TableName: tableName, Item: timerItem(timer) } } },
    ]);
    return { current, seq };
  });
  await wakeIfSoon([timer], now);
  const author = message.author.kind === 'operator' ? [`operator#${message.author.operatorId}` as const] : [];
  const audiences = [...ticketAudiences(written.current), ...ticketAudiences(ticket as Ticket), ...author];
  await pushToAudiences([...new Set(audiences)], {
    type: 'event',
    event: 'message.status',
    data: {
      ticketId: ticket.ticketId,
      seq: written.seq,
      messageId: message.messageId,
      status: 'queued',
      attempts: attempt,
      nextAttemptAt: timer.due,
      reason: failure.reason,
      ...(duplicate ? { possibleDuplicate: true } : {}),
    },
  });
  return undefined;
}

/** Delivers one message once more; injected so the job does not import the delivery module that imports it. */
export type Redeliver = (
  message: Message & RetryState,
  ticket: Ticket,
  attempt: { number: number; now: Date; requireAssignee: boolean },
) => Promise<unknown>;

/**
 * The retry timer's job: claims the next attempt on the message (so two workers never send it twice), then delivers
 * it again. A message that is no longer queued (delivered meanwhile, failed, or claimed by another worker) is left.
 */
export function deliveryRetryJob(redeliver: Redeliver): TimerJob {
  return async (timer, now) => {
    const { clientId, ticketNumber, messageId, attempt, requireAssignee } = timer.payload as {
      clientId: string;
      ticketNumber: number;
      messageId: string;
      attempt: number;
      requireAssignee: boolean;
    };
    const key = keys.message(clientId, ticketNumber, messageId);
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: readConfig().tableName, Key: key, ConsistentRead: true }),
    );
    if (Item?.status !== 'queued') return;
    const next = attempt + 1;
    // This timer ran before (its claim count says so) and may have claimed the attempt and died mid-send: then it may
    // take its own claim over, and the outcome of that send is unknown. A first run claims exclusively.
    const rerun = (timer.attempts ?? 0) > 0;
    const claimedBefore = rerun && Item.deliveryAttempts === next;
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: readConfig().tableName,
          Key: key,
          UpdateExpression: `SET deliveryAttempts = :next${claimedBefore ? ', possibleDuplicate = :true' : ''}`,
          ConditionExpression: `#status = :queued AND deliveryAttempts ${rerun ? 'IN (:attempt, :next)' : '= :attempt'}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':next': next,
            ':attempt': attempt,
            ':queued': 'queued',
            ...(claimedBefore ? { ':true': true } : {}),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return;
      throw error;
    }
    const message = { ...(Item as unknown as Message & RetryState), deliveryAttempts: next };
    if (claimedBefore) message.possibleDuplicate = true;
    const ticket = await getTicket(ticketIdOf(clientId, ticketNumber));
    await redeliver(message, ticket, { number: next, now, requireAssignee });
  };
}
