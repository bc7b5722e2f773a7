// Tickets in the table: item mapping (with the sparse list rows each status puts the ticket in), reads, and the
// transaction parts every ticket write shares (conditioned put, operator counter deltas).
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CounterDelta } from '../domain/counters';
import { invalid, notFound } from '../domain/errors';
import { ticketIdOf } from '../domain/ticket-open';
import type { Ticket } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import type { ChatClient } from './clients';
import { INDEXES, keys, listRow, TTL_ATTRIBUTE } from './keys';
import { decodeCursor, type Page, type PageRequest, pageOf } from './pagination';

export type { Ticket } from '../domain/ticket-rules';

/** The client as ingest and routing need it: identity plus pin, blacklist and ticket bookkeeping. */
export interface ClientRecord extends ChatClient {
  pinnedTo?: string;
  blacklisted?: boolean;
  /** T12: how many tickets this client has had. */
  ticketCount: number;
  /** The number of the client's open ticket; absent when the latest is closed (T8: the next message opens one). */
  openTicketNumber?: number;
  /** P1: asked for consent (its dialog waits), or agreed. */
  consent?: 'requested' | 'given';
  /** P1: the ticket number reserved for the dialog that opens once the client agrees. */
  pendingTicketNumber?: number;
  /** C9: when an operator first watched the client; from then every ticket of it is `watched`. */
  watchersSince?: string;
}

export { ticketIdOf };

export function parseTicketId(ticketId: string): { clientId: string; number: number } {
  const dot = ticketId.lastIndexOf('.');
  const digits = ticketId.slice(dot + 1);
  const number = Number(digits);
  // X3: only the canonical form (`<clientId>.<number>`, no sign, padding or spaces) names a ticket.
  if (dot <= 0 || !Number.isSafeInteger(number) || number <= 0 || String(number) !== digits) {
    throw invalid(`'${ticketId}' is not a ticket id.`);
  }
  return { clientId: ticketId.slice(0, dot), number };
}

/**
 * The list rows (L1/L2) a ticket belongs to in its state (keys.ts, "Ticket list rows"): its status and group's
 * partition, and Mine or Closed while it is someone's. Each row moves with every message (2 write units), so an
 * unassigned ticket has one and an in-progress ticket two. `latest`: it is its client's newest ticket.
 */
export function listRows(ticket: Ticket, latest: boolean): Record<string, string> {
  const sk = keys.listSortKey(ticket.lastMessageAt, ticket.ticketId);
  const rows: Record<string, string> = listRow(INDEXES.ticketLists, keys.ticketList(ticket.status, ticket.groupId), sk);
  const closer = ticket.closedBy ?? ticket.assigneeId;
  const tab =
    ticket.status === 'in_progress' && ticket.assigneeId
      ? keys.tabMine(ticket.assigneeId)
      : ticket.status === 'closed' && latest && closer
        ? keys.tabClosed(closer)
        : undefined;
  if (tab) Object.assign(rows, listRow(INDEXES.listings, tab, sk));
  return rows;
}

export function ticketItem(ticket: Ticket, latest = true): Record<string, unknown> {
  return { ...keys.ticket(ticket.clientId, ticket.number), type: 'ticket', ...ticket, ...listRows(ticket, latest) };
}

const TICKET_FIELDS = [
  'ticketId',
  'number',
  'clientId',
  'clientName',
  'channelId',
  'status',
  'groupId',
  'assigneeId',
  'categoryId',
  'openedAt',
  'closedAt',
  'closedBy',
  'statusChangedAt',
  'lastMessageAt',
  'lastMessagePreview',
  'lastMessageFromOperator',
  'unreadCount',
  'messageCount',
  'clientTicketCount',
  'slaPolicy',
  'sla',
  'firstReplyAt',
  'watched',
  'seq',
] as const satisfies ReadonlyArray<keyof Ticket>;

export function toTicket(item: Record<string, unknown>): Ticket {
  const ticket: Record<string, unknown> = {};
  for (const field of TICKET_FIELDS) if (item[field] !== undefined) ticket[field] = item[field];
  return ticket as unknown as Ticket;
}

export function toClientRecord(item: Record<string, unknown>): ClientRecord {
  const client: ClientRecord = {
    clientId: item.clientId as string,
    channelId: item.channelId as string,
    externalId: item.externalId as string,
    type: item.clientType as ClientRecord['type'],
    originalName: item.originalName as string,
    name: item.name as string,
    createdAt: item.createdAt as string,
    ticketCount: (item.ticketCount as number | undefined) ?? 0,
  };
  if (typeof item.pinnedTo === 'string') client.pinnedTo = item.pinnedTo;
  if (item.blacklisted === true) client.blacklisted = true;
  if (typeof item.openTicketNumber === 'number') client.openTicketNumber = item.openTicketNumber;
  if (item.consent === 'requested' || item.consent === 'given') client.consent = item.consent;
  if (typeof item.pendingTicketNumber === 'number') client.pendingTicketNumber = item.pendingTicketNumber;
  if (typeof item.watchersSince === 'string') client.watchersSince = item.watchersSince;
  return client;
}

export interface ClientHead {
  client: ClientRecord | undefined;
  /** The client's newest ticket, open or closed. */
  latest: Ticket | undefined;
}

/** T1: one strongly consistent Query returns the client and its newest ticket (they sort first in the partition). */
export async function readClientHead(clientId: string): Promise<ClientHead> {
  const { Items = [] } = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :head)',
      ExpressionAttributeValues: { ':pk': keys.client(clientId).pk, ':head': keys.clientHeadPrefix() },
      Limit: 2,
      ConsistentRead: true,
    }),
  );
  const clientItem = Items.find((item) => item.type === 'client');
  const ticketItem = Items.find((item) => item.type === 'ticket');
  return {
    client: clientItem ? toClientRecord(clientItem) : undefined,
    latest: ticketItem ? toTicket(ticketItem) : undefined,
  };
}

export async function getTicket(ticketId: string): Promise<Ticket> {
  const { clientId, number } = parseTicketId(ticketId);
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.ticket(clientId, number), ConsistentRead: true }),
  );
  if (!Item) throw notFound(`Ticket ${ticketId} does not exist.`);
  return toTicket(Item);
}

export async function getTicketByNumber(number: number): Promise<Ticket> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.ticketNumber(number) }),
  );
  if (!Item) throw notFound(`Ticket #${number} does not exist.`);
  return getTicket(ticketIdOf(Item.clientId as string, number));
}

/**
 * A transaction part: write the whole ticket, but only if nobody changed it since it was read (`seq`; a watch that
 * marked it `watched` moved `seq` too, so a change decided from an unwatched copy is decided again).
 */
export function putTicketIfUnchanged(ticket: Ticket, expectedSeq: number | undefined, latest = true) {
  return {
    Put: {
      TableName: readConfig().tableName,
      Item: ticketItem(ticket, latest),
      ...(expectedSeq === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'seq = :seq', ExpressionAttributeValues: { ':seq': expectedSeq } }),
    },
  };
}

/**
 * The condition an opening that found its client never watched puts on the client's write: no watch came meanwhile
 * (C9). A watch, in turn, is conditioned on the client's ticket count, so of the two, whichever commits second is
 * decided again and the new ticket never misses its watchers.
 */
const UNWATCHED = 'attribute_not_exists(watchersSince)';

/**
 * R2: a transaction part for a change that touches only a message of the ticket (its delivery status): the ticket
 * takes the seq the change was decided with, only if nobody changed it since it was read.
 */
export function advanceTicketSeq(ticket: Pick<Ticket, 'clientId' | 'number' | 'seq'>, seq: number) {
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.ticket(ticket.clientId, ticket.number),
      UpdateExpression: 'SET seq = :next',
      ConditionExpression: 'seq = :seq',
      ExpressionAttributeValues: { ':next': seq, ':seq': ticket.seq },
    },
  };
}

/**
 * T1/T9: the client now has this open ticket (and one more ticket in all); fails if it already had one open. A widget
 * visitor's client, made with an expiry by its session, is kept from now on: its first message removes the expiry.
 * `watched` false: the opening found the client never watched (C9), and fails if a watch came since.
 */
export function markClientOpenTicket(clientId: string, number: number, watched = true) {
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.client(clientId),
      UpdateExpression: 'SET openTicketNumber = :n REMOVE #ttl ADD ticketCount :one',
      ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(openTicketNumber)${watched ? '' : ` AND ${UNWATCHED}`}`,
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':n': number, ':one': 1 },
    },
  };
}

/** P1: the client agreed (wrote again after the consent request): its reserved ticket opens now. */
export function markClientConsented(clientId: string, number: number, at: Date, watched = true) {
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.client(clientId),
      UpdateExpression:
        'SET openTicketNumber = :n, consent = :given, consentAt = :at REMOVE pendingTicketNumber ADD ticketCount :one',
      ConditionExpression: `consent = :requested AND attribute_not_exists(openTicketNumber)${watched ? '' : ` AND ${UNWATCHED}`}`,
      ExpressionAttributeValues: {
        ':n': number,
        ':given': 'given',
        ':requested': 'requested',
        ':at': at.toISOString(),
        ':one': 1,
      },
    },
  };
}

/**
 * C9: the client's first watch — from now on every ticket it opens is `watched`. Fails (read again) if another watch
 * came first or a ticket opened since the client was read (its count moved): that ticket must be marked too.
 */
export function markClientWatchersSince(clientId: string, ticketCount: number, at: Date) {
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.client(clientId),
      UpdateExpression: 'SET watchersSince = :at',
      ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(watchersSince) AND ${
        ticketCount === 0 ? '(attribute_not_exists(ticketCount) OR ticketCount = :count)' : 'ticketCount = :count'
      }`,
      ExpressionAttributeValues: { ':at': at.toISOString(), ':count': ticketCount },
    },
  };
}

/** T8: once closed, the client has no open ticket, so its next message opens a new one. */
export function clearOpenTicket(ticket: Ticket) {
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.client(ticket.clientId),
      UpdateExpression: 'REMOVE openTicketNumber',
      ConditionExpression: 'openTicketNumber = :n',
      ExpressionAttributeValues: { ':n': ticket.number },
    },
  };
}

export { type CounterDelta, counterDeltas } from '../domain/counters';

/** Transaction parts applying counter deltas; `capacityOf` adds T3's capacity check for automatic routing. */
export function counterUpdates(
  deltas: Map<string, CounterDelta>,
  capacityOf?: (operatorId: string) => number | undefined,
) {
  return [...deltas].map(([operatorId, delta]) => {
    const capacity = capacityOf?.(operatorId);
    const checkCapacity = capacity !== undefined && delta.inProgress > 0;
    return {
      Update: {
        TableName: readConfig().tableName,
        Key: keys.operatorCounters(operatorId),
        UpdateExpression: 'ADD inProgress :p, unreadTickets :u SET operatorId = :id, #type = :type',
        ...(checkCapacity ? { ConditionExpression: 'attribute_not_exists(inProgress) OR inProgress < :capacity' } : {}),
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':p': delta.inProgress,
          ':u': delta.unreadTickets,
          ':id': operatorId,
          ':type': 'operatorCounters',
          ...(checkCapacity ? { ':capacity': capacity } : {}),
        },
      },
    };
  });
}

export interface OperatorCounters {
  operatorId: string;
  inProgress: number;
  unreadTickets: number;
  /** When routing last gave this operator a ticket (round-robin turns). */
  lastRoutedAt?: string;
}

export async function getOperatorCounters(operatorId: string): Promise<OperatorCounters> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.operatorCounters(operatorId), ConsistentRead: true }),
  );
  return {
    operatorId,
    inProgress: (Item?.inProgress as number | undefined) ?? 0,
    unreadTickets: (Item?.unreadTickets as number | undefined) ?? 0,
    ...(typeof Item?.lastRoutedAt === 'string' ? { lastRoutedAt: Item.lastRoutedAt } : {}),
  };
}

export async function recordRoutedAt(operatorId: string, at: string): Promise<void> {
  await dynamo().send(
    new UpdateCommand({
      TableName: readConfig().tableName,
      Key: keys.operatorCounters(operatorId),
      UpdateExpression: 'SET lastRoutedAt = :at, operatorId = :id, #type = :type',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':at': at, ':id': operatorId, ':type': 'operatorCounters' },
    }),
  );
}

/** C8: a page of a client's tickets, newest first (ticket numbers are stored inverted). */
export async function clientTicketsPage(clientId: string, page: PageRequest): Promise<Page<Ticket>> {
  const pk = keys.client(clientId).pk;
  const prefix = keys.clientTicketsPrefix();
  const result = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      // One more than the page, so the last page says so (no cursor) instead of ending on an empty one.
      Limit: page.limit + 1,
      ExclusiveStartKey: decodeCursor(page.cursor, { pk }, { name: 'sk', prefix }),
    }),
  );
  const items = result.Items ?? [];
  const last = items.length > page.limit ? items[page.limit - 1] : undefined;
  return pageOf(
    items.slice(0, page.limit).map(toTicket),
    last ? { pk: last.pk as string, sk: last.sk as string } : undefined,
  );
}
