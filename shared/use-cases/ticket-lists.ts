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
import { DEFAULT_LIST_PAGE_SIZE, LIST_TABS, type ListTab, listQuerySchema, TICKET_STATUSES } from '../protocol/actions';
import { ticketRowOf } from '../protocol/rows';
import type { ClientType } from '../store/clients';
import { type Draft, draftsOf } from '../store/drafts';
import { listedGroupIds } from '../store/groups';
import { INDEXES, type Index, type ItemKey, keys, partitionQuery } from '../store/keys';
import {
  decodeFrontierCursor,
  decodeMergedCursor,
  encodeFrontierCursor,
  encodeMergedCursor,
  type MergePoint,
  type Page,
  type PartitionPosition,
} from '../store/pagination';
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

/** L3: a ticket as a list row (the protocol's mapping, shared with the console). */
export const rowOf: (ticket: Ticket) => TicketRow = ticketRowOf;

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

/** Which partitions of which index a query reads (keys.ts, "Ticket list rows": which view merges which partitions). */
interface ListPlan {
  rows: 'tickets' | 'clients';
  index: Index;
  partitions: string[];
  /** Only on single-partition plans: a filter can make a partition stop short of a full page (see readPartition). */
  filter?: Filter;
  /**
   * How a merge reads: `page` reads a whole page from every partition in one round (one partition, or an operator's
   * own few groups); `frontier` reads a small head of each, then only where one partition leads (staff views over
   * many partitions, see mergeByFrontier).
   */
  merge: 'page' | 'frontier';
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

const single = (index: Index, partition: string, rows: ListPlan['rows'] = 'tickets'): ListPlan => ({
  rows,
  index,
  partitions: [partition],
  merge: 'page',
});

/**
 * The most partitions one page merges: a page's heads are one Query per partition, so a view over more (All in a tenant
 * of over 50 groups, All by status or Unassigned of staff over 150) is refused with the filter that narrows it.
 */
export const MAX_MERGED_PARTITIONS = 150;

/**
 * Every partition of the statuses in the groups: one per (status, group), merged newest first. One partition, or an
 * operator's own two groups, is read a page per partition in one round (at most twice a page); more, and every staff
 * view over several partitions, merge by frontier (a page + 1 + 3 per partition).
 */
function ticketLists(statuses: readonly TicketStatus[], groupIds: readonly string[], ownGroups = false): ListPlan {
  const partitions = groupIds.flatMap((groupId) => statuses.map((status) => keys.ticketList(status, groupId)));
  if (partitions.length > MAX_MERGED_PARTITIONS) {
    const narrower = statuses.length > 1 ? 'status or groupId' : 'groupId';
    throw invalid(
      `${narrower}: this list would merge ${partitions.length} list partitions (${groupIds.length} groups), more than ` +
        `${MAX_MERGED_PARTITIONS}; filter it by ${narrower.replace(' or ', ' or by ')}`,
      { partitions: partitions.length, groups: groupIds.length, max: MAX_MERGED_PARTITIONS },
    );
  }
  return {
    rows: 'tickets',
    index: INDEXES.ticketLists,
    partitions,
    merge: partitions.length === 1 || (ownGroups && partitions.length === 2) ? 'page' : 'frontier',
  };
}

async function planOf(actor: OperatorActor, query: ListQuery): Promise<ListPlan> {
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
        return single(INDEXES.ticketLists, keys.ticketList('unassigned', query.groupId));
      }
      if (seesAll) return ticketLists(['unassigned'], await listedGroupIds());
      // Sorted so the same groups always give the same list (and the same cursor), whatever order they are stored in.
      const groups = [...new Set(actor.groupIds)].sort();
      return ticketLists(['unassigned'], groups, true);
    }
    case 'mine':
    case 'closed': {
      rejectFilters(query, 'status', 'operatorId');
      const partition = query.tab === 'mine' ? keys.tabMine(actor.operatorId) : keys.tabClosed(actor.operatorId);
      // Mine holds at most the operator's capacity, so its group filter reads little. Closed grows without bound: a
      // group filter there can read past the page (up to MAX_FILTER_ROUNDS windows) and may return a short page.
      return withFilter(single(INDEXES.listings, partition), byGroup(query.groupId));
    }
    case 'all': {
      if (query.operatorId !== undefined) {
        // "By operator" in All means that operator's in-progress tickets (its Mine); other statuses have no list.
        if (query.status !== undefined && query.status !== 'in_progress') {
          throw invalid("status: with operatorId, All lists that operator's in_progress tickets only");
        }
        return withFilter(single(INDEXES.listings, keys.tabMine(query.operatorId)), byGroup(query.groupId));
      }
      const statuses = query.status === undefined ? TICKET_STATUSES : [query.status];
      if (query.groupId !== undefined) {
        if (query.status !== undefined) {
          return single(INDEXES.ticketLists, keys.ticketList(query.status, query.groupId));
        }
        return ticketLists(statuses, [query.groupId]);
      }
      return ticketLists(statuses, await listedGroupIds());
    }
    case 'blacklist': {
      // Clients belong to no group and have no ticket status, so only the operator who blocked them filters here.
      rejectFilters(query, 'status', 'groupId');
      const by: Filter | undefined =
        query.operatorId === undefined
          ? undefined
          : { expression: '#by = :by', names: { '#by': 'blacklistedBy' }, values: { ':by': query.operatorId } };
      return withFilter(single(INDEXES.listings, keys.blacklist(), 'clients'), by);
    }
  }
}

const withFilter = (plan: ListPlan, filter: Filter | undefined): ListPlan => (filter ? { ...plan, filter } : plan);

/**
 * Names the view (reader, tab, filters), so a cursor is accepted only by the list that issued it, for the operator it
 * was issued to. A page merge's cursor holds a position per partition, so its partitions are named too; a frontier
 * merge's cursor holds one point that every partition continues from, so partitions may join its list (a group made
 * while someone pages through All) and the cursor stays valid.
 */
function listIdOf(actor: OperatorActor, query: ListQuery, plan: ListPlan): string {
  const signature = JSON.stringify([
    query.tab,
    query.groupId,
    query.status,
    query.operatorId,
    actor.operatorId,
    plan.index.name,
    plan.merge,
    plan.merge === 'page' ? plan.partitions : [],
  ]);
  return createHash('sha256').update(signature).digest('base64url').slice(0, 16);
}

/**
 * An index sort key is `<time>#<ticketId>` (tickets) or `<blacklistedAt>#<clientId>` (clients), so a position alone
 * rebuilds the full ExclusiveStartKey and the cursor stays one short string per partition.
 */
function startKeyOf(plan: ListPlan, partition: string, sortKey: string): Record<string, string> {
  return { ...tableKeyOf(plan, sortKey), [plan.index.partitionKey]: partition, [plan.index.sortKey]: sortKey };
}

/** The table key of the item a list position names; a position that names none is a tampered cursor. */
function tableKeyOf(plan: ListPlan, sortKey: string): ItemKey {
  const hash = sortKey.indexOf('#');
  const id = sortKey.slice(hash + 1);
  if (hash <= 0 || id.length === 0) throw invalid('cursor: is not a cursor this list returned');
  if (plan.rows === 'clients') return keys.client(id);
  try {
    const { clientId, number } = parseTicketId(id);
    return keys.ticket(clientId, number);
  } catch {
    throw invalid('cursor: is not a cursor this list returned');
  }
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

/** Which sort keys a read keeps to: newer than a page's oldest candidate, or older than a cursor's point. */
type SortRange = { above: string } | { below: string };

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
  range?: SortRange,
): Promise<PartitionRead> {
  const sortKey = plan.index.sortKey;
  const items: Array<Record<string, unknown>> = [];
  let startKey = after === null ? undefined : startKeyOf(plan, partition, after);
  const listQuery = partitionQuery(partition, { index: plan.index, ...(range === undefined ? {} : { sort: range }) });
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

/** A page merged from a plan's partitions, and where each partition stands after it. */
interface Merged {
  page: Candidate[];
  next: PartitionPosition[];
}

/**
 * Every partition reads a page (`limit + 1`) in one round. A partition that stopped short (a filter) may still hold
 * items newer than another partition's; only what is newer than every such stop is handed out, so the merged order
 * never skips an item.
 */
async function mergeByPages(plan: ListPlan, positions: PartitionPosition[], limit: number): Promise<Merged> {
  const want = limit + 1;
  const sortKey = plan.index.sortKey;
  const reads = await Promise.all(
    plan.partitions.map((partition, index) => {
      const position = positions[index] ?? null;
      return position === true ? undefined : readPartition(plan, partition, position, want);
    }),
  );
  const cutoff = reads.reduce<string>(
    (highest, read) =>
      read?.stoppedAt && read.items.length < want && read.stoppedAt > highest ? read.stoppedAt : highest,
    '',
  );
  const candidates: Candidate[] = reads.flatMap((read, partition) =>
    (read?.items ?? []).map((item) => ({ item, sortKey: String(item[sortKey]), partition })),
  );
  candidates.sort(newestFirst);
  const page = candidates.filter((candidate) => candidate.sortKey > cutoff).slice(0, limit);
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
  return { page, next };
}

const newestFirst = (a: Candidate, b: Candidate) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0);

/** A frontier merge's first read of each partition: enough to know where the partition's newest items lie. */
const HEAD_WINDOW = 2;
/** Rounds of Queries a frontier merge takes at most (the heads are the first). */
const MAX_MERGE_ROUNDS = 6;

interface Source {
  index: number;
  partition: string;
  /** Read and not yet handed out, newest first. */
  items: Candidate[];
  /** The sort key the next read starts after; null: not read yet (it starts below the cursor's point). */
  after: string | null;
  /** Every unread item of the partition sorts below this (known after the first read). */
  frontier?: string;
  /** Nothing follows what was read. */
  done: boolean;
}

/** A frontier merge's page, and which partitions it left used up. */
interface FrontierPage {
  page: Candidate[];
  done: boolean[];
}

/**
 * A merge over many partitions (staff views: keys.ts, "Ticket list rows") that reads about a page, not a page per
 * partition. Each partition first reads HEAD_WINDOW items. An item is sure once it is newer than every other
 * partition's frontier (the oldest item read there, below which nothing is known). While fewer than `limit + 1` items
 * are sure, the partitions that may still hold a page item (frontier newer than the page's oldest candidate) read a
 * share of what is missing, and only items newer than that candidate (a `sk >` range). The page's reads are capped by
 * construction at `limit + 1 + 3k` items for k partitions (the heads, and one item per partition for shares that fall
 * past the page); if the cap or MAX_MERGE_ROUNDS stops it first, the page holds what is sure and its cursor continues.
 *
 * A next page continues from one point (MergePoint): the last item handed out. A page hands out every item newer than
 * its last one in every partition it reads, so below that point lies exactly what the reader has not been handed, and
 * every partition starts right below it (a `sk <` range on its first read). A partition that joins the list between
 * two pages (a group made, so LISTGROUPS grew) starts there too, the one place that neither repeats nor skips: what it
 * holds above the point either moved in from a partition already read (a transfer keeps the ticket's sort key, so that
 * ticket was handed out already) or got a message after the page was read (which puts a ticket at the top of whatever
 * partition holds it, out of reach of the pages that follow in a new group as in an old one; a reload shows it first);
 * what it holds below the point is older than everything handed out and belongs in the pages that follow, in order.
 * A partition that leaves the list (an operator taken out of a group; LISTGROUPS only grows) is no longer read.
 */
async function mergeByFrontier(plan: ListPlan, start: MergePoint, limit: number): Promise<FrontierPage> {
  const want = limit + 1;
  const sortKey = plan.index.sortKey;
  const sources: Source[] = plan.partitions.map((partition, index) => ({
    index,
    partition,
    items: [],
    after: null,
    done: start.done[index] === true,
  }));
  const read = async (source: Source, count: number, above?: string) => {
    // A partition's first read keeps below the cursor's point; later reads start after an item read below it.
    const range: SortRange | undefined =
      source.after === null
        ? start.before === undefined
          ? undefined
          : { below: start.before }
        : above === undefined
          ? undefined
          : { above };
    const result = await readPartition(plan, source.partition, source.after, count, range);
    const items = result.items.map((item) => ({ item, sortKey: String(item[sortKey]), partition: source.index }));
    source.items.push(...items);
    if (result.stoppedAt !== undefined) {
      source.after = result.stoppedAt;
      source.frontier = result.stoppedAt;
    } else if (range === undefined || 'below' in range) {
      source.done = true;
    } else {
      // The range is used up, not the partition: what follows sorts below the range's bound.
      source.after = items.at(-1)?.sortKey ?? source.after;
      source.frontier = above;
    }
  };
  const sure = () => {
    const open = sources.filter((source) => !source.done);
    return sources
      .flatMap((source) =>
        source.items.filter((candidate) =>
          open.every((other) => other === source || candidate.sortKey >= (other.frontier as string)),
        ),
      )
      .sort(newestFirst);
  };

  // The page's read budget: its size, the heads, and one more item per partition for shares that fall past the page.
  let budget = want + (HEAD_WINDOW + 1) * sources.length;
  const first = sources.filter((source) => !source.done);
  budget -= first.length * HEAD_WINDOW;
  await Promise.all(first.map((source) => read(source, HEAD_WINDOW)));
  for (let round = 1; round < MAX_MERGE_ROUNDS; round++) {
    const need = want - sure().length;
    const open = sources.filter((source) => !source.done);
    if (need <= 0 || open.length === 0) break;
    // The page's oldest item so far: an item older than it can no longer reach the page, so nothing below it is read.
    const known = sources.flatMap((source) => source.items).sort(newestFirst);
    const floor = known.length >= want ? known[want - 1]?.sortKey : undefined;
    const contenders = open.filter((source) => floor === undefined || (source.frontier as string) > floor);
    if (contenders.length === 0) break;
    const share = Math.min(Math.ceil(need / contenders.length), Math.floor(budget / contenders.length));
    if (share < 1) break;
    budget -= share * contenders.length;
    await Promise.all(contenders.map((source) => read(source, share, floor)));
  }

  const page = sure().slice(0, limit);
  const done = sources.map(
    (source) =>
      source.done && page.filter((candidate) => candidate.partition === source.index).length === source.items.length,
  );
  return { page, done };
}

/**
 * L1/L2: a page of a tab, latest message first. One partition, or an operator's own groups (k of them), is read as
 * one Query of `limit + 1` per partition: at most k × (limit + 1) items (a used-up group is not queried again). Staff
 * views over many partitions (All, its status and group filters, Unassigned of staff) merge by frontier: at most
 * `limit + 1 + 3k` items for k partitions, after one GetItem of the listed groups (k = 3G for All); their cursor is one
 * point, so it stays valid when a group is made while someone pages. Filtered lists (Mine/Closed by group, All by
 * operator and group, Blacklist by operator) read at most MAX_FILTER_ROUNDS × (limit + 1) and may then return a short
 * page whose nextCursor continues the search.
 * `nextCursor` is absent exactly when nothing follows, except after a read that stopped short.
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
  const plan = await planOf(actor, query);
  const listId = listIdOf(actor, query, plan);
  const { page, nextCursor } =
    plan.merge === 'frontier' ? await pageByFrontier(plan, listId, query) : await pageByPages(plan, listId, query);
  const items =
    plan.rows === 'clients'
      ? page.map(({ item }) => blacklistRowOfItem(item))
      : await withDrafts(
          actor,
          page.map(({ item }) => ticketRowOfItem(item)),
        );
  return nextCursor === undefined ? { items } : { items, nextCursor };
}

/** A page of a page merge, and its cursor: one position per partition. */
async function pageByPages(plan: ListPlan, listId: string, query: ListQuery) {
  const positions: PartitionPosition[] =
    decodeMergedCursor(query.cursor, listId, plan.partitions.length) ?? plan.partitions.map(() => null);
  const { page, next } = await mergeByPages(plan, positions, query.limit);
  return {
    page,
    nextCursor: next.every((position) => position === true) ? undefined : encodeMergedCursor(listId, next),
  };
}

/** A page of a frontier merge, and its cursor: the point it stopped at and the partitions found used up. */
async function pageByFrontier(plan: ListPlan, listId: string, query: ListQuery) {
  const start = decodeFrontierCursor(query.cursor, listId, plan.partitions) ?? { done: [] };
  // The point must name a ticket's list position, as every position handed out does.
  if (start.before !== undefined) tableKeyOf(plan, start.before);
  const { page, done } = await mergeByFrontier(plan, start, query.limit);
  // A page that hands out nothing keeps the point it started from.
  const before = page.at(-1)?.sortKey ?? start.before;
  return {
    page,
    nextCursor: done.every(Boolean)
      ? undefined
      : encodeFrontierCursor(listId, plan.partitions, before === undefined ? { done } : { before, done }),
  };
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
