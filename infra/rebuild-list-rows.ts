// `npm run lists:rebuild`: moves a tenant's table made before one list partition per status and group (README,
// "Lists") to that shape: every ticket item gets its list rows again (`listRows`) without the retired ones, and every
// group any ticket or group item names is listed for the staff views. Live connections get their audience entries
// again in the current shape (staff and operators in no group share one partition), and clients in someone's
// favourites are marked watched (C9). Safe to run again and while the tenant works.
// Needs AWS credentials, TABLE_NAME and AWS_REGION in the environment. It Scans the table once: an operator's command,
// never a request path.
import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../shared/platform/aws-clients';
import { readConfig } from '../shared/platform/config';
import { relistConnection } from '../shared/realtime/connections';
import { listGroupsUpdate } from '../shared/store/groups';
import { INDEXES, keys, RETIRED_LIST_ATTRIBUTES } from '../shared/store/keys';
import { listRows, toTicket } from '../shared/store/tickets';
import { isConditionFailure } from '../shared/store/transactions';

export interface ListRebuild {
  tickets: number;
  groups: number;
  /** Live connections whose audience entries were written again. */
  connections: number;
}

/** A ticket changed while it was being rewritten is read again and rewritten; this many times at most. */
const ATTEMPTS = 10;

export async function rebuildListRows(): Promise<ListRebuild> {
  const table = readConfig().tableName;
  const groups = new Set<string>();
  let tickets = 0;
  let connections = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new ScanCommand({
        TableName: table,
        FilterExpression: '#type IN (:ticket, :group, :connection, :operator)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':ticket': 'ticket',
          ':group': 'group',
          ':connection': 'connection',
          ':operator': 'operator',
        },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.type === 'connection') {
        if (await relistConnection(item.connectionId as string)) connections++;
        continue;
      }
      if (item.type === 'operator') {
        for (const clientId of (item.watchedClientIds as string[] | undefined) ?? []) await markWatchedBefore(clientId);
        continue;
      }
      groups.add(item.groupId as string);
      if (item.type === 'ticket') {
        await rewriteTicket(item);
        tickets++;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  if (groups.size > 0) await dynamo().send(new UpdateCommand(listGroupsUpdate([...groups])));
  return { tickets, groups: groups.size, connections };
}

/**
 * C9: a client watched before tickets carried their `watched` mark gets `watchersSince`, so a first ticket it opens
 * from now on reads its watchers (its older tickets, without the mark, already count as watched).
 */
async function markWatchedBefore(clientId: string): Promise<void> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: readConfig().tableName,
        Key: keys.client(clientId),
        UpdateExpression: 'SET watchersSince = if_not_exists(watchersSince, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': new Date().toISOString() },
      }),
    );
  } catch (error) {
    // A client since deleted: nothing to mark.
    if (!isConditionFailure(error)) throw error;
  }
}

/** Sets the ticket's list rows from its state, conditioned on the `seq` read, so a concurrent change is not undone. */
async function rewriteTicket(first: Record<string, unknown>): Promise<void> {
  let item: Record<string, unknown> | undefined = first;
  for (let attempt = 1; item && attempt <= ATTEMPTS; attempt++) {
    const ticket = toTicket(item);
    // Only a client's latest ticket is on a Closed list, in the old shape as in the new one.
    const latest = String(item[INDEXES.listings.partitionKey] ?? '').startsWith(keys.tabClosed(''));
    const rows = listRows(ticket, latest);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = ticket.seq === undefined ? {} : { ':seq': ticket.seq };
    const sets = Object.entries(rows).map(([attribute, value], i) => {
      names[`#s${i}`] = attribute;
      values[`:s${i}`] = value;
      return `#s${i} = :s${i}`;
    });
    const stale = [...RETIRED_LIST_ATTRIBUTES, INDEXES.listings.partitionKey, INDEXES.listings.sortKey].filter(
      (attribute) => !(attribute in rows),
    );
    const removes = stale.map((attribute, i) => {
      names[`#r${i}`] = attribute;
      return `#r${i}`;
    });
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: readConfig().tableName,
          Key: keys.ticket(ticket.clientId, ticket.number),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
          ConditionExpression: ticket.seq === undefined ? 'attribute_not_exists(seq)' : 'seq = :seq',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      ({ Item: item } = await dynamo().send(
        new GetCommand({
          TableName: readConfig().tableName,
          Key: keys.ticket(ticket.clientId, ticket.number),
          ConsistentRead: true,
        }),
      ));
    }
  }
  if (item) throw new Error(`ticket ${String(first.ticketId)} kept changing; run the rebuild again`);
}

async function main() {
  if (!process.env.TABLE_NAME) {
    console.error('Usage: TABLE_NAME=… AWS_REGION=… npm run lists:rebuild');
    process.exit(2);
  }
  const { tickets, groups, connections } = await rebuildListRows();
  console.log(
    `List rows rebuilt: ${tickets} ticket(s), ${groups} group(s) listed, ${connections} live connection(s) relisted.`,
  );
}

if (process.argv[1]?.endsWith('rebuild-list-rows.ts')) {
  main().catch((error: unknown) => {
    console.error(`lists:rebuild: ${(error as Error).message}`);
    process.exit(1);
  });
}
