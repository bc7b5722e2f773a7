// The protocol's shapes as the console reads them (see README "Operators: the realtime protocol"), and the tab
// rules that decide where a pushed ticket belongs.

export type TicketStatus = 'unassigned' | 'in_progress' | 'closed';
export type SlaState = 'ok' | 'warning' | 'breached';

export interface Ticket {
  ticketId: string;
  number: number;
  clientId: string;
  clientName: string;
  channelId: string;
  status: TicketStatus;
  groupId: string;
  assigneeId?: string | null;
  categoryId?: string;
  closedBy?: string;
  lastMessageAt: string;
  lastMessagePreview: string;
  unreadCount: number;
  sla?: { since: string; warnAt?: string; dueAt: string; mark?: 'warning' | 'breached' } | null;
  seq: number;
}

/** A list row (L3), or a ticket pushed by an event made into one. */
export interface TicketRow {
  ticketId: string;
  number: number;
  status: TicketStatus;
  clientId: string;
  clientName: string;
  groupId: string;
  assigneeId: string | null;
  lastMessageAt: string;
  lastMessagePreview: string;
  unreadCount: number;
  sla: SlaState | null;
  slaWarnAt: string | null;
  slaDueAt: string | null;
}

export interface BlacklistRow {
  clientId: string;
  name: string;
  channelId: string;
  blacklistedAt: string;
}

export interface Attachment {
  name: string;
  mimeType: string;
  size: number;
  key: string;
  url?: string;
  width?: number;
  height?: number;
}

export interface Message {
  messageId: string;
  ticketId: string;
  author: { kind: 'client' | 'operator' | 'system' | 'bot'; operatorId?: string; name?: string };
  kind: string;
  text?: string;
  attachments?: Attachment[];
  status?: 'queued' | 'sent' | 'delivered' | 'read' | 'failed';
  failureReason?: string;
  tags?: string[];
  note?: { code: string; text: string };
  createdAt: string;
  seq: number;
}

export interface Client {
  clientId: string;
  name: string;
  originalName?: string;
  vip?: boolean;
  bad?: boolean;
  phone?: string;
  email?: string;
  pinnedTo?: string | null;
  pin?: { operatorId: string } | null;
  blacklisted?: boolean;
  blacklistedAt?: string;
  watched?: boolean;
}

export const TABS = ['unassigned', 'mine', 'closed', 'all', 'blacklist'] as const;
export type Tab = (typeof TABS)[number];

export function rowOf(ticket: Ticket): TicketRow {
  return {
    ticketId: ticket.ticketId,
    number: ticket.number,
    status: ticket.status,
    clientId: ticket.clientId,
    clientName: ticket.clientName,
    groupId: ticket.groupId,
    assigneeId: ticket.assigneeId ?? null,
    lastMessageAt: ticket.lastMessageAt,
    lastMessagePreview: ticket.lastMessagePreview,
    unreadCount: ticket.unreadCount,
    sla: ticket.sla ? (ticket.sla.mark ?? 'ok') : null,
    slaWarnAt: ticket.sla?.warnAt ?? null,
    slaDueAt: ticket.sla?.dueAt ?? null,
  };
}

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
