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
  | 'not_own_client'
  | 'watch_read_only'
  | 'not_note_author'
  | 'not_template_owner'
  | 'consent_pending'
  /** C6: a widget visitor whose address the widget now blocks. */
  | 'ip_blocked'
  /** CH1: a widget visitor whose widget was disabled or deleted. */
  | 'channel_unavailable';

export type TicketAction =
  | 'ticket.view'
  | 'ticket.take'
  | 'ticket.assign'
  | 'ticket.transfer'
  | 'ticket.unassign'
  | 'ticket.close'
  | 'ticket.reply'
  | 'ticket.setCategory'
  | 'ticket.markRead'
  | 'ticket.typing'
  | 'ticket.tag';

/** C9: all a watcher may do with a ticket it sees only because it watches the client. */
const READ_ONLY_TICKET_ACTIONS: readonly TicketAction[] = ['ticket.view'];

export type ClientAction = 'client.view' | 'client.edit' | 'client.watch';

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
  return seesWithoutWatching(actor, ticket) || watches(actor, ticket.clientId);
}

/** L1 without C9: what the operator's role, groups and assignments show it. */
function seesWithoutWatching(actor: OperatorActor, ticket: TicketAccess): boolean {
  if (isStaff(actor)) return true;
  if (ticket.assigneeId === actor.operatorId || ticket.closedBy === actor.operatorId) return true;
  return ticket.status === 'unassigned' && (actor.groupIds.length === 0 || actor.groupIds.includes(ticket.groupId));
}

const watches = (actor: OperatorActor, clientId: string) => actor.watchedClientIds?.includes(clientId) === true;

/** Throws `forbidden` unless the actor may do the action on the ticket; state rules (e.g. already taken) live elsewhere. */
export function authorizeTicket(actor: Actor, action: TicketAction, ticket: TicketAccess): OperatorActor {
  const operator = requireOperator(actor);
  if (!canSeeTicket(operator, ticket)) {
    throw forbiddenBecause('not_visible', 'This ticket is not visible to you.');
  }
  // C9: watching shows a client's tickets and their events; it changes nothing about them.
  if (!seesWithoutWatching(operator, ticket) && !READ_ONLY_TICKET_ACTIONS.includes(action)) {
    throw forbiddenBecause('watch_read_only', 'You watch this client: you may read its tickets but not change them.');
  }
  if (isStaff(operator)) return operator;
  switch (action) {
    case 'ticket.view':
    case 'ticket.take':
    case 'ticket.markRead':
    case 'ticket.typing':
    case 'ticket.tag':
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

/**
 * C1/C4/C7/C9: a client is visible to staff and to whoever may see its latest ticket. Watching shows the profile
 * (`client.view`) but edits and new watches need visibility of one's own.
 */
export function authorizeClient(actor: Actor, action: ClientAction, latest: TicketAccess | undefined): OperatorActor {
  const operator = requireOperator(actor);
  if (isStaff(operator) || (latest && seesWithoutWatching(operator, latest))) return operator;
  if (latest && watches(operator, latest.clientId)) {
    if (action === 'client.view') return operator;
    throw forbiddenBecause('watch_read_only', 'You watch this client: you may read its profile but not change it.');
  }
  throw forbiddenBecause('not_visible', 'This client is not visible to you.');
}

/** C4: a note is edited or deleted only by the operator who wrote it. */
export function authorizeNoteAuthor(actor: Actor, authorId: string): OperatorActor {
  const operator = requireOperator(actor);
  if (authorId === operator.operatorId) return operator;
  throw forbiddenBecause('not_note_author', 'Only the operator who wrote this note may change or delete it.');
}

/** Q2: global quick replies belong to admins, personal ones to their owner alone. */
export function authorizeTemplateOwner(actor: Actor, owner: string): OperatorActor {
  const operator = requireOperator(actor);
  if (owner === 'global') {
    if (operator.role === 'admin') return operator;
    throw forbiddenBecause('admin_only', 'Only an admin may create or change global quick replies.');
  }
  if (owner === operator.operatorId) return operator;
  throw forbiddenBecause('not_template_owner', 'This personal quick reply belongs to another operator.');
}

/**
 * T5: an operator may pick only operators who share one of its groups (or itself); supervisors and admins may pick
 * anyone. The team directory (O3) lists exactly these.
 */
export function mayAssignTo(
  actor: OperatorActor,
  target: { operatorId: string; groupIds: readonly string[] },
): boolean {
  if (isStaff(actor) || target.operatorId === actor.operatorId) return true;
  return target.groupIds.some((group) => actor.groupIds.includes(group));
}

/** T5, as `mayAssignTo`, refused with its reason. */
export function authorizeAssignTarget(actor: Actor, target: { operatorId: string; groupIds: readonly string[] }): void {
  const operator = requireOperator(actor);
  if (!mayAssignTo(operator, target)) {
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

/**
 * The part of a client that access depends on (X1): its latest ticket decides; a client with no ticket yet belongs to
 * its channel's default group.
 */
export interface ClientAccess {
  clientId: string;
  latest?: TicketAccess | undefined;
  defaultGroupId?: string | undefined;
  pinnedTo?: string | undefined;
}

/** X1: an operator sees a client whose latest ticket it may see; with no ticket, one of its channel's default group. */
export function canSeeClient(actor: Actor, client: ClientAccess): boolean {
  if (actor.kind === 'visitor') return false;
  if (isStaff(actor)) return true;
  if (client.latest) return canSeeTicket(actor, client.latest);
  if (actor.watchedClientIds?.includes(client.clientId)) return true;
  return (
    client.defaultGroupId !== undefined &&
    (actor.groupIds.length === 0 || actor.groupIds.includes(client.defaultGroupId))
  );
}

/**
 * C5 and X1: an operator pins a client it may see to itself, an admin anyone to anyone. A pin held by another operator
 * is replaced only by an admin, so nobody takes over a colleague's client unseen.
 */
export function authorizePin(actor: Actor, pinTo: string, client: ClientAccess): OperatorActor {
  const operator = requireOperator(actor);
  if (!canSeeClient(operator, client)) throw forbiddenBecause('not_visible', 'This client is not visible to you.');
  if (operator.role === 'admin') return operator;
  if (pinTo !== operator.operatorId) throw forbiddenBecause('not_pin_owner', 'You may pin a client only to yourself.');
  if (client.pinnedTo && client.pinnedTo !== operator.operatorId) {
    throw forbiddenBecause(
      'not_pin_owner',
      'This client is pinned to another operator; only an admin may change that.',
    );
  }
  return operator;
}

/** C5: unpin by the operator the client is pinned to, or an admin; visibility is checked before anything is said. */
export function authorizeUnpin(actor: Actor, client: ClientAccess): OperatorActor {
  const operator = requireOperator(actor);
  if (!canSeeClient(operator, client)) throw forbiddenBecause('not_visible', 'This client is not visible to you.');
  if (operator.role === 'admin' || !client.pinnedTo || client.pinnedTo === operator.operatorId) return operator;
  throw forbiddenBecause('not_pin_owner', 'Only the operator the client is pinned to, or an admin, may unpin.');
}

/**
 * T9 and X1: an outbound dialog may be started with a client of the operator's groups (its latest ticket's group, or
 * with no ticket yet its channel's default group), or one whose latest ticket it may see; staff with anyone.
 */
export function authorizeOutboundStart(actor: Actor, client: ClientAccess): OperatorActor {
  const operator = requireOperator(actor);
  const groupId = client.latest?.groupId ?? client.defaultGroupId;
  const ofMyGroups = groupId !== undefined && (operator.groupIds.length === 0 || operator.groupIds.includes(groupId));
  if (isStaff(operator) || ofMyGroups || canSeeClient(operator, client)) return operator;
  throw forbiddenBecause('not_visible', 'You may start a dialog only with clients of your groups.');
}

/** A widget visitor may act only in its own chat. */
export function authorizeVisitorChat(actor: Actor, clientId: string): void {
  if (actor.kind === 'visitor' && actor.clientId === clientId) return;
  throw forbiddenBecause('not_own_client', 'A visitor may use only its own chat.');
}
