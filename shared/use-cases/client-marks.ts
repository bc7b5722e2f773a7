// Marks an operator puts on a client that change how its messages are handled: blacklist (C6) and pin (C5). Each is
// recorded in the client's latest ticket timeline (T10); blacklisting also closes an open ticket, since the client's
// messages stop reaching operators.
import type { OperatorActor } from '../domain/actors';
import { isStaff } from '../domain/actors';
import { conflict, notFound } from '../domain/errors';
import { authorizePin, authorizeUnpin, canSeeTicket, forbiddenBecause } from '../domain/policy';
import type { SystemNote, Ticket } from '../domain/ticket-rules';
import { readConfig } from '../platform/config';
import { publishTicketChange } from '../realtime/ticket-events';
import { keys } from '../store/keys';
import { putMessage, systemMessage } from '../store/messages';
import { getOperator } from '../store/operators';
import {
  type ClientRecord,
  counterDeltas,
  counterUpdates,
  putTicketIfUnchanged,
  readClientHead,
} from '../store/tickets';
import { stale, type TransactStep, transactWrite, withFreshRead } from '../store/transactions';

export type ClientMark =
  | { type: 'blacklist' }
  | { type: 'unblock' }
  | { type: 'pin'; operatorId: string }
  | { type: 'unpin' };

export interface MarkResult {
  client: ClientRecord;
  ticket?: Ticket;
}

export async function markClient(
  actor: OperatorActor,
  clientId: string,
  mark: ClientMark,
  now = new Date(),
): Promise<MarkResult> {
  const pinTarget = mark.type === 'pin' ? await getOperator(mark.operatorId) : undefined;
  if (mark.type === 'pin' && !pinTarget?.enabled)
    throw notFound(`Operator ${mark.type === 'pin' ? mark.operatorId : ''} does not exist or is disabled.`);
  const outcome = await withFreshRead(async () => {
    const { client, latest } = await readClientHead(clientId);
    if (!client) throw notFound(`Client ${clientId} does not exist.`);
    authorizeMark(actor, mark, client, latest);
    const at = now.toISOString();
    const table = readConfig().tableName;
    const steps: TransactStep[] = [];
    let note: SystemNote;
    let after = latest;
    switch (mark.type) {
      case 'blacklist': {
        if (client.blacklisted) throw conflict('This client is already blacklisted.');
        const closing = latest && latest.status !== 'closed';
        const listing = keys.blacklistListing(at, clientId);
        steps.push(
          stale({
            Update: {
              TableName: table,
              Key: keys.client(clientId),
              // Closing the open ticket (T8) happens in the same write: the client has no open ticket any more.
              UpdateExpression: `SET blacklisted = :yes, blacklistedAt = :at, blacklistedBy = :by, gsi1pk = :pk, gsi1sk = :sk${closing ? ' REMOVE openTicketNumber' : ''}`,
              ConditionExpression: `attribute_not_exists(blacklisted)${closing ? ' AND openTicketNumber = :open' : ''}`,
              ExpressionAttributeValues: {
                ':yes': true,
                ':at': at,
                ':by': actor.operatorId,
                ':pk': listing.gsi1pk,
                ':sk': listing.gsi1sk,
                ...(closing ? { ':open': latest.number } : {}),
              },
            },
          }),
        );
        note = { code: 'blacklisted', text: 'Client blacklisted', params: { by: actor.operatorId } };
        if (closing) {
          after = {
            ...latest,
            status: 'closed',
            closedAt: at,
            closedBy: actor.operatorId,
            unreadCount: 0,
            statusChangedAt: at,
          };
        }
        break;
      }
      case 'unblock': {
        if (!client.blacklisted) throw conflict('This client is not blacklisted.');
        steps.push(
          stale({
            Update: {
              TableName: table,
              Key: keys.client(clientId),
              UpdateExpression: 'REMOVE blacklisted, blacklistedAt, blacklistedBy, gsi1pk, gsi1sk',
              ConditionExpression: 'blacklisted = :yes',
              ExpressionAttributeValues: { ':yes': true },
            },
          }),
        );
        note = { code: 'unblocked', text: 'Client unblocked', params: { by: actor.operatorId } };
        break;
      }
      case 'pin': {
        steps.push(
          stale({
            Update: {
              TableName: table,
              Key: keys.client(clientId),
              UpdateExpression: 'SET pinnedTo = :op',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':op': mark.operatorId },
            },
          }),
        );
        note = {
          code: 'pinned',
          text: `Client pinned to ${pinTarget?.name ?? mark.operatorId}`,
          params: { operatorId: mark.operatorId, by: actor.operatorId },
        };
        break;
      }
      case 'unpin': {
        if (!client.pinnedTo) throw conflict('This client is not pinned.');
        steps.push(
          stale({
            Update: {
              TableName: table,
              Key: keys.client(clientId),
              UpdateExpression: 'REMOVE pinnedTo',
              ConditionExpression: 'pinnedTo = :op',
              ExpressionAttributeValues: { ':op': client.pinnedTo },
            },
          }),
        );
        note = { code: 'unpinned', text: 'Client unpinned', params: { by: actor.operatorId } };
        break;
      }
    }
    if (!latest || !after) {
      await transactWrite(steps);
      return { client, before: undefined, after: undefined, messages: [] };
    }
    after = { ...after, seq: latest.seq + 1 };
    const message = systemMessage(after, note, actor, now);
    steps.push(stale(putTicketIfUnchanged(after, latest.seq)), stale(putMessage(message)));
    steps.push(...counterUpdates(counterDeltas(latest, after)).map(stale));
    await transactWrite(steps);
    return { client, before: latest, after, messages: [message] };
  });
  if (outcome.before && outcome.after) await publishTicketChange(outcome.before, outcome.after, outcome.messages);
  const { client } = await readClientHead(clientId);
  return { client: client as ClientRecord, ...(outcome.after ? { ticket: outcome.after } : {}) };
}

/** C6: staff, or an operator who can see the client's latest ticket, may blacklist; C5 pin rules from the policy. */
function authorizeMark(actor: OperatorActor, mark: ClientMark, client: ClientRecord, latest: Ticket | undefined): void {
  if (mark.type === 'pin') {
    authorizePin(actor, mark.operatorId);
    return;
  }
  if (mark.type === 'unpin') {
    // Nothing pinned is a conflict for anyone, reported after this check.
    if (client.pinnedTo) authorizeUnpin(actor, client.pinnedTo);
    return;
  }
  if (isStaff(actor) || (latest && canSeeTicket(actor, latest))) return;
  throw forbiddenBecause('not_visible', 'You may blacklist only clients whose tickets you can see.');
}
