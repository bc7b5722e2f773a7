// Ingest (T1, T3, T12, CH2, C6, P1): one normalized client message from any channel → client upserted, the open
// ticket found or a new one opened and routed, the message stored, counters moved — decided by the state machine
// from one read and written through the one ticket-change path in one transaction, retried from a fresh read if
// anything changed meanwhile. Then the change is pushed to whoever may see it.

import { decideBlacklistedMessage, decideClientMessage } from '../domain/client-message';
import { normalizeClientName } from '../domain/client-names';
import { notFound } from '../domain/errors';
import { type MessageContent, type MessageDraft, placeMessage } from '../domain/messages';
import { type RoutingCandidate, type RoutingDecision, routeTicket } from '../domain/routing';
import { decideOpen, ticketIdOf, watchedOf } from '../domain/ticket-open';
import type { Ticket } from '../domain/ticket-rules';
import { readConfig } from '../platform/config';
import { connectionIdsOf } from '../realtime/connections';
import { type Channel, type ChannelConfig, getChannel } from '../store/channels';
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
import { consentRequiredFor, readSettings, type Settings, slaThresholdsFor } from '../store/settings';
import { counterMove, nextTicketNumber } from '../store/ticket-numbers';
import {
  type ClientRecord,
  getOperatorCounters,
  markClientConsented,
  markClientOpenTicket,
  readClientHead,
  recordRoutedAt,
} from '../store/tickets';
import { stale, type TransactStep, transactWrite } from '../store/transactions';
import { periodsFor } from './auto-close';
import { type ConsentRequest, deliverConsentRequest } from './consent';
import { changeTicket, type Decided } from './ticket-change';

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
  /** M1: a location, contact cards, a sticker, a reaction, an unsupported type (`text` renders it). */
  content?: MessageContent;
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

/** What the request has read already (the webhook reads its channel to verify it): read once, passed down. */
export interface IngestContext {
  channel?: Channel | ChannelConfig | undefined;
  settings?: Settings | undefined;
}

export async function ingestClientMessage(inbound: InboundMessage, context: IngestContext = {}): Promise<IngestResult> {
  // X3: whatever the channel sent as a name, only its normalized form is ever stored.
  const input = { ...inbound, name: normalizeClientName(inbound.name) };
  const clientId = clientIdFor(input.channelId, input.externalUserId);
  const reads = requestReads(input.channelId, clientId, context);
  try {
    const outcome = await changeTicket(() => decideIngest(clientId, input, reads), INGEST_ATTEMPTS);
    switch (outcome.kind) {
      case 'blacklisted':
        return { duplicate: false, clientId, message: outcome.message, opened: false, blacklisted: true };
      case 'consent':
        await deliverConsentRequest(outcome.consentRequest, await reads.channel());
        return { duplicate: false, clientId, message: outcome.message, opened: false, consentRequested: true };
      case 'stored':
        if (outcome.routedTo) await recordRoutedAt(outcome.routedTo, outcome.ticket.lastMessageAt);
        return { duplicate: false, clientId, ticket: outcome.ticket, message: outcome.message, opened: outcome.opened };
    }
  } catch (error) {
    if (error instanceof DuplicateDelivery) return { duplicate: true, clientId, opened: false };
    throw error;
  }
}

type IngestOutcome =
  | { kind: 'blacklisted'; message: Message }
  | { kind: 'consent'; message: Message; consentRequest: ConsentRequest }
  | { kind: 'stored'; ticket: Ticket; message: Message; opened: boolean; routedTo?: string };

/**
 * The channel and settings, each read at most once per request (and not at all when the caller has them); the client
 * head, read afresh by each attempt.
 */
function requestReads(channelId: string, clientId: string, context: IngestContext) {
  let channel: Promise<Channel | ChannelConfig> | undefined;
  let settings: Promise<Settings> | undefined;
  return {
    head: () => readClientHead(clientId),
    channel: () => {
      channel ??=
        context.channel?.channelId === channelId
          ? Promise.resolve(context.channel)
          : getChannel(channelId).then((found) => {
              if (!found) throw notFound(`Channel ${channelId} does not exist.`);
              return found;
            });
      return channel;
    },
    settings: () => {
      settings ??= context.settings ? Promise.resolve(context.settings) : readSettings();
      return settings;
    },
  };
}

type RequestReads = ReturnType<typeof requestReads>;

async function decideIngest(
  clientId: string,
  input: InboundMessage,
  reads: RequestReads,
): Promise<Decided<IngestOutcome>> {
  const head = await reads.head();
  const guards = input.externalMessageId
    ? [dedupeStep(input.channelId, input.externalMessageId, input.receivedAt)]
    : [];
  const draft = clientMessage(input);
  if (head.client?.blacklisted) {
    if (!head.latest) return { result: { kind: 'blacklisted', message: await storeLoose(clientId, draft, guards) } };
    const change = decideBlacklistedMessage(head.latest, draft);
    return {
      change,
      extras: { guards },
      silent: true,
      result: { kind: 'blacklisted', message: change.messages[0] as Message },
    };
  }
  if (!head.client && consentRequiredFor(await reads.settings(), input.channelId)) {
    return { result: await askConsent(clientId, input, draft, (await reads.settings()).privacyConsent, guards) };
  }
  const open = head.latest && head.latest.status !== 'closed' ? head.latest : undefined;
  if (open) {
    const change = decideClientMessage(open, draft);
    const message = change.messages[0] as Message;
    return { change, extras: { guards }, result: { kind: 'stored', ticket: change.after, message, opened: false } };
  }

  // P1: a client that was asked for consent already has its first messages under a reserved ticket number.
  const pending = head.client?.consent === 'requested' ? head.client.pendingTicketNumber : undefined;
  const channel = await reads.channel();
  const [routing, next, periods] = await Promise.all([
    routeFor(head.client?.pinnedTo, channel),
    pending === undefined ? nextTicketNumber() : undefined,
    periodsFor(channel, await reads.settings(), channel),
  ]);
  const number = pending ?? (next?.number as number);
  const watched = watchedOf(head.client, head.latest);
  const change = decideOpen({
    client: {
      clientId,
      name: head.client?.name ?? input.name,
      channelId: input.channelId,
      ticketCount: head.client?.ticketCount ?? 0,
      watched,
    },
    number,
    routing,
    message: draft,
    // Before consent the client wrote once and was answered by the consent request: both are in this ticket.
    ...(pending !== undefined ? { earlier: { messages: 2, unread: 1, lastSeq: CONSENT_SEQS } } : {}),
    sla: slaThresholdsFor(await reads.settings(), input.channelId),
    now: input.receivedAt,
  });
  const routed = routing.status === 'in_progress' && routing.reason !== 'pinned' ? routing : undefined;
  return {
    change,
    extras: {
      guards,
      client: clientStep(head.client, clientId, input, number, watched),
      ...(next ? { numberedFrom: next.from } : {}),
      ...(head.latest ? { previous: head.latest } : {}),
      ...(routed ? { capacity: routed.capacity ?? 0 } : {}),
      autoClose: periods,
      now: input.receivedAt,
    },
    result: {
      kind: 'stored',
      ticket: change.after,
      message: change.messages[1] as Message,
      opened: true,
      ...(routed ? { routedTo: routed.assigneeId } : {}),
    },
  };
}

/** A client's message as a decision drafts it. */
function clientMessage(input: InboundMessage): MessageDraft {
  return {
    messageId: newMessageId(input.receivedAt),
    author: { kind: 'client' },
    kind: input.kind,
    createdAt: input.receivedAt.toISOString(),
    ...(input.text ? { text: input.text } : {}),
    ...(input.attachments?.length ? { attachments: input.attachments } : {}),
    ...(input.skippedAttachments?.length ? { skippedAttachments: input.skippedAttachments } : {}),
    ...(input.externalMessageId ? { externalId: input.externalMessageId } : {}),
    ...input.content,
  };
}

/** C6: a blacklisted client with no ticket at all: its message is kept under ticket number 0, reaching nobody. */
async function storeLoose(clientId: string, draft: MessageDraft, guards: TransactStep[]): Promise<Message> {
  const message = placeMessage(draft, { ticketId: ticketIdOf(clientId, 0), number: 0, clientId }, 0);
  await transactWrite([{ item: putMessage(message) }, ...guards]);
  return message;
}

type Routed = RoutingDecision & { capacity?: number };

/** T3 inputs: the pinned operator (if still enabled), else the channel's default group and its online operators. */
async function routeFor(pinnedTo: string | undefined, channel: ChannelConfig): Promise<Routed> {
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

/**
 * The client item: created on its first message (C1), else marked as having this open ticket (T12 count) — and, for a
 * ticket opened unwatched, only if no watch came meanwhile (C9).
 */
function clientStep(
  client: ClientRecord | undefined,
  clientId: string,
  input: InboundMessage,
  number: number,
  watched: boolean,
) {
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
  if (client.consent === 'requested') return markClientConsented(clientId, number, input.receivedAt, watched);
  return markClientOpenTicket(clientId, number, watched);
}

/** P1: the messages written before the client agreed (its first message, the consent request) take seqs 1 and 2. */
const CONSENT_SEQS = 2;

/**
 * P1: a new client on a channel that asks for consent gets the consent text and policy link from the bot; its message
 * is kept under a reserved ticket number and reaches no operator until it writes again.
 */
async function askConsent(
  clientId: string,
  input: InboundMessage,
  draft: MessageDraft,
  consent: { text: string; policyUrl?: string | undefined },
  guards: TransactStep[],
): Promise<IngestOutcome> {
  const next = await nextTicketNumber();
  const reserved = { ticketId: ticketIdOf(clientId, next.number), number: next.number, clientId };
  const message = placeMessage(draft, reserved, 1);
  const request = placeMessage(
    {
      messageId: newMessageId(input.receivedAt),
      author: { kind: 'bot', name: 'Switchboard' },
      kind: 'text',
      text: consent.policyUrl ? `${consent.text}\n${consent.policyUrl}` : consent.text,
      status: 'queued',
      createdAt: input.receivedAt.toISOString(),
    },
    reserved,
    CONSENT_SEQS,
  );
  const steps: TransactStep[] = [
    stale({
      Put: {
        TableName: table(),
        Item: {
          ...newClientItem(clientId, input),
          ticketCount: 0,
          consent: 'requested',
          pendingTicketNumber: next.number,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
    stale(counterMove(next.from, next.number)),
    { item: putMessage(message) },
    { item: putMessage(request) },
    ...guards,
  ];
  await transactWrite(steps);
  return { kind: 'consent', message, consentRequest: { message: request, channelId: input.channelId } };
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
