// Every event the WebSocket API pushes (R2), by name: the `data` of its `{type:'event', event, data}` frame. Ticket
// events carry the ticket's `seq` (R4: a recipient gets one ticket's events in increasing seq). Browser-safe: zod only.
import * as z from 'zod';
import {
  clientNote,
  clientProfile,
  counters,
  deliveryStatus,
  message,
  slaMark,
  ticket,
  visitorMessage,
} from './entities';

const iso = z.string();
const onTicket = { ticketId: z.string(), seq: z.number().int() };
/** S2: a mark set on a ticket (`sla.warning`, `sla.breached`), with the clock it was set from. */
const slaEvent = z.object({
  ticketId: z.string(),
  number: z.number().int(),
  clientName: z.string(),
  mark: slaMark,
  since: iso,
  warnAt: iso.optional(),
  dueAt: iso,
});

export const eventData = {
  'ticket.created': z.object({ ...onTicket, ticket }),
  'ticket.updated': z.object({ ...onTicket, ticket }),
  'message.created': z.union([z.object({ ...onTicket, message }), visitorMessage]),
  'message.updated': z.object({ ...onTicket, message }),
  'message.status': z.object({
    ...onTicket,
    messageId: z.string(),
    status: deliveryStatus,
    reason: z.string().optional(),
    attempts: z.number().int().optional(),
    nextAttemptAt: iso.optional(),
    possibleDuplicate: z.boolean().optional(),
  }),
  'message.tagged': z.object({ ...onTicket, messageIds: z.array(z.string()), tag: z.string() }),
  'sla.warning': slaEvent,
  'sla.breached': slaEvent,
  counters,
  'operator.presence': z.object({ operatorId: z.string(), online: z.boolean(), at: iso }),
  'client.presence': z.object({ clientId: z.string(), ticketId: z.string(), online: z.boolean(), at: iso }),
  'client.typing': z.object({ clientId: z.string(), ticketId: z.string(), typing: z.boolean() }),
  typing: z.union([
    z.object({ ticketId: z.string(), operatorId: z.string(), typing: z.boolean() }),
    z.object({ from: z.literal('support'), typing: z.boolean() }),
  ]),
  'client.updated': z.discriminatedUnion('change', [
    z.object({ clientId: z.string(), change: z.literal('profile'), client: clientProfile }),
    z.object({ clientId: z.string(), change: z.literal('note.added'), note: clientNote }),
    z.object({ clientId: z.string(), change: z.literal('note.edited'), note: clientNote }),
    z.object({ clientId: z.string(), change: z.literal('note.deleted'), noteId: z.string() }),
  ]),
} as const;

export type EventType = keyof typeof eventData;

/** What each event means and who gets it, for the generated documents and the README. */
export const EVENT_SUMMARIES: Record<EventType, string> = {
  'ticket.created': 'A new ticket; for a recipient it comes before any message of the ticket (R4).',
  'ticket.updated': 'A ticket changed: status, assignee, group, category, SLA mark, unread count.',
  'message.created':
    'A message or timeline note was added (operators: `{ticketId, seq, message}`); a widget visitor gets its own view of the message (`{messageId, from, …}`), with no ticket.',
  'message.updated': 'The client edited a message on its channel (the earlier texts in `edits`).',
  'message.status':
    "M3: a message's delivery moved (`failed` with a reason; `queued` again with its next attempt while retried).",
  'message.tagged': 'M7: messages gained a tag.',
  'sla.warning':
    'S4: the client has waited past the warning threshold; to the assignee, or the group while unassigned.',
  'sla.breached': 'S4: the client has waited past the deadline; to the assignee, or the group while unassigned.',
  counters: "T12: the operator's own counters moved.",
  'operator.presence': "An operator's first connection opened or last one closed.",
  'client.presence': "C3: the client's widget came or went (its last socket).",
  'client.typing': 'M11: the client is typing.',
  typing:
    "M11: an operator is typing (operators get `{ticketId, operatorId}`, the widget visitor `{from: 'support'}`).",
  'client.updated': "C1, C4, C7: the client's profile or notes changed.",
};
export const EVENT_TYPES = Object.keys(eventData) as EventType[];
export type EventDataOf<T extends EventType> = z.output<(typeof eventData)[T]>;

/** A pushed event frame of one type. */
export interface EventFrameOf<T extends EventType> {
  type: 'event';
  event: T;
  data: EventDataOf<T>;
}

/** Every event frame, discriminated by `event`. */
export type AnyEventFrame = { [T in EventType]: EventFrameOf<T> }[EventType];

/** The frame schema of one event type. */
export const eventFrameSchema = <T extends EventType>(type: T) =>
  z.object({ type: z.literal('event'), event: z.literal(type), data: eventData[type] });

export { TICKET_SEQ_EVENTS } from './frames';
