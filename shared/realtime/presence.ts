// Operator presence (O3) follows live WebSocket connections. Opening a connection records it with its audiences and
// announces an operator's first connection; closing one announces its last. Supervisors, admins and the operator's
// groups hear `operator.presence` (its own other tabs too, never the connection being opened).
//
// Races: each side writes first and then reads consistently, so every change is seen by at least one of two
// concurrent handshakes. Two tabs opening together may both announce `online`, two closing together may both announce
// `offline`, and a tab opening while another closes may add a redundant `online`. The events are idempotent (the
// latest one is the state), so front ends just apply them; the state itself is always `isOnline`.
import { type Actor, isStaff } from '../domain/actors';
import type { Audience } from '../store/keys';
import { getOperator } from '../store/operators';
import { readClientHead } from '../store/tickets';
import { actorOfPrincipal, type ConnectionPrincipal, principalKeyOf } from './connection-principal';
import { audienceMembersOf, type Connection, connectionIdsOf, recordConnection, removeConnection } from './connections';
import { type FanOutResult, pushToAudiences, pushToConnections, recipientsOf } from './fanout';
import { ticketAudiences } from './ticket-events';

export const PRESENCE_EVENT = 'operator.presence';
export const CLIENT_PRESENCE_EVENT = 'client.presence';

/** `{ "type": "event", "event": "operator.presence", "data": { "operatorId": "op_…", "online": true, "at": "…" } }` */
export interface PresenceFrame {
  type: 'event';
  event: typeof PRESENCE_EVENT;
  data: { operatorId: string; online: boolean; at: string };
}

/**
 * Everyone a connection listens as (R2): its principal; for an operator also `staff` (supervisors, admins), a
 * `group#<id>` per group, or `ungrouped` when it has none (such operators see every group's unassigned tickets), and
 * `watchers#<clientId>` per client it watches (C9).
 */
export function audiencesOf(actor: Actor): Audience[] {
  if (actor.kind === 'visitor') return [`visitor#${actor.clientId}`];
  const groups: Audience[] = actor.groupIds.length
    ? actor.groupIds.map((groupId): Audience => `group#${groupId}`)
    : ['ungrouped'];
  const watched = (actor.watchedClientIds ?? []).map((clientId): Audience => `watchers#${clientId}`);
  return [`operator#${actor.operatorId}`, ...(isStaff(actor) ? (['staff'] as const) : []), ...groups, ...watched];
}

/** Who hears an operator's presence: supervisors and admins, and the members of its groups. */
export function presenceAudiences(groupIds: readonly string[]): Audience[] {
  return ['staff', ...groupIds.map((groupId): Audience => `group#${groupId}`)];
}

export function presenceFrame(operatorId: string, online: boolean, at: Date): PresenceFrame {
  return { type: 'event', event: PRESENCE_EVENT, data: { operatorId, online, at: at.toISOString() } };
}

export async function isOnline(operatorId: string): Promise<boolean> {
  return (await connectionIdsOf(`operator#${operatorId}`)).length > 0;
}

export interface OpenConnectionInput {
  connectionId: string;
  principal: ConnectionPrincipal;
  connectedAt: Date;
  sourceIp?: string | undefined;
}

/** $connect: records the connection; an operator's first live connection announces it online. */
export async function openConnection(input: OpenConnectionInput): Promise<Connection> {
  // Re-read: role and groups may have changed since the token was issued, and a disabled operator is refused here.
  const actor = await actorOfPrincipal(input.principal);
  const connection = await recordConnection({
    connectionId: input.connectionId,
    principal: principalKeyOf(input.principal),
    audiences: audiencesOf(actor),
    connectedAt: input.connectedAt.toISOString(),
    ...(input.sourceIp ? { sourceIp: input.sourceIp } : {}),
  });
  if (actor.kind === 'operator' && (await opensFirst(connection))) {
    // Not to the connection being opened: API Gateway answers a post to it with GoneException until $connect returns,
    // and a Gone push removes the connection's record (R3).
    await announce(actor.operatorId, actor.groupIds, true, input.connectedAt, [connection.connectionId]);
  }
  if (actor.kind === 'visitor' && (await opensFirst(connection))) {
    await announceClient(actor.clientId, true, input.connectedAt);
  }
  return connection;
}

/**
 * $disconnect: forgets the connection; an operator's last one announces it offline. The principal comes from the
 * event's authorizer context, because a failed push (R3) may already have removed the record.
 */
export async function closeConnection(
  connectionId: string,
  principal: ConnectionPrincipal | undefined,
  now: Date,
): Promise<void> {
  const removed = await removeConnection(connectionId);
  if (!principal) return;
  const remaining = await audienceMembersOf(principalKeyOf(principal), { consistentRead: true });
  if (remaining.length > 0) return;
  if (principal.kind === 'visitor') {
    await announceClient(principal.clientId, false, now);
    return;
  }
  const groupIds = removed
    ? removed.audiences.flatMap((audience) => (audience.startsWith('group#') ? [audience.slice('group#'.length)] : []))
    : ((await getOperator(principal.operatorId))?.groupIds ?? []);
  await announce(principal.operatorId, groupIds, false, now);
}

/**
 * True when no other live connection of the operator opened before this one. Comparing against everything read
 * after our own write (rather than "am I alone") means that of two simultaneous handshakes the earlier one always
 * announces, even when each sees the other.
 */
async function opensFirst(connection: Connection): Promise<boolean> {
  const members = await audienceMembersOf(connection.principal, { consistentRead: true });
  const mine = { connectionId: connection.connectionId, connectedAt: connection.connectedAt };
  return members.every(
    (other) =>
      other.connectionId === mine.connectionId ||
      other.connectedAt > mine.connectedAt ||
      (other.connectedAt === mine.connectedAt && other.connectionId > mine.connectionId),
  );
}

/** C3: a widget visitor's first socket opening (or last closing) tells whoever may see its open ticket. */
async function announceClient(clientId: string, online: boolean, at: Date): Promise<void> {
  const { latest } = await readClientHead(clientId);
  if (!latest || latest.status === 'closed') return;
  await pushToAudiences(ticketAudiences(latest), {
    type: 'event',
    event: CLIENT_PRESENCE_EVENT,
    data: { clientId, ticketId: latest.ticketId, online, at: at.toISOString() },
  });
}

async function announce(
  operatorId: string,
  groupIds: readonly string[],
  online: boolean,
  at: Date,
  exclude: readonly string[] = [],
): Promise<FanOutResult> {
  const recipients = await recipientsOf(presenceAudiences(groupIds));
  return pushToConnections(
    recipients.filter((connectionId) => !exclude.includes(connectionId)),
    presenceFrame(operatorId, online, at),
  );
}
