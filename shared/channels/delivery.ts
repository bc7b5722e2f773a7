// Outbound delivery (M3, CH3): operator messages start `queued` and are handed to their channel's driver through one
// interface; the outcome moves the message's status forward (never backwards) and is pushed to operators. The
// channel's later delivery reports find the message again through an index written with its external id.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { nextSeq } from '../domain/ticket-change';
import type { Ticket } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { log } from '../platform/log';
import { countMetric, METRIC } from '../platform/metrics';
import { pushToAudiences } from '../realtime/fanout';
import { ticketAudiences } from '../realtime/ticket-events';
import { getChannelWithSecrets } from '../store/channels';
import { type Audience, keys, SEQ_INDEX } from '../store/keys';
import { DELIVERY_STATUSES, type DeliveryStatus, type Message } from '../store/messages';
import { advanceTicketSeq, getTicket, readClientHead, ticketIdOf } from '../store/tickets';
import { isConditionFailure, stale, type TransactStep, transactWrite, withFreshRead } from '../store/transactions';
import { scheduleRetry } from './delivery-retries';
import type { DeliveryOutcome } from './driver';
import { channelDrivers } from './drivers';
import { ChannelUnreachable } from './outbound-http';
import { OutboundUrlRefused } from './outbound-url';

/** M3: the reason a reply fails when its author lost the ticket between writing and delivery. */
export const NOT_ASSIGNED_REASON = 'The ticket is no longer assigned to you.';
/** Delivery reports arrive within days; one for a message older than this is ignored. */
const OUTBOUND_INDEX_DAYS = 90;

/** Which attempt this is (1 in the request, then the retries) and what the first attempt decided. */
export interface DeliveryAttempt {
  number: number;
  now: Date;
  /** The reply was written by the ticket's assignee, so it goes out only while the ticket is still theirs. */
  requireAssignee?: boolean;
}

/**
 * Hands one operator message to its channel's driver and records the outcome.
 *
 * The ticket is read again first (it may have moved while the message was written): a reply written by the ticket's
 * assignee fails with NOT_ASSIGNED_REASON unless the ticket is still `in_progress` for that operator. A reply written
 * by staff to a ticket that was not theirs (allowed by the policy) never depended on the assignment, so it is not
 * checked. The author is told of the outcome even when the ticket has moved out of their sight.
 */
export async function deliverOperatorMessage(
  message: Message,
  ticket: Ticket,
  attempt: DeliveryAttempt = { number: 1, now: new Date() },
): Promise<DeliveryStatus> {
  const [channel, head] = await Promise.all([getChannelWithSecrets(ticket.channelId), readClientHead(ticket.clientId)]);
  // A newer ticket of the client exists only once this one closed.
  const current = head.latest?.number === ticket.number ? head.latest : undefined;
  const author = message.author.kind === 'operator' ? message.author.operatorId : undefined;
  const driver = channel ? channelDrivers[channel.kind] : undefined;
  // Decided on the ticket as the message was written, and carried to retries, which only see the ticket as it is now.
  const requireAssignee = attempt.requireAssignee ?? (author !== undefined && isAssignedTo(ticket, author));
  let outcome: DeliveryOutcome;
  let uncertain = false;
  /** The channel kind when the driver was called: only its answer counts in the delivery metrics. */
  let reachedChannel: string | undefined;
  if (!channel || !head.client) {
    outcome = { status: 'failed', reason: 'The client or its channel no longer exists.' };
  } else if (author && requireAssignee && !(current && isAssignedTo(current, author))) {
    outcome = { status: 'failed', reason: NOT_ASSIGNED_REASON };
  } else if (!driver) {
    outcome = { status: 'queued' };
  } else {
    reachedChannel = channel.kind;
    try {
      outcome = await driver.deliver({ message, ticket: current ?? ticket, client: head.client, channel });
    } catch (error) {
      const unreachable = error instanceof ChannelUnreachable;
      uncertain = unreachable && error.uncertain;
      // X3: final, not retried — the same URL would be refused again; the admin must change the channel's URL.
      if (error instanceof OutboundUrlRefused)
        log.warn('outbound URL refused', { code: error.code, channelId: channel.channelId });
      outcome = { status: 'failed', reason: `Channel error: ${(error as Error).message}`, transient: unreachable };
    }
  }
  if (outcome.status === 'queued') return 'queued';
  if (outcome.status === 'failed' && outcome.transient) {
    // CH3/OP3: the channel may take it later; a timer retries it (shared/channels/delivery-retries.ts).
    const final = await scheduleRetry(
      message,
      current ?? ticket,
      { number: attempt.number, requireAssignee },
      { reason: outcome.reason, uncertain },
      attempt.now,
    );
    if (!final) return 'queued';
    outcome = { status: 'failed', reason: final.failed };
  }
  if (reachedChannel && outcome.status === 'failed') {
    countMetric(METRIC.deliveryFailures, 1, reachedChannel);
    log.warn('delivery failed', { ticketId: ticket.ticketId, messageId: message.messageId });
  } else if (reachedChannel) countMetric(METRIC.messagesOut, 1, reachedChannel);
  await recordDeliveryStatus(current ?? ticket, message.messageId, outcome, author ? [`operator#${author}`] : []);
  return outcome.status;
}

const isAssignedTo = (ticket: Ticket, operatorId: string) =>
  ticket.status === 'in_progress' && ticket.assigneeId === operatorId;

export type ReportResult = 'recorded' | 'unchanged' | 'unknown';

/**
 * CH3: a channel's delivery report for a message it sent, found by the id the channel gave it. Idempotent: a repeated
 * or out-of-order report leaves the furthest status in place and pushes nothing.
 */
export async function recordChannelReport(
  channelId: string,
  externalId: string,
  report: { status: Exclude<DeliveryStatus, 'queued'>; reason?: string },
): Promise<ReportResult> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.outboundMessage(channelId, externalId) }),
  );
  if (!Item || (typeof Item.expiresAt === 'number' && Item.expiresAt * 1000 < Date.now())) return 'unknown';
  const ticket = await getTicket(ticketIdOf(Item.clientId as string, Item.ticketNumber as number));
  const messageId = Item.messageId as string;
  const reported =
    report.status === 'failed'
      ? { status: 'failed' as const, reason: report.reason ?? 'Not delivered.' }
      : { status: report.status };
  const outcome = Item.part ? await recordPartReport(ticket, messageId, externalId, reported) : reported;
  if (!outcome) return 'unchanged';
  return (await recordDeliveryStatus(ticket, messageId, outcome)) ? 'recorded' : 'unchanged';
}

/**
 * M3 for a reply sent as several channel messages: the report moves its own part forward, and the reply's status is
 * then the least advanced part (`failed` if any failed). Undefined when the part was already this far.
 */
async function recordPartReport(
  ticket: Pick<Ticket, 'clientId' | 'number'>,
  messageId: string,
  partId: string,
  report: { status: Exclude<DeliveryStatus, 'queued'>; reason?: string },
): Promise<{ status: Exclude<DeliveryStatus, 'queued'>; reason?: string } | undefined> {
  const earlier = DELIVERY_STATUSES.filter((status) => rank(status) < rank(report.status));
  const values: Record<string, unknown> = { ':status': report.status };
  earlier.forEach((status, index) => {
    values[`:e${index}`] = status;
  });
  try {
    const { Attributes } = await dynamo().send(
      new UpdateCommand({
        TableName: readConfig().tableName,
        Key: keys.message(ticket.clientId, ticket.number, messageId),
        UpdateExpression: 'SET partStatuses.#part = :status',
        ConditionExpression: `partStatuses.#part IN (${earlier.map((_, i) => `:e${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#part': partId },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    const parts = Object.values((Attributes?.partStatuses ?? {}) as Record<string, DeliveryStatus>);
    if (parts.includes('failed')) return { status: 'failed', reason: report.reason ?? 'A part was not delivered.' };
    const least = parts.reduce((worst, status) => (rank(status) < rank(worst) ? status : worst), report.status);
    return least === 'queued' ? undefined : { status: least };
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

const rank = (status: DeliveryStatus) => (status === 'failed' ? 99 : DELIVERY_STATUSES.indexOf(status));

/**
 * Moves a message's status forward: reports may arrive out of order and twice, so the write is conditioned on the
 * stored status being earlier; a stale or repeated report changes nothing and pushes nothing. A status that moves is
 * a change of its ticket (R2): the ticket takes the next seq and the message carries it, so `sync` returns it.
 */
export async function recordDeliveryStatus(
  ticket: Pick<
    Ticket,
    'ticketId' | 'clientId' | 'channelId' | 'number' | 'status' | 'groupId' | 'assigneeId' | 'closedBy'
  >,
  messageId: string,
  outcome: { status: Exclude<DeliveryStatus, 'queued'>; reason?: string; externalId?: string; partIds?: string[] },
  alsoNotify: readonly Audience[] = [],
): Promise<boolean> {
  const earlier = DELIVERY_STATUSES.filter((status) => rank(status) < rank(outcome.status));
  let written: { current: Ticket; seq: number };
  try {
    written = await withFreshRead(async () => {
      const current = await getTicket(ticket.ticketId);
      const seq = nextSeq(current);
      const values: Record<string, unknown> = {
        ':status': outcome.status,
        ':seq': seq,
        ':bySeq': keys.messageChange(current.number, seq),
      };
      earlier.forEach((status, index) => {
        values[`:e${index}`] = status;
      });
      const sets = ['#status = :status', 'seq = :seq', `${SEQ_INDEX.sortKey} = :bySeq`];
      if (outcome.status === 'failed' && outcome.reason) {
        sets.push('failureReason = :reason');
        values[':reason'] = outcome.reason;
      }
      if (outcome.externalId) {
        sets.push('externalId = :externalId');
        values[':externalId'] = outcome.externalId;
      }
      const partIds = outcome.partIds && outcome.partIds.length > 1 ? outcome.partIds : [];
      if (partIds.length > 0) {
        sets.push('partStatuses = :parts');
        values[':parts'] = Object.fromEntries(partIds.map((id) => [id, outcome.status]));
      }
      const update = {
        TableName: readConfig().tableName,
        Key: keys.message(current.clientId, current.number, messageId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `attribute_exists(pk) AND #status IN (${earlier.map((_, i) => `:e${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      };
      const steps: TransactStep[] = [
        { item: { Update: update }, onConditionFailed: () => new NotForward() },
        stale(advanceTicketSeq(current, seq)),
      ];
      // One transaction: the index never points at a message that does not carry this external id.
      if (outcome.externalId) {
        const indexed = partIds.length > 0 ? partIds : [outcome.externalId];
        steps.push(
          ...indexed.map((id) => ({ item: { Put: outboundIndexItem(current, messageId, id, partIds.length > 0) } })),
        );
      }
      await transactWrite(steps);
      return { current, seq };
    });
  } catch (error) {
    if (error instanceof NotForward) return false;
    throw error;
  }
  const data = {
    ticketId: ticket.ticketId,
    seq: written.seq,
    messageId,
    status: outcome.status,
    ...(outcome.status === 'failed' && outcome.reason ? { reason: outcome.reason } : {}),
  };
  const audiences = [...ticketAudiences(written.current), ...ticketAudiences(ticket as Ticket), ...alsoNotify];
  await pushToAudiences([...new Set(audiences)], { type: 'event', event: 'message.status', data });
  return true;
}

/** The stored status is already this far or further along. */
class NotForward extends Error {}

function outboundIndexItem(
  ticket: Pick<Ticket, 'clientId' | 'channelId' | 'number'>,
  messageId: string,
  externalId: string,
  part: boolean,
) {
  return {
    TableName: readConfig().tableName,
    Item: {
      ...keys.outboundMessage(ticket.channelId, externalId),
      type: 'outboundMessage',
      clientId: ticket.clientId,
      ticketNumber: ticket.number,
      messageId,
      // One of several channel messages of one reply (files, a long text): reports count per part.
      ...(part ? { part: true } : {}),
      expiresAt: Math.floor(Date.now() / 1000) + OUTBOUND_INDEX_DAYS * 86_400,
    },
  };
}
