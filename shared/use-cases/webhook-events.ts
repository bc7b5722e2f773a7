// Committed table changes as outgoing webhook events (W1): which change is which event type, what its small payload
// carries, and its id, derived from the stream record so a redelivered batch yields the same events.
import { createHash } from 'node:crypto';
import type { Ticket } from '../domain/ticket-rules';
import { shortName, shortText, type WebhookEvent, type WebhookEventType } from '../domain/webhooks';
import type { Change } from '../store/change-stream';
import type { Message } from '../store/messages';

/** Stable for one stream record and type; time-ordered by the record's stream time. */
export function webhookEventId(change: Pick<Change, 'sequence' | 'at'>, type: WebhookEventType): string {
  const stamp = Date.parse(change.at).toString(36).padStart(9, '0');
  const digest = createHash('sha256').update(`${change.sequence}\u0000${type}`).digest('base64url').slice(0, 16);
  return `ev_${stamp}${digest}`;
}

/** What a ticket event says of the ticket: ids, state and owners, never message texts or secrets. */
function ticketData(ticket: Ticket, before?: Ticket): Record<string, unknown> {
  return {
    ticketId: ticket.ticketId,
    number: ticket.number,
    clientId: ticket.clientId,
    clientName: shortName(ticket.clientName ?? ''),
    channelId: ticket.channelId,
    status: ticket.status,
    groupId: ticket.groupId,
    ...(ticket.assigneeId ? { assigneeId: ticket.assigneeId } : {}),
    ...(ticket.categoryId ? { categoryId: ticket.categoryId } : {}),
    openedAt: ticket.openedAt,
    ...(ticket.closedAt ? { closedAt: ticket.closedAt } : {}),
    ...(ticket.closedBy ? { closedBy: ticket.closedBy } : {}),
    seq: ticket.seq,
    ...(before
      ? {
          previous: {
            status: before.status,
            groupId: before.groupId,
            ...(before.assigneeId ? { assigneeId: before.assigneeId } : {}),
          },
        }
      : {}),
  };
}

function authorOf(message: Message): Record<string, unknown> {
  const { author } = message;
  if (author.kind === 'operator') return { kind: 'operator', operatorId: author.operatorId };
  if (author.kind === 'bot') return { kind: 'bot', name: shortName(author.name) };
  return { kind: author.kind };
}

function messageData(message: Message): Record<string, unknown> {
  return {
    messageId: message.messageId,
    ticketId: message.ticketId,
    clientId: message.clientId,
    seq: message.seq,
    author: authorOf(message),
    kind: message.kind,
    ...shortText(message.text),
    ...(message.attachments?.length ? { attachmentCount: message.attachments.length } : {}),
    ...(message.status ? { status: message.status } : {}),
    createdAt: message.createdAt,
  };
}

/** The one event type a ticket change is, if any: movements and closing, not message counters or SLA clocks. */
export function ticketEventType(before: Ticket | undefined, after: Ticket): WebhookEventType | undefined {
  if (!before) return 'ticket.created';
  if (after.status === 'closed' && before.status !== 'closed') return 'ticket.closed';
  if (!before.assigneeId && after.assigneeId) return 'ticket.assigned';
  if (before.assigneeId && after.assigneeId && before.assigneeId !== after.assigneeId) return 'ticket.transferred';
  if (before.groupId !== after.groupId) return 'ticket.transferred';
  if (before.assigneeId && !after.assigneeId) return 'ticket.unassigned';
  if (before.status !== after.status || before.categoryId !== after.categoryId) return 'ticket.updated';
  return undefined;
}

const CLIENT_FIELDS = ['name', 'clientType', 'blacklisted', 'pinnedTo'] as const;

/** Every webhook event a batch of committed changes holds, in stream order. */
export function webhookEventsOf(changes: readonly Change[]): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  const add = (change: Change, type: WebhookEventType, data: Record<string, unknown>) =>
    events.push({ id: webhookEventId(change, type), type, createdAt: change.at, data });
  for (const change of changes) {
    if (change.entity === 'ticket' && change.after) {
      const type = ticketEventType(change.kind === 'insert' ? undefined : change.before, change.after);
      if (type) add(change, type, ticketData(change.after, type === 'ticket.created' ? undefined : change.before));
    } else if (change.entity === 'message' && change.after && change.after.kind !== 'system') {
      if (change.kind === 'insert' || !change.before) add(change, 'message.created', messageData(change.after));
      else if (change.before.status !== change.after.status && change.after.status) {
        const { after } = change;
        add(change, 'message.status', {
          messageId: after.messageId,
          ticketId: after.ticketId,
          clientId: after.clientId,
          seq: after.seq,
          status: after.status,
          ...(after.failureReason ? { failureReason: shortText(after.failureReason).text } : {}),
        });
      }
    } else if (change.entity === 'client' && change.kind === 'modify' && change.before && change.after) {
      const { before, after } = change;
      if (!CLIENT_FIELDS.some((field) => before[field] !== after[field])) continue;
      add(change, 'client.updated', {
        clientId: after.clientId,
        channelId: after.channelId,
        name: shortName(String(after.name ?? '')),
        type: after.clientType,
        blacklisted: after.blacklisted === true,
        ...(typeof after.pinnedTo === 'string' ? { pinnedTo: after.pinnedTo } : {}),
      });
    }
  }
  return events;
}
