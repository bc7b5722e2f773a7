// Ingest (T1, T3, T12, CH2): one normalized client message from any channel → client upserted, the open ticket found
// or a new one opened and routed, the message stored, counters moved — in one transaction decided from one read, and
// retried from a fresh read if anything changed meanwhile. Then the change is pushed to whoever may see it.

import { notFound } from '../domain/errors';
import { type RoutingCandidate, type RoutingDecision, routeTicket } from '../domain/routing';
import { previewOf, type SystemNote, type Ticket } from '../domain/ticket-rules';
import { readConfig } from '../platform/config';
import { connectionIdsOf } from '../realtime/connections';
import { publishTicketChange } from '../realtime/ticket-events';
import { type Channel, getChannel } from '../store/channels';
import { type ClientType, clientIdFor, clientItem } from '../store/clients';
import { getGroup, operatorsOfGroup } from '../store/groups';
import { keys } from '../store/keys';
import {
  type Attachment,
  type Message,
  type MessageKind,
  newMessageId,
  putMessage,
  type SkippedAttachment,
} from '../store/messages';
import { getOperator } from '../store/operators';
import { consentRequiredFor, readSettings } from '../store/settings';
import {
  allocateTicketNumber,
  type ClientRecord,
  counterDeltas,
  counterUpdates,
  getOperatorCounters,
  markClientConsented,
  markClientOpenTicket,
  putTicketIfUnchanged,
  readClientHead,
  recordRoutedAt,
  ticketIdOf,
} from '../store/tickets';
import { stale, type TransactStep, transactWrite, withFreshRead } from '../store/transactions';
import { autoCloseTimerStep, periodsFor } from './auto-close';
import { type ConsentRequest, deliverConsentRequest } from './consent';

export interface InboundMessage {
  channelId: string;
  /** C1: the channel's user id (Telegram chat id, WhatsApp phone, widget visitor id…). */
  externalUserId: string;
  /** The name the channel gives the client; kept as the original name. */
  name: string;
  clientType: ClientType;
  kind: Exclude<MessageKind, 'system'>;
  text?: string;
  attachments?: Attachment[];
  /** A1: media the channel announced that was not stored, and why. */
  skippedAttachments?: SkippedAttachment[];
  /** CH2: the channel's id for this message; a redelivery with the same id is acknowledged and stored once. */
  externalMessageId?: string;
  receivedAt: Date;
}

export interface IngestResult {
  duplicate: boolean;
  clientId: string;
  ticket?: Ticket;
  message?: Message;
  opened: boolean;
  /** C6: the client is blacklisted; the message was stored and reached no operator. */
  blacklisted?: boolean;
  /** P1: a new client was asked for consent; the dialog reaches operators once it writes again. */
  consentRequested?: boolean;
}

/** How long a channel message id is remembered for dedupe (channels redeliver within hours, not days). */
export const DEDUPE_DAYS = 7;
/** Many messages of one client at once contend on its ticket; each round lets at least one through. */
const INGEST_ATTEMPTS = 40;

class DuplicateDelivery extends Error {}

export async function ingestClientMessage(input: InboundMessage): Promise<IngestResult> {
  const clientId = clientIdFor(input.channelId, input.externalUserId);
  try {
    const result = await withFreshRead(() => ingestOnce(clientId, input), INGEST_ATTEMPTS);
    if ('blacklisted' in result)
      return { duplicate: false, clientId, message: result.message, opened: false, blacklisted: true };
    if ('consentRequest' in result) {
      await deliverConsentRequest(result.consentRequest);
      return { duplicate: false, clientId, message: result.message, opened: false, consentRequested: true };
    }
    await publishTicketChange(result.before, result.ticket, result.messages);
    return { duplicate: false, clientId, ticket: result.ticket, message: result.message, opened: !result.before };
  } catch (error) {
    if (error instanceof DuplicateDelivery) return { duplicate: true, clientId, opened: false };
    throw error;
  }
}

interface Written {
  before: Ticket | undefined;
  ticket: Ticket;
  message: Message;
  messages: Message[];
}

async function ingestOnce(
  clientId: string,
  input: InboundMessage,
): Promise<Written | { blacklisted: true; message: Message } | BeforeConsent> {
  const head = await readClientHead(clientId);
  if (head.client?.blacklisted) return storeBlacklisted(clientId, head.latest, input);
  if (!head.client) {
    const settings = await readSettings();
    if (consentRequiredFor(settings, input.channelId)) return askConsent(clientId, input, settings.privacyConsent);
  }
  const now = input.receivedAt.toISOString();
  const open = head.latest && head.latest.status !== 'closed' ? head.latest : undefined;
  // P1: a client that was asked for consent already has its first messages under a reserved ticket number.
  const pending = open ? undefined : head.client?.consent === 'requested' ? head.client.pendingTicketNumber : undefined;
  const number = open?.number ?? pending ?? (await allocateTicketNumber());
  const message = clientMessage(clientId, number, 0, input);
  const steps: TransactStep[] = [];
  if (input.externalMessageId) steps.push(dedupeStep(input.channelId, input.externalMessageId, input.receivedAt));
  const preview = previewOf(input.text ?? input.attachments?.[0]?.name ?? input.kind);

  if (open) {
    const ticket: Ticket = {
      ...open,
      seq: open.seq + 1,
      lastMessageAt: now,
      lastMessagePreview: preview,
      lastMessageFromOperator: false,
      unreadCount: open.unreadCount + 1,
      messageCount: open.messageCount + 1,
    };
    message.seq = ticket.seq;
    steps.push(stale(putTicketIfUnchanged(ticket, open.seq)), stale(putMessage(message)));
    steps.push(...counterUpdates(counterDeltas(open, ticket)).map(stale));
    await transactWrite(steps);
    return { before: open, ticket, message, messages: [message] };
  }

  const channel = await getChannel(input.channelId);
  if (!channel) throw notFound(`Channel ${input.channelId} does not exist.`);
  const routing = await routeFor(head.client?.pinnedTo, channel);
  const ticketId = ticketIdOf(clientId, number);
  const ticket: Ticket = {
    ticketId,
    number,
    clientId,
    clientName: head.client?.name ?? input.name,
    channelId: input.channelId,
    status: routing.status,
    groupId: routing.groupId,
    ...(routing.status === 'in_progress' ? { assigneeId: routing.assigneeId } : {}),
    openedAt: now,
    statusChangedAt: now,
    lastMessageAt: now,
    lastMessagePreview: preview,
    lastMessageFromOperator: false,
    // Before consent the client wrote once and was answered by the consent request: both are in this ticket.
    unreadCount: pending ? 2 : 1,
    messageCount: pending ? 3 : 1,
    seq: 2,
  };
  const opened: Message = {
    messageId: newMessageId(input.receivedAt),
    ticketId,
    ticketNumber: number,
    clientId,
    author: { kind: 'system' },
    kind: 'system',
    text: openedText(routing),
    note: openedNote(routing),
    createdAt: now,
    seq: 1,
  };
  message.seq = 2;
  message.messageId = newMessageId(input.receivedAt);
  steps.push(stale(putTicketIfUnchanged(ticket, undefined)), stale(clientStep(head.client, clientId, input, number)));
  steps.push({
    item: { Put: { TableName: table(), Item: { ...keys.ticketNumber(number), type: 'ticketNumber', clientId } } },
  });
  steps.push(stale(putMessage(opened)), stale(putMessage(message)));
  if (head.latest) {
    // The previous ticket stops being the client's latest: it leaves its closer's Closed tab (L1).
    steps.push(stale(putTicketIfUnchanged(head.latest, head.latest.seq, false)));
  }
  const capacity = routing.status === 'in_progress' && routing.reason !== 'pinned' ? routing.capacity : undefined;
  steps.push(...counterUpdates(counterDeltas(undefined, ticket), () => capacity).map(stale));
  steps.push(autoCloseTimerStep(ticket, await periodsFor(ticket)));
  await transactWrite(steps);
  if (routing.status === 'in_progress' && routing.reason !== 'pinned') await recordRoutedAt(routing.assigneeId, now);
  return { before: undefined, ticket, message, messages: [opened, message] };
}

/** A client's message as stored; `seq` is the ticket's sequence number it is written with. */
function clientMessage(clientId: string, ticketNumber: number, seq: number, input: InboundMessage): Message {
  return {
    messageId: newMessageId(input.receivedAt),
    ticketId: ticketIdOf(clientId, ticketNumber),
    ticketNumber,
    clientId,
    author: { kind: 'client' },
    kind: input.kind,
    createdAt: input.receivedAt.toISOString(),
    seq,
    ...(input.text ? { text: input.text } : {}),
    ...(input.attachments?.length ? { attachments: input.attachments } : {}),
    ...(input.skippedAttachments?.length ? { skippedAttachments: input.skippedAttachments } : {}),
    ...(input.externalMessageId ? { externalId: input.externalMessageId } : {}),
  };
}

/**
 * C6: a blacklisted client's message is kept (in its latest ticket's history, without touching the ticket) so
 * nothing is lost if it is unblocked, but it opens nothing, routes nowhere and is pushed to nobody.
 */
async function storeBlacklisted(clientId: string, latest: Ticket | undefined, input: InboundMessage) {
  const number = latest?.number ?? 0;
  const message = clientMessage(clientId, number, latest?.seq ?? 0, input);
  const steps: TransactStep[] = [{ item: putMessage(message) }];
  if (input.externalMessageId) steps.push(dedupeStep(input.channelId, input.externalMessageId, input.receivedAt));
  await transactWrite(steps);
  return { blacklisted: true as const, message };
}

type Routed = RoutingDecision & { capacity?: number };

/** T3 inputs: the pinned operator (if still enabled), else the channel's default group and its online operators. */
async function routeFor(pinnedTo: string | undefined, channel: Channel): Promise<Routed> {
  const groupId = channel.defaultGroupId;
  if (pinnedTo && (await getOperator(pinnedTo))?.enabled) {
    return routeTicket({ groupId, strategy: 'manual', pinnedTo, candidates: [] });
  }
  const group = await getGroup(groupId);
  const strategy = group?.strategy ?? 'manual';
  if (strategy === 'manual') return routeTicket({ groupId, strategy, candidates: [] });
  const candidates = await Promise.all(
    (await operatorsOfGroup(groupId)).map(async (operatorId): Promise<RoutingCandidate | undefined> => {
      const [operator, counters, connections] = await Promise.all([
        getOperator(operatorId),
        getOperatorCounters(operatorId),
        connectionIdsOf(`operator#${operatorId}`),
      ]);
      if (!operator) return undefined;
      return {
        operatorId,
        online: connections.length > 0,
        enabled: operator.enabled,
        inProgress: counters.inProgress,
        capacity: operator.capacity,
        ...(counters.lastRoutedAt ? { lastRoutedAt: counters.lastRoutedAt } : {}),
      };
    }),
  );
  const present = candidates.filter((c): c is RoutingCandidate => c !== undefined);
  const decision = routeTicket({ groupId, strategy, candidates: present });
  if (decision.status !== 'in_progress') return decision;
  return { ...decision, capacity: present.find((c) => c.operatorId === decision.assigneeId)?.capacity ?? 0 };
}

function openedText(routing: RoutingDecision): string {
  return routing.status === 'in_progress' ? 'Ticket opened and assigned' : 'Ticket opened';
}

function openedNote(routing: RoutingDecision): SystemNote {
  const params: Record<string, string> = { groupId: routing.groupId, reason: routing.reason };
  if (routing.status === 'in_progress') params.operatorId = routing.assigneeId;
  return { code: 'opened', text: openedText(routing), params };
}

/** C1: a client first seen now, named as its channel names it (kept as the original name). */
function newClientItem(clientId: string, input: InboundMessage): Record<string, unknown> {
  return clientItem({
    clientId,
    channelId: input.channelId,
    externalId: input.externalUserId,
    type: input.clientType,
    originalName: input.name,
    name: input.name,
    createdAt: input.receivedAt.toISOString(),
  });
}

/** The client item: created on its first message (C1), else marked as having this open ticket (T12 count). */
function clientStep(client: ClientRecord | undefined, clientId: string, input: InboundMessage, number: number) {
  if (!client) {
    return {
      Put: {
        TableName: table(),
        Item: { ...newClientItem(clientId, input), ticketCount: 1, openTicketNumber: number },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
  // P1: writing again after the consent request is the agreement.
  if (client.consent === 'requested') return markClientConsented(clientId, number, input.receivedAt);
  return markClientOpenTicket(clientId, number);
}

interface BeforeConsent {
  message: Message;
  consentRequest: ConsentRequest;
}

/**
 * P1: a new client on a channel that asks for consent gets the consent text and policy link from the bot; its message
 * is kept under a reserved ticket number and reaches no operator until it writes again.
 */
async function askConsent(
  clientId: string,
  input: InboundMessage,
  consent: { text: string; policyUrl?: string | undefined },
): Promise<BeforeConsent> {
  const number = await allocateTicketNumber();
  const message = clientMessage(clientId, number, 0, input);
  const request: Message = {
    messageId: newMessageId(input.receivedAt),
    ticketId: ticketIdOf(clientId, number),
    ticketNumber: number,
    clientId,
    author: { kind: 'bot', name: 'Switchboard' },
    kind: 'text',
    text: consent.policyUrl ? `${consent.text}\n${consent.policyUrl}` : consent.text,
    status: 'queued',
    createdAt: input.receivedAt.toISOString(),
    seq: 0,
  };
  const steps: TransactStep[] = [
    stale({
      Put: {
        TableName: table(),
        Item: { ...newClientItem(clientId, input), ticketCount: 0, consent: 'requested', pendingTicketNumber: number },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
    { item: putMessage(message) },
    { item: putMessage(request) },
  ];
  if (input.externalMessageId) steps.push(dedupeStep(input.channelId, input.externalMessageId, input.receivedAt));
  await transactWrite(steps);
  return { message, consentRequest: { message: request, channelId: input.channelId } };
}

function dedupeStep(channelId: string, externalMessageId: string, at: Date): TransactStep {
  const nowSeconds = Math.floor(at.getTime() / 1000);
  return {
    item: {
      Put: {
        TableName: table(),
        Item: {
          ...keys.inboundDedupe(channelId, externalMessageId),
          type: 'inboundDedupe',
          expiresAt: nowSeconds + DEDUPE_DAYS * 86_400,
        },
        // TTL deletion may lag by days: expiry is decided here, not by whether the item still exists.
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
      },
    },
    onConditionFailed: () => new DuplicateDelivery(),
  };
}

const table = () => readConfig().tableName;
