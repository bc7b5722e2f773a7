// Authorization in one place: may this actor do this action on this ticket, client or setting? Pure: role, groups and
// assignment in, nothing or a `forbidden` error with a stable reason out.
import type { Actor, OperatorActor } from './actors';
import { isStaff } from './actors';
import { DomainError } from './errors';

export type TicketStatus = 'unassigned' | 'in_progress' | 'closed';

/** The part of a ticket that access depends on. */
export interface TicketAccess {
  status: TicketStatus;
  groupId: string;
  assigneeId?: string;
  closedBy?: string;
  clientId: string;
}

export type ForbiddenReason =
  | 'admin_only'
  | 'staff_only'
  | 'operators_only'
  | 'not_visible'
  | 'not_assignee'
  | 'target_not_in_shared_group'
  | 'not_pin_owner'
  | 'not_own_client';

export type TicketAction =
  | 'ticket.view'
  | 'ticket.take'
  | 'ticket.assign'
  | 'ticket.transfer'
  | 'ticket.unassign'
  | 'ticket.close'
  | 'ticket.reply'
  | 'ticket.setCategory';

export type TabAction = 'tab.unassigned' | 'tab.mine' | 'tab.closed' | 'tab.all' | 'tab.blacklist';

export function forbiddenBecause(reason: ForbiddenReason, message: string): DomainError {
  return new DomainError('forbidden', message, { reason });
}

function requireOperator(actor: Actor): OperatorActor {
  if (actor.kind !== 'operator') throw forbiddenBecause('operators_only', 'Only operators may do this.');
  return actor;
}

export function requireAdmin(actor: Actor): OperatorActor {
  const operator = requireOperator(actor);
  if (operator.role !== 'admin') throw forbiddenBecause('admin_only', 'Only an admin may do this.');
  return operator;
}

export function requireStaff(actor: Actor): OperatorActor {
  const operator = requireOperator(actor);
  if (!isStaff(operator)) throw forbiddenBecause('staff_only', 'Only a supervisor or an admin may do this.');
  return operator;
}

/** L1: operators see unassigned tickets of their groups (no group: all), their own tickets and watched clients'. */
export function canSeeTicket(actor: Actor, ticket: TicketAccess): boolean {
  if (actor.kind === 'visitor') return false;
  if (isStaff(actor)) return true;
  if (ticket.assigneeId === actor.operatorId || ticket.closedBy === actor.operatorId) return true;
  if (actor.watchedClientIds?.includes(ticket.clientId)) return true;
  return ticket.status === 'unassigned' && (actor.groupIds.length === 0 || actor.groupIds.includes(ticket.groupId));
}

/** Throws `forbidden` unless the actor may do the action on the ticket; state rules (e.g. already taken) live elsewhere. */
export function authorizeTicket(actor: Actor, action: TicketAction, ticket: TicketAccess): OperatorActor {
  const operator = requireOperator(actor);
  if (!canSeeTicket(operator, ticket)) {
    throw forbiddenBecause('not_visible', 'This ticket is not visible to you.');
  }
  if (isStaff(operator)) return operator;
  switch (action) {
    case 'ticket.view':
    case 'ticket.take':
      return operator;
    case 'ticket.assign':
    case 'ticket.transfer':
    case 'ticket.close':
      // An operator may move unassigned tickets of its groups and its own; not someone else's.
      if (ticket.status === 'unassigned' || ticket.assigneeId === operator.operatorId) return operator;
      throw forbiddenBecause('not_assignee', 'This ticket is assigned to another operator.');
    case 'ticket.unassign':
    case 'ticket.reply':
    case 'ticket.setCategory':
      if (ticket.status === 'in_progress' && ticket.assigneeId === operator.operatorId) return operator;
      throw forbiddenBecause('not_assignee', 'Only the operator the ticket is assigned to may do this.');
  }
}

/** T5: an operator may pick only operators who share one of its groups; supervisors and admins may pick anyone. */
export function authorizeAssignTarget(actor: Actor, target: { operatorId: string; groupIds: readonly string[] }): void {
  const operator = requireOperator(actor);
  if (isStaff(operator) || target.operatorId === operator.operatorId) return;
  if (!target.groupIds.some((group) => operator.groupIds.includes(group))) {
    throw forbiddenBecause(
      'target_not_in_shared_group',
      'You may assign only to operators who share one of your groups.',
    );
  }
}

/** L1: All and Blacklist tabs are for supervisors and admins. */
export function authorizeTab(actor: Actor, tab: TabAction): OperatorActor {
  const operator = requireOperator(actor);
  if ((tab === 'tab.all' || tab === 'tab.blacklist') && !isStaff(operator)) {
    throw forbiddenBecause('staff_only', 'Only a supervisor or an admin may open this tab.');
  }
  return operator;
}

/** C5: an operator pins a client to itself, an admin to anyone; unpin by that operator or an admin. */
export function authorizePin(actor: Actor, pinTo: string): OperatorActor {
  const operator = requireOperator(actor);
  if (operator.role === 'admin' || pinTo === operator.operatorId) return operator;
  throw forbiddenBecause('not_pin_owner', 'You may pin a client only to yourself.');
}

export function authorizeUnpin(actor: Actor, pinnedTo: string): OperatorActor {
  const operator = requireOperator(actor);
  if (operator.role === 'admin' || pinnedTo === operator.operatorId) return operator;
  throw forbiddenBecause('not_pin_owner', 'Only the operator the client is pinned to, or an admin, may unpin.');
}

/** A widget visitor may act only in its own chat. */
export function authorizeVisitorChat(actor: Actor, clientId: string): void {
  if (actor.kind === 'visitor' && actor.clientId === clientId) return;
  throw forbiddenBecause('not_own_client', 'A visitor may use only its own chat.');
}
