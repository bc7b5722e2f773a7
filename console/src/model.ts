// The tab rules that decide where a pushed ticket belongs, over the protocol's own shapes and row mapping (see README
// "Operators: the realtime protocol"); types only, so the console bundles no schema.
import type { Message, Ticket, TicketStatus } from '../../shared/protocol/entities';

export type {
  Attachment,
  BlacklistedClientRow,
  ClientProfile as Client,
  Message,
  SlaState,
  Ticket,
  TicketRow,
  TicketStatus,
} from '../../shared/protocol/entities';
export { ticketRowOf as rowOf } from '../../shared/protocol/rows';

export const TABS = ['unassigned', 'mine', 'closed', 'all', 'blacklist'] as const;
export type Tab = (typeof TABS)[number];

export interface Filters {
  groupId?: string | undefined;
  status?: TicketStatus | undefined;
  /** Staff, on All: one operator's tickets in progress. */
  operatorId?: string | undefined;
}

/** Whether a ticket pushed live belongs in a tab as the server lists it (L1–L3); the server sent only what we may see. */
export function belongsIn(tab: Tab, ticket: Ticket, operatorId: string, filters: Filters): boolean {
  if (filters.groupId && ticket.groupId !== filters.groupId) return false;
  if (filters.status && ticket.status !== filters.status) return false;
  if (filters.operatorId && (ticket.status !== 'in_progress' || ticket.assigneeId !== filters.operatorId)) return false;
  switch (tab) {
    case 'unassigned':
      return ticket.status === 'unassigned';
    case 'mine':
      return ticket.status === 'in_progress' && ticket.assigneeId === operatorId;
    case 'closed':
      return ticket.status === 'closed';
    case 'all':
      return true;
    default:
      return false;
  }
}

/** Delivery marks (M3): ✓ sent, ✓✓ delivered, ✓✓ in colour read, ! failed, … queued. */
export function deliveryMark(status: Message['status']): string {
  switch (status) {
    case 'sent':
      return '✓';
    case 'delivered':
    case 'read':
      return '✓✓';
    case 'failed':
      return '!';
    default:
      return '…';
  }
}
