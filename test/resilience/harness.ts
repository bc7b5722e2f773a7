// Shared tools of the resilience suite: operator sockets, a table-write recorder, fresh tables, table invariants.
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localDynamoClient } from '../../infra/local/table';
import { ERROR_CODES, type ErrorCode } from '../../shared/domain/errors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';
import { INDEXES, keys, partitionQuery } from '../../shared/store/keys';
import { connect, type Peer } from '../support/peer';

/** The one error vocabulary (shared/domain/errors.ts) minus `internal`: a fuzzed request never earns a server error. */
export const CLIENT_ERROR_CODES: readonly ErrorCode[] = ERROR_CODES.filter((code) => code !== 'internal');

/**
 * Silences the product's info/warn logging (ignored updates, skipped media…) for a noisy run, and keeps what it logs as
 * errors: handlers log there exactly when they answer 5xx or an internal error frame.
 */
export function captureConsole(): { errors: string[]; restore(): void } {
  const errors: string[] = [];
  const saved = { info: console.info, warn: console.warn, log: console.log, error: console.error };
  console.info = () => {};
  console.warn = () => {};
  console.log = () => {};
  console.error = (...args: unknown[]) => {
    errors.push(args.map((arg) => (arg instanceof Error ? (arg.stack ?? arg.message) : String(arg))).join(' '));
  };
  return {
    errors,
    restore() {
      Object.assign(console, saved);
    },
  };
}

/** Connects an operator's socket through the gateway and finds the connection id it was given (one at a time). */
export async function connectOperator(
  stack: {
    gateway: { wsUrl: string; connectionIds(): string[] };
    tokens: { mintAccessToken(id: string): Promise<string> };
  },
  operatorId: string,
): Promise<{ peer: Peer; connectionId: string }> {
  const before = new Set(stack.gateway.connectionIds());
  const token = await stack.tokens.mintAccessToken(operatorId);
  const peer = await connect(`${stack.gateway.wsUrl}?token=${encodeURIComponent(token)}`);
  const connectionId = stack.gateway.connectionIds().find((id) => !before.has(id));
  if (!connectionId) throw new Error('the gateway lists no new connection');
  return { peer, connectionId };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

export interface RecordedWrite {
  command: string;
  /** The keys written (pk only, enough to say what was touched). */
  keys: string[];
}

/**
 * Records every table write that succeeded, from the test and from the handlers the local gateway runs in this process
 * (they share the DynamoDB client). Re-attaches itself if the cached client was replaced (resetClients).
 */
export function recordWrites() {
  const writes: RecordedWrite[] = [];
  let watched: ReturnType<typeof dynamo> | undefined;
  const attach = () => {
    const client = dynamo();
    if (client === watched) return;
    watched = client;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const output = await next(args);
        const command = context.commandName ?? '';
        if (WRITE_COMMANDS.has(command)) writes.push({ command, keys: writtenKeys(args.input) });
        return output;
      },
      { step: 'initialize', name: 'resilienceWriteRecorder' },
    );
  };
  attach();
  return {
    writes,
    /** The position to compare against after a request. */
    mark(): number {
      attach();
      return writes.length;
    },
    since(mark: number): RecordedWrite[] {
      return writes.slice(mark);
    },
  };
}

function writtenKeys(input: unknown): string[] {
  const found: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 6 || value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const pk = record.pk as { S?: unknown } | string | undefined;
    if (typeof pk === 'string') found.push(pk);
    else if (pk && typeof pk === 'object' && typeof pk.S === 'string') found.push(pk.S);
    for (const child of Object.values(record)) visit(child, depth + 1);
  };
  visit(input, 0);
  return found;
}

/** A fresh table in the shared DynamoDB Local, with the product code pointed at it. */
export async function freshTable(endpoint: string): Promise<string> {
  const tableName = `res-${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, tableName);
  process.env.DYNAMODB_ENDPOINT = endpoint;
  process.env.TABLE_NAME = tableName;
  resetClients();
  return tableName;
}

/** Drops a table made by freshTable (long runs make hundreds). */
export async function dropTable(endpoint: string, tableName: string): Promise<void> {
  const client = localDynamoClient(endpoint);
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } finally {
    client.destroy();
  }
}

export type Item = Record<string, unknown>;

/** Every item of the current table (tests may Scan; product code never does). */
export async function scanTable(): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new ScanCommand({ TableName: readConfig().tableName, ExclusiveStartKey: cursor, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/** The Mine tab of an operator, read the way the product reads it (the listings index). */
export async function mineTab(operatorId: string): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: readConfig().tableName,
        ...partitionQuery(keys.tabMine(operatorId), { index: INDEXES.listings }),
        ExclusiveStartKey: cursor,
      }),
    );
    items.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const num = (value: unknown) => (typeof value === 'number' ? value : 0);

export interface InvariantOptions {
  /** T11 periods, to check that every open ticket has a timer due by its deadline. */
  autoClose?: { inProgressMinutes: number; unassignedDays: number };
}

/**
 * The table-wide invariants (T1, T8, T11, T12, CH2): at most one open ticket per client, at most one assignee, list
 * rows and counters that agree with the tickets, one stored message per channel message id, no client message in a
 * ticket after it closed, distinct message sequence numbers. Returns what is violated; empty when all hold.
 */
export async function invariantViolations(options: InvariantOptions = {}): Promise<string[]> {
  const items = await scanTable();
  const violations: string[] = [];
  const clients = new Map<string, Item>();
  const tickets = new Map<string, Item>();
  const ticketsOfClient = new Map<string, Item[]>();
  const messages: Item[] = [];
  const counters = new Map<string, Item>();
  const timers: Item[] = [];
  for (const item of items) {
    if (item.type === 'client') clients.set(item.clientId as string, item);
    if (item.type === 'ticket') {
      tickets.set(item.ticketId as string, item);
      const list = ticketsOfClient.get(item.clientId as string) ?? [];
      list.push(item);
      ticketsOfClient.set(item.clientId as string, list);
    }
    if (item.type === 'message') messages.push(item);
    if (item.type === 'operatorCounters') counters.set(item.operatorId as string, item);
    if (item.type === 'timer') timers.push(item);
  }
  // C6: a blacklisted client's messages are kept in its latest (closed) ticket by design, after it closed.
  const blacklisted = new Set(
    messages
      .filter((message) => (message.note as { code?: string } | undefined)?.code === 'blacklisted')
      .map((message) => message.clientId as string),
  );

  for (const [clientId, client] of clients) {
    const own = (ticketsOfClient.get(clientId) ?? []).sort((a, b) => num(b.number) - num(a.number));
    const open = own.filter((ticket) => ticket.status !== 'closed');
    if (open.length > 1) violations.push(`client ${clientId} has ${open.length} open tickets`);
    const openNumber = client.openTicketNumber as number | undefined;
    if (open.length === 1 && openNumber !== open[0]?.number) {
      violations.push(`client ${clientId}: openTicketNumber ${openNumber} but ticket ${open[0]?.number} is open`);
    }
    if (open.length === 0 && openNumber !== undefined) {
      violations.push(`client ${clientId}: openTicketNumber ${openNumber} but no ticket is open`);
    }
    if (open.length === 1 && open[0] !== own[0]) violations.push(`client ${clientId}: an older ticket is open`);
    if (num(client.ticketCount) !== own.length) {
      violations.push(`client ${clientId}: ticketCount ${client.ticketCount} but ${own.length} tickets`);
    }
    own.forEach((ticket, index) => {
      violations.push(...listRowViolations(ticket, index === 0));
    });
  }

  // T12: counters against a recount of the tickets themselves.
  const recount = new Map<string, { inProgress: number; unreadTickets: number }>();
  for (const ticket of tickets.values()) {
    const assignee = str(ticket.assigneeId);
    if (ticket.status !== 'in_progress' || !assignee) continue;
    const entry = recount.get(assignee) ?? { inProgress: 0, unreadTickets: 0 };
    entry.inProgress++;
    if (num(ticket.unreadCount) > 0) entry.unreadTickets++;
    recount.set(assignee, entry);
  }
  for (const operatorId of new Set([...recount.keys(), ...counters.keys()])) {
    const stored = counters.get(operatorId);
    const expected = recount.get(operatorId) ?? { inProgress: 0, unreadTickets: 0 };
    const actual = { inProgress: num(stored?.inProgress), unreadTickets: num(stored?.unreadTickets) };
    if (actual.inProgress !== expected.inProgress || actual.unreadTickets !== expected.unreadTickets) {
      violations.push(
        `operator ${operatorId}: counters ${JSON.stringify(actual)} ≠ recount ${JSON.stringify(expected)}`,
      );
    }
  }

  // CH2: one stored message per channel message id; T8: nothing lands in a ticket after it closed.
  const byExternalId = new Map<string, number>();
  const seqsOfTicket = new Map<string, number[]>();
  const clientMessagesOfTicket = new Map<string, number>();
  for (const message of messages) {
    const ticketId = message.ticketId as string;
    const ticket = tickets.get(ticketId);
    const author = (message.author as { kind?: string } | undefined)?.kind;
    if (author === 'client') {
      const externalId = str(message.externalId);
      const channelId = str(clients.get(message.clientId as string)?.channelId) ?? '?';
      if (externalId)
        byExternalId.set(`${channelId}/${externalId}`, (byExternalId.get(`${channelId}/${externalId}`) ?? 0) + 1);
      clientMessagesOfTicket.set(ticketId, (clientMessagesOfTicket.get(ticketId) ?? 0) + 1);
      const closedAt = str(ticket?.closedAt);
      const kept = blacklisted.has(message.clientId as string);
      if (!kept && ticket?.status === 'closed' && closedAt && (message.createdAt as string) > closedAt) {
        violations.push(`ticket ${ticketId}: client message ${message.messageId} at ${message.createdAt} after close`);
      }
    }
    if (!ticket) {
      violations.push(`message ${message.messageId} belongs to no ticket (${ticketId})`);
      continue;
    }
    const seqs = seqsOfTicket.get(ticketId) ?? [];
    seqs.push(num(message.seq));
    seqsOfTicket.set(ticketId, seqs);
  }
  for (const [externalId, count] of byExternalId) {
    if (count !== 1) violations.push(`channel message ${externalId} stored ${count} times`);
  }
  for (const [ticketId, seqs] of seqsOfTicket) {
    const ticket = tickets.get(ticketId) as Item;
    // R2: a blacklisted client's kept messages take seqs of their own too.
    if (new Set(seqs).size !== seqs.length) violations.push(`ticket ${ticketId}: messages share a seq (${seqs})`);
    if (Math.max(...seqs) > num(ticket.seq))
      violations.push(`ticket ${ticketId}: a message is ahead of the ticket seq`);
  }
  for (const ticket of tickets.values()) {
    const clientMessages = clientMessagesOfTicket.get(ticket.ticketId as string) ?? 0;
    if (num(ticket.unreadCount) > clientMessages) {
      violations.push(`ticket ${ticket.ticketId}: ${ticket.unreadCount} unread of ${clientMessages} client messages`);
    }
  }

  // T11: every open ticket still has a timer that fires by its deadline.
  if (options.autoClose) {
    for (const ticket of tickets.values()) {
      if (ticket.status === 'closed') continue;
      const limitMs =
        ticket.status === 'in_progress'
          ? options.autoClose.inProgressMinutes * 60_000
          : options.autoClose.unassignedDays * 86_400_000;
      // A ticket that changed hands after its silence ran out is due at once (when it changed hands).
      const deadline = Math.max(
        Date.parse(ticket.lastMessageAt as string) + limitMs,
        Date.parse(ticket.statusChangedAt as string),
      );
      const due = timers
        .filter((timer) => timer.id === ticket.ticketId)
        .map((timer) => Date.parse(timer.due as string));
      if (!due.some((at) => at <= deadline)) {
        violations.push(
          `open ticket ${ticket.ticketId} has no auto-close timer due by ${new Date(deadline).toISOString()}`,
        );
      }
    }
  }
  return violations;
}

/** L1: the ticket sits in exactly the tab its state says (which also makes "one assignee" observable). */
function listRowViolations(ticket: Item, latest: boolean): string[] {
  const problems: string[] = [];
  const assignee = str(ticket.assigneeId);
  const tab = str(ticket[INDEXES.listings.partitionKey]);
  const list = str(ticket[INDEXES.ticketLists.partitionKey]);
  if (list !== keys.ticketList(ticket.status as string, ticket.groupId as string)) {
    problems.push(`${ticket.status} ticket ${ticket.ticketId} in list ${list}`);
  }
  if (ticket.status === 'unassigned') {
    if (assignee) problems.push(`unassigned ticket ${ticket.ticketId} has assignee ${assignee}`);
    if (tab !== undefined) problems.push(`ticket ${ticket.ticketId} in tab ${tab}`);
  }
  if (ticket.status === 'in_progress') {
    if (!assignee) problems.push(`in_progress ticket ${ticket.ticketId} has no assignee`);
    else if (tab !== keys.tabMine(assignee)) problems.push(`ticket ${ticket.ticketId} in tab ${tab}`);
  }
  if (ticket.status === 'closed') {
    const closer = str(ticket.closedBy) ?? assignee;
    const expected = latest && closer ? keys.tabClosed(closer) : undefined;
    if (tab !== expected) problems.push(`closed ticket ${ticket.ticketId} in tab ${tab}, expected ${expected}`);
  }
  return problems;
}

/** Counters of each operator against its Mine tab as the product lists it (T12 "always exact"). */
export async function counterRecountViolations(operatorIds: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const operatorId of operatorIds) {
    const mine = await mineTab(operatorId);
    const { Items = [] } = await dynamo().send(
      new QueryCommand({
        TableName: readConfig().tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: {
          ':pk': keys.operatorCounters(operatorId).pk,
          ':sk': keys.operatorCounters(operatorId).sk,
        },
        ConsistentRead: true,
      }),
    );
    const stored = Items[0];
    const actual = { inProgress: num(stored?.inProgress), unreadTickets: num(stored?.unreadTickets) };
    const expected = { inProgress: mine.length, unreadTickets: mine.filter((t) => num(t.unreadCount) > 0).length };
    if (actual.inProgress !== expected.inProgress || actual.unreadTickets !== expected.unreadTickets) {
      problems.push(`operator ${operatorId}: counters ${JSON.stringify(actual)} ≠ Mine ${JSON.stringify(expected)}`);
    }
  }
  return problems;
}
