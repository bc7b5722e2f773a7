// Ticket events (R2): who may see a ticket (as connection audiences) and the frames a change pushes to them. Every
// frame carries the ticket's sequence number, so a front end that sees a gap asks `sync` for what it missed.

import type { Ticket } from '../domain/ticket-rules';
import type { Audience } from '../store/keys';
import type { Message } from '../store/messages';
import { counterDeltas, getOperatorCounters } from '../store/tickets';
import { connectionsByAudience, pushToConnections } from './fanout';

export interface EventFrame<T = unknown> {
  type: 'event';
  event: string;
  data: T;
}

/**
 * L1 as audiences: the group (and operators in no group) while unassigned, the assignee, the closer, staff, and the
 * operators watching the client (C9).
 */
export function ticketAudiences(ticket: Ticket | undefined): Audience[] {
  if (!ticket) return [];
  const audiences: Audience[] = ['staff', `watchers#${ticket.clientId}`];
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
 * Pushes a ticket change: `ticket.created`/`ticket.updated` and `message.created` to everyone who could see the
 * ticket before or after (so lists drop it as well as gain it), and fresh `counters` to each operator whose counters
 * moved. What reaches the client goes through its channel's delivery, not through here.
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
    connectionsByAudience([...audiences, ...moved.map((operatorId) => `operator#${operatorId}` as const)]),
    Promise.all(moved.map(getOperatorCounters)),
  ]);
  const recipients = [...new Set(audiences.flatMap((audience) => connections.get(audience) ?? []))];
  const ticketFrame: EventFrame = {
    type: 'event',
    event: before ? 'ticket.updated' : 'ticket.created',
    data: { ticketId: after.ticketId, seq: after.seq, ticket: after },
  };
  const frames: EventFrame[] = [
    ...messages.map((message) => ({
      type: 'event' as const,
      event: messageEvent,
      data: { ticketId: after.ticketId, seq: message.seq, message },
    })),
    ticketFrame,
  ];
  await Promise.all([
    ...frames.map((frame) => pushToConnections(recipients, frame)),
    ...counters.map((data) =>
      pushToConnections(connections.get(`operator#${data.operatorId}`) ?? [], {
        type: 'event',
        event: 'counters',
        data,
      }),
    ),
  ]);
}
