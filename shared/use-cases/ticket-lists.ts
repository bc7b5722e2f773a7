// The operator's tabs (L1–L3): which sparse-index partitions a tab reads, a newest-first merge of them, and list rows.

import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import type { OperatorActor } from '../domain/actors';
import { isStaff } from '../domain/actors';
import { describeIssues, invalid } from '../domain/errors';
import { authorizeTab, forbiddenBecause, type TicketStatus } from '../domain/policy';
import type { SlaMark } from '../domain/sla';
import type { Ticket } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { DEFAULT_LIST_PAGE_SIZE, LIST_TABS, type ListTab, listQuerySchema } from '../protocol/actions';
import type { ClientType } from '../store/clients';
import { type Draft, draftsOf } from '../store/drafts';
import { INDEXES, type Index, type ItemKey, keys, partitionQuery } from '../store/keys';
import { decodeMergedCursor, encodeMergedCursor, type Page, type PartitionPosition } from '../store/pagination';
import { parseTicketId, toTicket } from '../store/tickets';

export { DEFAULT_LIST_PAGE_SIZE, LIST_TABS, type ListTab, listQuerySchema };
export type TicketTab = Exclude<ListTab, 'blacklist'>;

export type ListQuery = z.output<typeof listQuerySchema>;

export function parseListQuery(input: unknown): ListQuery {
  const parsed = listQuerySchema.safeParse(input);
  if (!parsed.success) throw invalid(describeIssues(parsed.error.issues));
  return parsed.data;
}

/** S3/L3: a row's SLA state: `ok` while the client waits within its thresholds, then `warning`, then `breached`. */
export type SlaState = 'ok' | SlaMark;

/** L3: one row of a ticket tab. */
export interface TicketRow {
  ticketId: string;
  number: number;
  status: TicketStatus;
  clientId: string;
  clientName: string;
  channelId: string;
  groupId: string;
  assigneeId: string | null;
  lastMessageAt: string;
  lastMessagePreview: string;
  lastMessageFromOperator: boolean;
  unreadCount: number;
  /** T12: the client's number of tickets (see Ticket.clientTicketCount); null on tickets older than the field. */
  clientTicketCount: number | null;
  /** S3: null when no SLA clock runs (nobody waits for an answer, or SLA is off). */
  sla: SlaState | null;
  /** S4: when the warning and the deadline fall, for countdowns; null without a running clock. */
  slaWarnAt: string | null;
  slaDueAt: string | null;
  /** M10: the reading operator's own draft for this ticket, if it has one. */
  draft?: Draft;
}

/** A row of the Blacklist tab: the client, not a ticket (C6). */
export interface BlacklistedClientRow {
  clientId: string;
  name: string;
  channelId: string;
  clientType: ClientType;
  blacklistedAt: string;
  blacklistedBy: string | null;
}

export type ListRow = TicketRow | BlacklistedClientRow;

export function rowOf(ticket: Ticket): TicketRow {
  return {
    ticketId: ticket.ticketId,
    number: ticket.number,
    status: ticket.status,
    clientId: ticket.clientId,
    clientName: ticket.clientName,
    channelId: ticket.channelId,
    groupId: ticket.groupId,
    assigneeId: ticket.assigneeId ?? null,
    lastMessageAt: ticket.lastMessageAt,
    lastMessagePreview: ticket.lastMessagePreview,
    lastMessageFromOperator: ticket.lastMessageFromOperator,
    unreadCount: ticket.unreadCount,
    clientTicketCount: ticket.clientTicketCount ?? null,
    sla: ticket.sla ? (ticket.sla.mark ?? 'ok') : null,
    slaWarnAt: ticket.sla?.warnAt ?? null,
    slaDueAt: ticket.sla?.dueAt ?? null,
  };
}

function ticketRowOfItem(item: Record<string, unknown>): TicketRow {
  return rowOf(toTicket(item));
}

// The blacklist action (C6) puts `blacklistedAt`, `blacklistedBy` and keys.blacklistListing on the client item.
function blacklistRowOfItem(item: Record<string, unknown>): BlacklistedClientRow {
  return {
    clientId: item.clientId as string,
    name: item.name as string,
    channelId: item.channelId as string,
    clientType: item.clientType as ClientType,
    blacklistedAt: item.blacklistedAt as string,
    blacklistedBy: typeof item.blacklistedBy === 'string' ? item.blacklistedBy : null,
  };
}

interface Filter {
  expression: string;
  names: Record<string, string>;
  values: Record<string, string>;
}

/** Which partitions of which index a query reads; more than one partition only for an operator's Unassigned. */
interface ListPlan {
  rows: 'tickets' | 'clients';
  index: Index;
  partitions: string[];
  /** Only on single-partition plans: a filter can make a partition stop short of a full page (see readPartition). */
  filter?: Filter;
}

const byGroup = (groupId: string | undefined): Filter | undefined =>
  groupId === undefined
    ? undefined
    : { expression: '#group = :group', names: { '#group': 'groupId' }, values: { ':group': groupId } };

function rejectFilters(query: ListQuery, ...filters: Array<'status' | 'operatorId' | 'groupId'>): void {
  for (const filter of filters) {
    if (query[filter] !== undefined) {
      const allowed = filter === 'operatorId' ? 'All and Blacklist' : filter === 'status' ? 'All' : 'ticket tabs';
      throw invalid(`${filter}: the ${query.tab} tab cannot be filtered by ${filter}; only ${allowed} can`);
    }
  }
}

function planOf(actor: OperatorActor, query: ListQuery): ListPlan {
  switch (query.tab) {
    case 'unassigned': {
      rejectFilters(query, 'status', 'operatorId');
      // L1: an operator in no group sees every unassigned ticket, as staff do.
      const seesAll = isStaff(actor) || actor.groupIds.length === 0;
      if (query.groupId !== undefined) {
        if (!seesAll && !actor.groupIds.includes(query.groupId)) {
          throw forbiddenBecause(
            'not_visible',
            `You are not a member of group ${query.groupId}; filter Unassigned by one of your own groups.`,
          );
        }
        return { rows: 'tickets', index: INDEXES.listings, partitions: [keys.tabUnassigned(query.groupId)] };
      }
      if (seesAll) return { rows: 'tickets', index: INDEXES.byStatus, partitions: [keys.listByStatus('unassigned')] };
      // Sorted so the same groups always give the same list (and the same cursor), whatever order they are stored in.
      const groups = [...new Set(actor.groupIds)].sort();
      return { rows: 'tickets', index: INDEXES.listings, partitions: groups.map(keys.tabUnassigned) };
    }
    case 'mine':
    case 'closed': {
      rejectFilters(query, 'status', 'operatorId');
      const partition = query.tab === 'mine' ? keys.tabMine(actor.operatorId) : keys.tabClosed(actor.operatorId);
      // Mine holds at most the operator's capacity, so its group filter reads little. Closed grows without bound: a
      // group filter there can read past the page (up to MAX_FILTER_ROUNDS windows) and may return a short page.
      return withFilter({ rows: 'tickets', index: INDEXES.listings, partitions: [partition] }, byGroup(query.groupId));
    }
    case 'all': {
      if (query.operatorId !== undefined) {
        // "By operator" in All means that operator's in-progress tickets (its Mine); other statuses have no list.
        if (query.status !== undefined && query.status !== 'in_progress') {
          throw invalid("status: with operatorId, All lists that operator's in_progress tickets only");
        }
        const plan: ListPlan = {
          rows: 'tickets',
          index: INDEXES.listings,
          partitions: [keys.tabMine(query.operatorId)],
        };
        return withFilter(plan, byGroup(query.groupId));
      }
      if (query.groupId !== undefined) {
        // Group and status together: the group's partition, status filtered (may read past the page, see above).
        const status: Filter | undefined =
          query.status === undefined
            ? undefined
            : { expression: '#status = :status', names: { '#status': 'status' }, values: { ':status': query.status } };
        return withFilter(
          { rows: 'tickets', index: INDEXES.byGroup, partitions: [keys.listByGroup(query.groupId)] },
          status,
        );
      }
      if (query.status !== undefined) {
        return { rows: 'tickets', index: INDEXES.byStatus, partitions: [keys.listByStatus(query.status)] };
      }
      return { rows: 'tickets', index: INDEXES.all, partitions: [keys.listAll()] };
    }
    case 'blacklist': {
      // Clients belong to no group and have no ticket status, so only the operator who blocked them filters here.
      rejectFilters(query, 'status', 'groupId');
      const by: Filter | undefined =
        query.operatorId === undefined
          ? undefined
          : { expression: '#by = :by', names: { '#by': 'blacklistedBy' }, values: { ':by': query.operatorId } };
      return withFilter({ rows: 'clients', index: INDEXES.listings, partitions: [keys.blacklist()] }, by);
    }
  }
}

const withFilter = (plan: ListPlan, filter: Filter | undefined): ListPlan => (filter ? { ...plan, filter } : plan);

/** Names the exact query (tab, filters, partitions), so a cursor is accepted only by the list that issued it. */
function listIdOf(query: ListQuery, plan: ListPlan): string {
  const signature = JSON.stringify([
    query.tab,
    query.groupId,
    query.status,
    query.operatorId,
    plan.index.name,
    plan.partitions,
  ]);
  return createHash('sha256').update(signature).digest('base64url').slice(0, 16);
}

/**
 * An index sort key is `<time>#<ticketId>` (tickets) or `<blacklistedAt>#<clientId>` (clients), so a position alone
 * rebuilds the full ExclusiveStartKey and the cursor stays one short string per partition.
 */
function startKeyOf(plan: ListPlan, partition: string, sortKey: string): Record<string, string> {
  const hash = sortKey.indexOf('#');
  const id = sortKey.slice(hash + 1);
  if (hash <= 0 || id.length === 0) throw invalid('cursor: is not a cursor this list returned');
  let table: ItemKey;
  if (plan.rows === 'clients') {
    table = keys.client(id);
  } else {
    try {
      const { clientId, number } = parseTicketId(id);
      table = keys.ticket(clientId, number);
    } catch {
      throw invalid('cursor: is not a cursor this list returned');
    }
  }
  return { ...table, [plan.index.partitionKey]: partition, [plan.index.sortKey]: sortKey };
}

/** A filtered partition is read in at most this many windows of `limit + 1` items per page before a short page. */
const MAX_FILTER_ROUNDS = 4;

interface PartitionRead {
  items: Array<Record<string, unknown>>;
  /** Nothing follows the items read. */
  exhausted: boolean;
  /** When not exhausted: the sort key the read stopped at (items up to it are accounted for). */
  stoppedAt?: string;
}

/**
 * Reads up to `want` matching items newest first. Unfiltered that is one Query of `Limit: want`; with a filter DynamoDB
 * counts items before filtering, so further windows are read until `want` match, the partition ends, or
 * MAX_FILTER_ROUNDS windows have been read.
 */
async function readPartition(
  plan: ListPlan,
  partition: string,
  after: string | null,
  want: number,
): Promise<PartitionRead> {
  const sortKey = plan.index.sortKey;
  const items: Array<Record<string, unknown>> = [];
  let startKey = after === null ? undefined : startKeyOf(plan, partition, after);
  const listQuery = partitionQuery(partition, { index: plan.index });
  Object.assign(listQuery.ExpressionAttributeNames, plan.filter?.names);
  Object.assign(listQuery.ExpressionAttributeValues, plan.filter?.values);
  for (let round = 1; ; round++) {
    const result = await dynamo().send(
      new QueryCommand({
        TableName: readConfig().tableName,
        ...listQuery,
        ...(plan.filter ? { FilterExpression: plan.filter.expression } : {}),
        ScanIndexForward: false,
        Limit: want,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(result.Items ?? []));
    const last = result.LastEvaluatedKey?.[sortKey];
    if (typeof last !== 'string') return { items, exhausted: true };
    if (items.length >= want || round === MAX_FILTER_ROUNDS) return { items, exhausted: false, stoppedAt: last };
    startKey = startKeyOf(plan, partition, last);
  }
}

interface Candidate {
  item: Record<string, unknown>;
  sortKey: string;
  partition: number;
}

/**
 * L1/L2: a page of a tab, latest message first. Cost: one Query of `limit + 1` per partition read, so one partition's
 * page reads at most `limit + 1` items and an operator's Unassigned over k groups at most k × (limit + 1) (a used-up
 * group is not queried again). Filtered lists (Mine/Closed by group, All by group and status, Blacklist by operator)
 * read at most MAX_FILTER_ROUNDS × (limit + 1) and may then return a short page whose nextCursor continues the search.
 * `nextCursor` is absent exactly when nothing follows, except after a filtered read that stopped short.
 */
export function listTickets(
  actor: OperatorActor,
  query: ListQuery & { tab: 'blacklist' },
): Promise<Page<BlacklistedClientRow>>;
export function listTickets(actor: OperatorActor, query: ListQuery & { tab: TicketTab }): Promise<Page<TicketRow>>;
export function listTickets(actor: OperatorActor, query: ListQuery): Promise<Page<ListRow>>;
export async function listTickets(actor: OperatorActor, input: ListQuery): Promise<Page<ListRow>> {
  authorizeTab(actor, `tab.${input.tab}`);
  const query = parseListQuery(input);
  const plan = planOf(actor, query);
  const listId = listIdOf(query, plan);
  const positions: PartitionPosition[] =
    decodeMergedCursor(query.cursor, listId, plan.partitions.length) ?? plan.partitions.map(() => null);
  const want = query.limit + 1;
  const sortKey = plan.index.sortKey;

  const reads = await Promise.all(
    plan.partitions.map((partition, index) => {
      const position = positions[index] ?? null;
      return position === true ? undefined : readPartition(plan, partition, position, want);
    }),
  );

  // A partition that stopped short may still hold items newer than another partition's; hand out only what is newer
  // than every such stop, so the merged order never skips an item.
  const cutoff = reads.reduce<string>(
    (highest, read) =>
      read?.stoppedAt && read.items.length < want && read.stoppedAt > highest ? read.stoppedAt : highest,
    '',
  );
  const candidates: Candidate[] = reads.flatMap((read, partition) =>
    (read?.items ?? []).map((item) => ({ item, sortKey: String(item[sortKey]), partition })),
  );
  candidates.sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
  const page = candidates.filter((candidate) => candidate.sortKey > cutoff).slice(0, query.limit);

  const next = positions.map((position, index): PartitionPosition => {
    const read = reads[index];
    if (position === true || read === undefined) return true;
    const handedOut = page.filter((candidate) => candidate.partition === index);
    if (handedOut.length === read.items.length) {
      if (read.exhausted) return true;
      return read.stoppedAt ?? position;
    }
    return handedOut.at(-1)?.sortKey ?? position;
  });
  const items =
    plan.rows === 'clients'
      ? page.map(({ item }) => blacklistRowOfItem(item))
      : await withDrafts(
          actor,
          page.map(({ item }) => ticketRowOfItem(item)),
        );
  return next.every((position) => position === true)
    ? { items }
    : { items, nextCursor: encodeMergedCursor(listId, next) };
}

/** M10: rows are shared by every operator, so each reader's drafts are laid over its page with one BatchGet. */
async function withDrafts(actor: OperatorActor, rows: TicketRow[]): Promise<TicketRow[]> {
  const drafts = await draftsOf(
    actor.operatorId,
    rows.map((row) => row.ticketId),
  );
  return rows.map((row) => {
    const draft = drafts.get(row.ticketId);
    return draft ? { ...row, draft } : row;
  });
}
