// The rebuild of an older tenant's list rows (infra/rebuild-list-rows.ts) against DynamoDB Local: tickets laid out as
// the four list indexes had them become listed by status and group, and every tab lists them as before.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { rebuildListRows } from '../../infra/rebuild-list-rows';
import type { OperatorActor } from '../../shared/domain/actors';
import { watchedOf } from '../../shared/domain/ticket-open';
import type { Ticket } from '../../shared/domain/ticket-rules';
import { dynamo } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';
import { connectionIdsOf, removeConnection } from '../../shared/realtime/connections';
import { clientItem } from '../../shared/store/clients';
import { INDEXES, keys, RETIRED_LIST_ATTRIBUTES } from '../../shared/store/keys';
import { readClientHead, ticketIdOf, ticketItem } from '../../shared/store/tickets';
import { listTickets } from '../../shared/use-cases/ticket-lists';
import { useTestTable } from '../support/table';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();
const sue: OperatorActor = { kind: 'operator', operatorId: 'sue', role: 'supervisor', groupIds: [] };
const ann: OperatorActor = { kind: 'operator', operatorId: 'ann', role: 'operator', groupIds: ['g1'] };

function ticketOf(n: number, status: Ticket['status'], groupId: string, assigneeId?: string): Ticket {
  const clientId = `cl_old${n}`;
  return {
    ticketId: ticketIdOf(clientId, n),
    number: n,
    clientId,
    clientName: `Client ${n}`,
    channelId: 'web',
    status,
    groupId,
    ...(assigneeId ? { assigneeId } : {}),
    ...(status === 'closed' ? { closedBy: assigneeId, closedAt: at(n) } : {}),
    openedAt: at(0),
    statusChangedAt: at(n),
    lastMessageAt: at(n),
    lastMessagePreview: 'hello',
    lastMessageFromOperator: false,
    unreadCount: 0,
    messageCount: 1,
    seq: 2,
  };
}

/** A ticket item as the four list indexes laid it out: tab in gsi1, All in gsi2, by status gsi3, by group gsi4. */
function olderItem(ticket: Ticket): Record<string, unknown> {
  const item = ticketItem(ticket) as Record<string, unknown>;
  const { listings, ticketLists } = INDEXES;
  for (const attribute of [listings.partitionKey, listings.sortKey, ticketLists.partitionKey, ticketLists.sortKey]) {
    delete item[attribute];
  }
  const sk = keys.listSortKey(ticket.lastMessageAt, ticket.ticketId);
  const tab =
    ticket.status === 'unassigned'
      ? `Q#UNASSIGNED#${ticket.groupId}`
      : ticket.status === 'in_progress'
        ? keys.tabMine(ticket.assigneeId as string)
        : keys.tabClosed(ticket.closedBy as string);
  const [g3pk, g3sk, g4pk, g4sk] = RETIRED_LIST_ATTRIBUTES;
  return {
    ...item,
    [listings.partitionKey]: tab,
    [listings.sortKey]: sk,
    [ticketLists.partitionKey]: 'Q#ALL',
    [ticketLists.sortKey]: sk,
    [g3pk]: `Q#STATUS#${ticket.status}`,
    [g3sk]: sk,
    [g4pk]: `Q#GROUP#${ticket.groupId}`,
    [g4sk]: sk,
  };
}

const put = (item: Record<string, unknown>) =>
  dynamo().send(new PutCommand({ TableName: readConfig().tableName, Item: item }));

describe('Rebuilding an older tenant’s list rows (L1/L2)', () => {
  const tickets = [
    ticketOf(1, 'unassigned', 'g1'),
    ticketOf(2, 'in_progress', 'g1', 'ann'),
    ticketOf(3, 'closed', 'g2', 'ann'),
    ticketOf(4, 'unassigned', 'g2'),
  ];

  beforeAll(async () => {
    await useTestTable();
    for (const ticket of tickets) await put(olderItem(ticket));
    // A group made before groups were listed for the staff views, with no ticket yet.
    await put({ ...keys.group('g3'), type: 'group', groupId: 'g3', name: 'Third line' });
  });

  it('L1/L2 before the rebuild the staff views find nothing; after it every tab lists the tickets as before', async () => {
    expect((await listTickets(sue, { tab: 'all', limit: 25 })).items).toEqual([]);
    expect(await rebuildListRows()).toEqual({ tickets: 4, groups: 3, connections: 0 });
    const ids = (page: { items: Array<{ ticketId?: string }> }) => page.items.map((row) => row.ticketId);
    const [t1, t2, t3, t4] = tickets.map((ticket) => ticket.ticketId);
    expect(ids(await listTickets(sue, { tab: 'all', limit: 25 }))).toEqual([t4, t3, t2, t1]);
    expect(ids(await listTickets(sue, { tab: 'unassigned', limit: 25 }))).toEqual([t4, t1]);
    expect(ids(await listTickets(ann, { tab: 'unassigned', limit: 25 }))).toEqual([t1]);
    expect(ids(await listTickets(ann, { tab: 'mine', limit: 25 }))).toEqual([t2]);
    expect(ids(await listTickets(ann, { tab: 'closed', limit: 25 }))).toEqual([t3]);
    expect(ids(await listTickets(sue, { tab: 'all', status: 'closed', limit: 25 }))).toEqual([t3]);
  });

  it('L1 the rebuilt ticket carries exactly the rows the new shape gives it, and running it again changes nothing', async () => {
    const read = async (ticket: Ticket) =>
      (
        await dynamo().send(
          new GetCommand({
            TableName: readConfig().tableName,
            Key: keys.ticket(ticket.clientId, ticket.number),
            ConsistentRead: true,
          }),
        )
      ).Item as Record<string, unknown>;
    const unassigned = tickets[0] as Ticket;
    const before = await read(unassigned);
    expect(before).toEqual(ticketItem(unassigned));
    for (const attribute of [...RETIRED_LIST_ATTRIBUTES, INDEXES.listings.partitionKey]) {
      expect(before).not.toHaveProperty(attribute);
    }
    expect(await rebuildListRows()).toEqual({ tickets: 4, groups: 3, connections: 0 });
    expect(await read(unassigned)).toEqual(before);
  });

  it('R2: a live connection of an operator in no group, listed the old way, is found by fan-out after the rebuild', async () => {
    const connectedAt = new Date().toISOString();
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    // As recorded before staff and `ungrouped` shared a partition: an entry of its own, no `joins`.
    await put({
      ...keys.connection('old-loner'),
      type: 'connection',
      connectionId: 'old-loner',
      principal: 'operator#loner',
      audiences: ['ungrouped', 'operator#loner'],
      connectedAt,
      expiresAt,
    });
    const retired = keys.retiredUngroupedMember('old-loner');
    await put({ ...retired, type: 'audienceMember', connectionId: 'old-loner', connectedAt, expiresAt });
    expect(await connectionIdsOf('ungrouped')).toEqual([]);
    expect(await rebuildListRows()).toEqual({ tickets: 4, groups: 3, connections: 1 });
    expect(await connectionIdsOf('ungrouped')).toEqual(['old-loner']);
    expect(await connectionIdsOf('staff')).toEqual([]);
    const { Item } = await dynamo().send(new GetCommand({ TableName: readConfig().tableName, Key: retired }));
    expect(Item).toBeUndefined();
    // Closed since: the next rebuild has nothing of it to relist.
    await removeConnection('old-loner');
    expect(await rebuildListRows()).toEqual({ tickets: 4, groups: 3, connections: 0 });
    expect(await connectionIdsOf('ungrouped')).toEqual([]);
  });

  it("C9: a client in an operator's favourites from before tickets were marked gets watchersSince, so its first ticket reads its watchers", async () => {
    await put(
      clientItem({
        clientId: 'cl_fav',
        channelId: 'web',
        externalId: 'fav',
        type: 'crm',
        originalName: 'Fav',
        name: 'Fav',
        createdAt: at(1),
      }),
    );
    await put({
      ...keys.operator('op_fav'),
      type: 'operator',
      operatorId: 'op_fav',
      watchedClientIds: ['cl_fav', 'cl_gone'],
    });
    expect(watchedOf((await readClientHead('cl_fav')).client, undefined)).toBe(false);
    await rebuildListRows();
    const { client } = await readClientHead('cl_fav');
    expect(client?.watchersSince).toEqual(expect.any(String));
    expect(watchedOf(client, undefined)).toBe(true);
    expect((await readClientHead('cl_gone')).client).toBeUndefined();
  });
});
