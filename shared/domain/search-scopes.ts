// Where search postings live (M8, X1): each posting is filed under the scopes whose readers may mostly see it, so a
// searcher reads only its own scopes and the exact visibility check discards little.
import { type Actor, isStaff } from './actors';
import type { TicketAccess } from './policy';
import { bucketOf } from './search-terms';

/**
 * `all`: everything, read by supervisors and admins (and by operators in no group, who see every unassigned ticket).
 * `group#<id>`: messages written while the ticket was unassigned in that group.
 * `operator#<id>`: messages written while the ticket was that operator's (in progress, or closed by it).
 * `client#<id>`: one client's whole history (client search, watchers).
 */
export type SearchScope = 'all' | `group#${string}` | `operator#${string}` | `client#${string}`;

/** The scope of a ticket as it is when a message is written to it. */
export function ticketScopeOf(ticket: TicketAccess): SearchScope {
  if (ticket.status === 'in_progress' && ticket.assigneeId) return `operator#${ticket.assigneeId}`;
  if (ticket.status === 'closed' && ticket.assigneeId) return `operator#${ticket.assigneeId}`;
  return `group#${ticket.groupId}`;
}

/** A message's postings: everything-scope, its ticket's scope at the time, and its client's history. */
export function messageScopesOf(ticket: TicketAccess): SearchScope[] {
  return ['all', ticketScopeOf(ticket), `client#${ticket.clientId}`];
}

/** A client's name is filed like its ticket's messages, minus the history scope (the client is known there). */
export function clientNameScopesOf(ticket: TicketAccess): SearchScope[] {
  return ['all', ticketScopeOf(ticket)];
}

/**
 * The scopes a searcher reads, in order. Staff read `all`. An operator reads its own tickets, its groups' queues and
 * its watched clients; an operator in no group sees every unassigned ticket, so it reads `all` (filtered) as well.
 * Every hit is still checked against the ticket as it is now (policy.canSeeTicket): a scope only narrows the read.
 */
export function searcherScopesOf(actor: Actor): SearchScope[] {
  if (actor.kind !== 'operator') return [];
  if (isStaff(actor)) return ['all'];
  const scopes: SearchScope[] = [`operator#${actor.operatorId}`];
  if (actor.groupIds.length === 0) scopes.push('all');
  else scopes.push(...actor.groupIds.map((groupId) => `group#${groupId}` as const));
  scopes.push(...(actor.watchedClientIds ?? []).map((clientId) => `client#${clientId}` as const));
  return scopes;
}

/**
 * One client's history is small and written a message at a time, so its postings are not split by first letters:
 * one item per client and batch holds all its words (≈ 1 write unit per message instead of one per word), and a
 * history search reads the client's items newest first, matching in the item.
 */
export const WHOLE_HISTORY_BUCKET = '*';

export function bucketInScope(scope: SearchScope, word: string): string {
  return scope.startsWith('client#') ? WHOLE_HISTORY_BUCKET : bucketOf(word);
}
