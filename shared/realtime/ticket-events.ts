// Ticket events (R2): who may see a ticket (as connection audiences) and the frames a change pushes to them. Every
// frame carries the ticket's sequence number, so a front end that sees a gap asks `sync` for what it missed.

import type { Ticket } from '../domain/ticket-rules';
import type { Audience } from '../store/keys';
import type { Message } from '../store/messages';
import { counterDeltas, getOperatorCounters } from '../store/tickets';
import { type EventFrame, framesOf } from './event-frames';
import { connectionsByAudience, pushToConnections } from './fanout';

export type { EventFrame } from './event-frames';

/**
 * L1 as audiences: the group (and operators in no group) while unassigned, the assignee, the closer, staff, and the
 * operators watching the client (C9).
 */
export function ticketAudiences(ticket: Ticket | undefined): Audience[] {
  if (!ticket) return [];
  const audiences: Audience[] = ['staff'];
  // C9: a ticket opened while nobody had ever watched its client has no watchers to read (a watch marks it first).
  if (ticket.watched !== false) audiences.push(`watchers#${ticket.clientId}`);
  if (ticket.status === 'unassigned') audiences.push(`group#${ticket.groupId}`, 'ungrouped');
  if (ticket.assigneeId) audiences.push(`operator#${ticket.assigneeId}`);
  if (ticket.closedBy) audiences.push(`operator#${ticket.closedBy}`);
  return audiences;
}

/** What a widget visitor sees of a message: no system notes, no internal fields. */
export function visitorView(message: Message) {
  return {
    messageId: message.messageId,
    from: message.author.kind === 'client' ? 'me' : 'support',
    kind: message.kind,
    text: message.text,
    attachments: message.attachments,
    createdAt: message.createdAt,
    status: message.status,
  };
}

/**
 * Reads the connections of everyone who could see the ticket before or after the change, and of each operator whose
 * counters it moves. Read once the change is written, never alongside its transaction: a connection made during the
 * transaction might sync (R2) before the write lands and, read too early, also miss the push — a lost event.
 */
function readChangeAudience(before: Ticket | undefined, after: Ticket) {
  const moved = [...counterDeltas(before, after).keys()];
  return connectionsByAudience([
    ...ticketAudiences(before),
    ...ticketAudiences(after),
    ...moved.map((operatorId) => `operator#${operatorId}` as const),
  ]);
}

/**
 * Pushes a ticket change to everyone who could see the ticket before or after (so lists drop it as well as gain it),
 * with fresh `counters` for each operator whose counters moved — as one WebSocket message per recipient (R4): the
 * change's events in order, `ticket.created` first, then the messages by `seq`, then `ticket.updated`, then that
 * operator's `counters`. What reaches the client goes through its channel's delivery, not through here. Called
 * once the change is written: the counters read then include it, and so does every connection's `sync` from then on.
 */
export async function publishTicketChange(
  before: Ticket | undefined,
  after: Ticket,
  messages: readonly Message[],
  /** `message.updated` when the messages were changed rather than added (a client's edit). */
  messageEvent: 'message.created' | 'message.updated' = 'message.created',
) {
  const audiences = [...ticketAudiences(before), ...ticketAudiences(after)];
  const moved = [...counterDeltas(before, after).keys()];
  // One parallel round of reads: every audience's connections and the fresh counters of whoever's moved.
  const [connections, counters] = await Promise.all([
    readChangeAudience(before, after),
    Promise.all(moved.map(getOperatorCounters)),
  ]);
  const recipients = [...new Set(audiences.flatMap((audience) => connections.get(audience) ?? []))];
  const ticketFrame: EventFrame = {
    type: 'event',
    event: before ? 'ticket.updated' : 'ticket.created',
    data: { ticketId: after.ticketId, seq: after.seq, ticket: after },
  };
  const messageFrames: EventFrame[] = [...messages]
    .sort((a, b) => a.seq - b.seq)
    .map((message) => ({
      type: 'event',
      event: messageEvent,
      data: { ticketId: after.ticketId, seq: message.seq, message },
    }));
  const change = before ? [...messageFrames, ticketFrame] : [ticketFrame, ...messageFrames];
  // Each recipient's events: the change's, then its own counters when they moved; recipients alike share one push.
  const eventsOf = new Map<string, EventFrame[]>(recipients.map((connectionId) => [connectionId, change]));
  for (const data of counters) {
    const frame: EventFrame = { type: 'event', event: 'counters', data };
    for (const connectionId of connections.get(`operator#${data.operatorId}`) ?? []) {
      eventsOf.set(connectionId, [...(eventsOf.get(connectionId) ?? []), frame]);
    }
  }
  const alike = new Map<EventFrame[], string[]>();
  for (const [connectionId, events] of eventsOf) alike.set(events, [...(alike.get(events) ?? []), connectionId]);
  await Promise.all(
    [...alike].map(async ([events, connectionIds]) => {
      for (const frame of framesOf(events)) await pushToConnections(connectionIds, frame);
    }),
  );
}
