// The ticket state machine (T4–T8, T10): operator commands on a ticket as pure decisions over plain data. Given a
// ticket, a command, the actor and the time, it returns the changes to write and the timeline entry to record, or
// throws a typed error. No I/O here. The other changes have modules of their own beside it: ticket-open (T1, T3,
// T9), client-message (T1, C6), operator-reply (M2, M6), blacklist (C6), pin (C5), auto-close (T11).

import type { OperatorActor } from './actors';
import { conflict, invalid } from './errors';
import { authorizeAssignTarget, authorizeTicket, type TicketStatus } from './policy';
import type { SlaClock, SlaThresholds } from './sla';
import { changeOf, nextSeq, type TicketChange } from './ticket-change';

export { AUTO_CLOSE_TIMER, type AutoClosePeriods, autoCloseDue, decideAutoClose } from './auto-close';
export { applyDecision, type TicketChange, ticketChange } from './ticket-change';

export interface Ticket {
  ticketId: string;
  number: number;
  clientId: string;
  /** L3: the client's name when the ticket opened, for list rows. */
  clientName: string;
  channelId: string;
  status: TicketStatus;
  groupId: string;
  assigneeId?: string;
  categoryId?: string;
  openedAt: string;
  closedAt?: string;
  closedBy?: string;
  /** T2: the time of the latest status change. */
  statusChangedAt: string;
  lastMessageAt: string;
  lastMessagePreview: string;
  lastMessageFromOperator: boolean;
  /** T12: client messages not yet read by operators. */
  unreadCount: number;
  messageCount: number;
  /**
   * T12: the client's number of tickets, this one included, when it opened; exact on the client's latest ticket
   * (every open ticket and Closed-tab row), an older ticket keeps its place in the client's order.
   */
  clientTicketCount?: number;
  /** S1: the SLA thresholds of the ticket's channel when it opened; absent when SLA timing was off. */
  slaPolicy?: SlaThresholds;
  /** S2–S4: the running SLA clock while the client waits for an answer (its mark, warning and deadline moments). */
  sla?: SlaClock;
  /**
   * RP1: when an operator first wrote to the client in this ticket (its first response); an outbound start (T9) counts,
   * so a dialog the operator began has no first-response time.
   */
  firstReplyAt?: string;
  /**
   * C9: whether the client's watchers may be listening. `false` on a ticket opened while no operator had ever watched
   * the client: its events skip the `watchers#<clientId>` audience (one read less per message). A watch turns it
   * true, as a change of its own (`seq` moves), and nothing turns it back. Absent on tickets from before the mark,
   * which count as watched.
   */
  watched?: boolean;
  /**
   * R2: bumped by every change, by one per message or note it adds; events carry it so front ends detect gaps and
   * `sync` returns everything after the last one they saw.
   */
  seq: number;
}

/** A timeline entry (T10): what happened, by whom; rendered for operators only. */
export interface SystemNote {
  code:
    | 'opened'
    | 'taken'
    | 'assigned'
    | 'transferred'
    | 'returned'
    | 'closed'
    | 'auto_closed'
    | 'started'
    | 'category_set'
    | 'category_cleared'
    | 'blacklisted'
    | 'unblocked'
    | 'pinned'
    | 'unpinned'
    | 'transcript_sent'
    | 'sla_warning'
    | 'sla_breached';
  text: string;
  params: Record<string, string>;
}

export type TicketCommand =
  | { type: 'take' }
  | { type: 'assign'; to: { operatorId: string; name: string; groupIds: readonly string[] } }
  | { type: 'transfer'; group: { groupId: string; name: string } }
  | { type: 'unassign' }
  | { type: 'close' }
  | { type: 'setCategory'; category: { categoryId: string; name: string } | null };

export interface Decision {
  /** The fields that change; every write is conditioned on `expect` (the state it was decided from). */
  changes: Partial<Ticket>;
  /** Attributes to remove (e.g. assignee on return to unassigned). */
  removes: Array<keyof Ticket>;
  expect: { status: TicketStatus; assigneeId: string | undefined; seq: number };
  note: SystemNote;
}

const noAssignee = (ticket: Ticket) => ticket.assigneeId === undefined;

/** T4/X1: how long after a take its loser is still told who won; later takes of someone else's ticket are not visible. */
export const TAKE_RACE_WINDOW_MS = 60_000;

export function decide(ticket: Ticket, command: TicketCommand, actor: OperatorActor, now: Date): Decision {
  const at = now.toISOString();
  const expect = { status: ticket.status, assigneeId: ticket.assigneeId, seq: ticket.seq };
  const base = { seq: nextSeq(ticket) };
  const moved = { ...base, statusChangedAt: at };
  switch (command.type) {
    case 'take': {
      // Visibility is judged on the ticket as it was offered (unassigned), so whoever lost a take race hears who
      // won (T4) instead of being told the ticket is now invisible to it.
      // Only a ticket taken moments ago counts as offered: an older owner is not named to someone who cannot see it (X1).
      const { assigneeId: _winner, ...offered } = ticket;
      const justTaken =
        ticket.status === 'in_progress' && Date.parse(ticket.statusChangedAt) >= now.getTime() - TAKE_RACE_WINDOW_MS;
      const longHeld = ticket.status === 'in_progress' && !justTaken;
      authorizeTicket(actor, 'ticket.take', longHeld ? ticket : { ...offered, status: 'unassigned' });
      requireOpen(ticket);
      if (ticket.status === 'in_progress') {
        throw conflict(
          ticket.assigneeId === actor.operatorId
            ? 'You have already taken this ticket.'
            : 'Another operator has already taken this ticket.',
          { assigneeId: ticket.assigneeId ?? null },
        );
      }
      return {
        changes: { ...moved, status: 'in_progress', assigneeId: actor.operatorId },
        removes: [],
        expect,
        note: { code: 'taken', text: 'Ticket taken', params: { operatorId: actor.operatorId } },
      };
    }
    case 'assign': {
      authorizeTicket(actor, 'ticket.assign', ticket);
      requireOpen(ticket);
      authorizeAssignTarget(actor, command.to);
      if (ticket.assigneeId === command.to.operatorId) {
        throw conflict('The ticket is already assigned to this operator.', { assigneeId: ticket.assigneeId });
      }
      return {
        changes: { ...moved, status: 'in_progress', assigneeId: command.to.operatorId },
        removes: [],
        expect,
        note: {
          code: 'assigned',
          text: `Ticket assigned to ${command.to.name}`,
          params: { operatorId: command.to.operatorId, by: actor.operatorId },
        },
      };
    }
    case 'transfer': {
      authorizeTicket(actor, 'ticket.transfer', ticket);
      requireOpen(ticket);
      if (ticket.groupId === command.group.groupId && noAssignee(ticket)) {
        throw conflict('The ticket is already unassigned in this group.');
      }
      return {
        changes: { ...moved, status: 'unassigned', groupId: command.group.groupId },
        removes: ['assigneeId'],
        expect,
        note: {
          code: 'transferred',
          text: `Ticket transferred to group '${command.group.name}'`,
          params: { groupId: command.group.groupId, by: actor.operatorId },
        },
      };
    }
    case 'unassign': {
      authorizeTicket(actor, 'ticket.unassign', ticket);
      requireOpen(ticket);
      if (ticket.status !== 'in_progress') throw conflict('The ticket is not assigned to anyone.');
      return {
        changes: { ...moved, status: 'unassigned' },
        removes: ['assigneeId'],
        expect,
        note: { code: 'returned', text: 'Ticket returned to unassigned', params: { by: actor.operatorId } },
      };
    }
    case 'close': {
      authorizeTicket(actor, 'ticket.close', ticket);
      requireOpen(ticket);
      return {
        changes: { ...moved, status: 'closed', closedAt: at, closedBy: actor.operatorId, unreadCount: 0 },
        removes: [],
        expect,
        note: { code: 'closed', text: 'Ticket closed', params: { by: actor.operatorId } },
      };
    }
    case 'setCategory': {
      authorizeTicket(actor, 'ticket.setCategory', ticket);
      requireOpen(ticket);
      if (command.category === null) {
        return {
          changes: base,
          removes: ['categoryId'],
          expect,
          note: { code: 'category_cleared', text: 'Category cleared', params: { by: actor.operatorId } },
        };
      }
      return {
        changes: { ...base, categoryId: command.category.categoryId },
        removes: [],
        expect,
        note: {
          code: 'category_set',
          text: `Category set to '${command.category.name}'`,
          params: { categoryId: command.category.categoryId, by: actor.operatorId },
        },
      };
    }
  }
}

/** An operator command as a ticket change: the next ticket, its timeline note (T10) and its counter moves (T12). */
export function decideCommand(ticket: Ticket, command: TicketCommand, actor: OperatorActor, now: Date): TicketChange {
  return changeOf(ticket, decide(ticket, command, actor, now), actor, now);
}

export function requireOpen(ticket: Ticket): void {
  if (ticket.status === 'closed') throw conflict('The ticket is closed.', { status: 'closed' });
}

/** M4: an operator's text is at most 2000 characters. */
export const MAX_TEXT_LENGTH = 2000;
/** M4: a client's text from any channel is stored as sent up to 4096 characters (the messengers' own limit). */
export const MAX_CLIENT_TEXT_LENGTH = 4096;

export function validateText(text: string, max = MAX_TEXT_LENGTH): string {
  const trimmed = text.trim();
  if (!trimmed) throw invalid('The message is empty.');
  if ([...trimmed].length > max) throw invalid(`The message is longer than ${max} characters.`);
  return trimmed;
}

/**
 * M4: a client's text from a channel that cannot be told of an error (a messenger's webhook): beyond the bound, the
 * first 4096 characters are kept rather than losing the message. Channels that can be told refuse it instead.
 */
export function boundClientText(text: string): string {
  const characters = [...text];
  return characters.length > MAX_CLIENT_TEXT_LENGTH ? characters.slice(0, MAX_CLIENT_TEXT_LENGTH).join('') : text;
}

/** L3: a single-line preview of the latest message. */
export function previewOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
