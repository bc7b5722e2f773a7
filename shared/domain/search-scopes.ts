// Where search postings live (M8, X1): each posting is filed under the scopes whose readers may mostly see it, so a
// searcher reads only its own scopes and the exact visibility check discards little.
import { type Actor, isStaff } from './actors';
import type { TicketAccess } from './policy';

/**
 * `all`: everything, read by supervisors and admins (and by operators in no group, who see every unassigned ticket).
 * `group#<id>`: messages written while the ticket was unassigned in that group.
 * `operator#<id>`: messages written while the ticket was that operator's (in progress, or closed by it).
 * One client's whole history has no scope: it lives in one partition and client search reads it directly.
 */
export type SearchScope = 'all' | `group#${string}` | `operator#${string}`;

/** The scope of a ticket as it is when a message is written to it. */
export function ticketScopeOf(ticket: TicketAccess): SearchScope {
  if (ticket.status === 'in_progress' && ticket.assigneeId) return `operator#${ticket.assigneeId}`;
  if (ticket.status === 'closed' && ticket.assigneeId) return `operator#${ticket.assigneeId}`;
  return `group#${ticket.groupId}`;
}

/** A message's postings, and a client's name: the everything-scope and its ticket's scope at the time. */
export function messageScopesOf(ticket: TicketAccess): SearchScope[] {
  return ['all', ticketScopeOf(ticket)];
}

/**
 * The scopes a searcher reads, in order. Staff read `all`. An operator reads its own tickets and its groups' queues;
 * an operator in no group sees every unassigned ticket, so it reads `all` (filtered) as well. A watched client's
 * tickets are searched with client search (its whole history), not here.
 * Every hit is still checked against the ticket as it is now (policy.canSeeTicket): a scope only narrows the read.
 */
export function searcherScopesOf(actor: Actor): SearchScope[] {
  if (actor.kind !== 'operator') return [];
  if (isStaff(actor)) return ['all'];
  const scopes: SearchScope[] = [`operator#${actor.operatorId}`];
  if (actor.groupIds.length === 0) scopes.push('all');
  else scopes.push(...actor.groupIds.map((groupId) => `group#${groupId}` as const));
  return scopes;
}
