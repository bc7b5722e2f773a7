// Opening a ticket: by a client's message (T1, routed by T3/C5) or by an operator's outbound start (T9). Pure: the
// routing decision, the client and the allocated number come in; the new ticket and its first timeline come out.

import type { OperatorActor } from './actors';
import { conflict } from './errors';
import { type MessageDraft, newMessageId, timelineEntry } from './messages';
import { authorizeOutboundStart, forbiddenBecause } from './policy';
import type { RoutingDecision } from './routing';
import { clockOnClientMessage, type SlaThresholds } from './sla';
import { type TicketChange, ticketChange } from './ticket-change';
import { previewOf, type SystemNote, type Ticket } from './ticket-rules';

export const ticketIdOf = (clientId: string, number: number) => `${clientId}.${number}`;

export interface Opening {
  /**
   * `ticketCount`: the client's tickets before this one (T12). `watched`: whether the client's watchers may be
   * listening (C9, `watchedOf`); unknown counts as yes.
   */
  client: { clientId: string; name: string; channelId: string; ticketCount?: number; watched?: boolean };
  number: number;
  routing: RoutingDecision;
  /** The client's message that opens the ticket. */
  message: MessageDraft;
  /** P1: messages already stored under the reserved number before the client agreed (its first one, the request). */
  earlier?: { messages: number; unread: number; lastSeq: number };
  /** S1: the channel's SLA thresholds now (absent when SLA is off); the ticket keeps them for its lifetime. */
  sla?: SlaThresholds | undefined;
  now: Date;
}

/**
 * C9: whether a new ticket of the client may have watchers listening: once any operator has watched the client
 * (`watchersSince` on it), or when its latest ticket was not opened unwatched (a ticket from before the mark counts as
 * watched). Only a client never watched has tickets whose events skip the watchers' read.
 */
export function watchedOf(
  client: { watchersSince?: string } | undefined,
  latest: Pick<Ticket, 'watched'> | undefined,
): boolean {
  return client?.watchersSince !== undefined || (latest !== undefined && latest.watched !== false);
}

/** T1/T3: a client message with no open ticket opens one, routed; the timeline says how ("opened and assigned"). */
export function decideOpen(opening: Opening): TicketChange {
  const { client, number, routing, now, earlier } = opening;
  const at = now.toISOString();
  const ticket: Ticket = {
    ticketId: ticketIdOf(client.clientId, number),
    number,
    clientId: client.clientId,
    clientName: client.name,
    channelId: client.channelId,
    status: routing.status,
    groupId: routing.groupId,
    ...(routing.status === 'in_progress' ? { assigneeId: routing.assigneeId } : {}),
    openedAt: at,
    statusChangedAt: at,
    lastMessageAt: at,
    lastMessagePreview: previewOf(previewSource(opening.message)),
    lastMessageFromOperator: false,
    unreadCount: (earlier?.unread ?? 0) + 1,
    messageCount: (earlier?.messages ?? 0) + 1,
    clientTicketCount: (client.ticketCount ?? 0) + 1,
    watched: client.watched ?? true,
    seq: earlier?.lastSeq ?? 0,
  };
  // S2: the client's first message waits for an answer from the moment it was written.
  const sla = clockOnClientMessage(undefined, opening.sla, opening.message.createdAt);
  if (opening.sla) ticket.slaPolicy = opening.sla;
  if (sla) ticket.sla = sla;
  const opened = timelineEntry(openedNote(routing), undefined, now);
  // Ids are time-ordered: the client's message takes its id after the note's, so history lists the note first.
  return ticketChange(undefined, ticket, [opened, { ...opening.message, messageId: newMessageId(now) }]);
}

export interface OutboundStart {
  actor: OperatorActor;
  client: {
    clientId: string;
    name: string;
    channelId: string;
    ticketCount?: number;
    consent?: 'requested' | 'given' | undefined;
    /** C9: whether the client's watchers may be listening (`watchedOf`); unknown counts as yes. */
    watched?: boolean;
  };
  /** The client's newest ticket, if any. */
  latest: Ticket | undefined;
  /** The group the new ticket lives in: the latest ticket's, else the channel's default group. */
  groupId: string;
  number: number;
  /** S1: the channel's SLA thresholds, for the client's answers to come. */
  sla?: SlaThresholds | undefined;
  now: Date;
}

/**
 * T9: an operator may start a dialog only with a client it may see (X1, checked first: with no ticket yet, by the
 * group the ticket would open in, the channel's default group) whose latest ticket is closed, and (P1) that is not
 * still waiting to agree to the privacy policy.
 */
export function authorizeStart(
  actor: OperatorActor,
  start: Pick<OutboundStart, 'client' | 'latest' | 'groupId'>,
): void {
  const { client, latest } = start;
  authorizeOutboundStart(actor, {
    clientId: client.clientId,
    latest,
    defaultGroupId: latest ? undefined : start.groupId,
  });
  if (latest && latest.status !== 'closed') {
    throw conflict('This client already has an open ticket.', { ticketId: latest.ticketId });
  }
  if (client.consent === 'requested') {
    throw forbiddenBecause('consent_pending', 'This client has not agreed to the privacy policy yet.');
  }
}

/** T9: an outbound dialog opens a ticket in progress for the operator who started it. */
export function decideStart(start: OutboundStart): TicketChange {
  authorizeStart(start.actor, start);
  const at = start.now.toISOString();
  const ticket: Ticket = {
    ticketId: ticketIdOf(start.client.clientId, start.number),
    number: start.number,
    clientId: start.client.clientId,
    clientName: start.client.name,
    channelId: start.client.channelId,
    status: 'in_progress',
    groupId: start.groupId,
    assigneeId: start.actor.operatorId,
    openedAt: at,
    statusChangedAt: at,
    lastMessageAt: at,
    lastMessagePreview: '',
    lastMessageFromOperator: true,
    // RP1: the operator speaks first in a dialog it starts, so it has no first-response time to measure.
    firstReplyAt: at,
    unreadCount: 0,
    messageCount: 0,
    clientTicketCount: (start.client.ticketCount ?? 0) + 1,
    watched: start.client.watched ?? true,
    seq: 0,
    ...(start.sla ? { slaPolicy: start.sla } : {}),
  };
  const note: SystemNote = {
    code: 'started',
    text: 'Dialog started by operator',
    params: { by: start.actor.operatorId },
  };
  return ticketChange(undefined, ticket, [timelineEntry(note, start.actor, start.now)]);
}

/** L3: what a list row previews of a message without text. */
export function previewSource(message: Pick<MessageDraft, 'text' | 'attachments' | 'kind'>): string {
  return message.text ?? message.attachments?.[0]?.name ?? message.kind;
}

function openedNote(routing: RoutingDecision): SystemNote {
  const text = routing.status === 'in_progress' ? 'Ticket opened and assigned' : 'Ticket opened';
  const params: Record<string, string> = { groupId: routing.groupId, reason: routing.reason };
  if (routing.status === 'in_progress') params.operatorId = routing.assigneeId;
  return { code: 'opened', text, params };
}
