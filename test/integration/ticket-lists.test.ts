// L1–L3 operator tabs against DynamoDB Local: ticket items written directly (as ticketItem lays them out), then listed
// per tab, filter and role, paged through (also while groups are made and tickets move), and measured for read cost.
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OperatorActor, Role } from '../../shared/domain/actors';
import type { TicketStatus } from '../../shared/domain/policy';
import type { SlaClock } from '../../shared/domain/sla';
import type { Ticket } from '../../shared/domain/ticket-rules';
import { dynamo } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';
import { listedGroupIds, listGroupsUpdate } from '../../shared/store/groups';
import { keys } from '../../shared/store/keys';
import type { Page } from '../../shared/store/pagination';
import { ticketIdOf, ticketItem } from '../../shared/store/tickets';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import {
  type ListQuery,
  type ListRow,
  listQuerySchema,
  listTickets,
  rowOf,
  type TicketRow,
  type TicketTab,
} from '../../shared/use-cases/ticket-lists';
import { useTestTable } from '../support/table';

const BASE = Date.UTC(2026, 2, 1, 10, 0, 0);
const at = (minute: number) => new Date(BASE + minute * 60_000).toISOString();

const operator = (operatorId: string, groupIds: string[], role: Role = 'operator'): OperatorActor => ({
  kind: 'operator',
  operatorId,
  role,
  groupIds,
});

let nextNumber = 1;

interface TicketSpec {
  client: string;
  minute: number;
  status: TicketStatus;
  groupId: string;
  assigneeId?: string;
  closedBy?: string;
}

function ticketOf(spec: TicketSpec): Ticket {
  const number = nextNumber++;
  const clientId = `cl_${spec.client}`;
  return {
    ticketId: ticketIdOf(clientId, number),
    number,
    clientId,
    clientName: `Client ${spec.client}`,
    channelId: 'web',
    status: spec.status,
    groupId: spec.groupId,
    ...(spec.assigneeId ? { assigneeId: spec.assigneeId } : {}),
    ...(spec.closedBy ? { closedBy: spec.closedBy, closedAt: at(spec.minute) } : {}),
    openedAt: at(spec.minute - 1),
    statusChangedAt: at(spec.minute),
    lastMessageAt: at(spec.minute),
    lastMessagePreview: `hello from ${spec.client}`,
    lastMessageFromOperator: false,
    unreadCount: 1,
    messageCount: 2,
    seq: 3,
  };
}

async function put(item: Record<string, unknown>): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: readConfig().tableName, Item: item }));
}

/** `latest`: the ticket is its client's newest (only then can it be on a Closed list). */
async function writeTicket(spec: TicketSpec, latest = true): Promise<Ticket> {
  const ticket = ticketOf(spec);
  await put(ticketItem(ticket, latest));
  return ticket;
}

const writeTickets = (specs: TicketSpec[]) => Promise.all(specs.map((spec) => writeTicket(spec)));

/** Groups made by the admin API are listed for the staff views; these tests write their tickets directly. */
const listGroups = async (...groupIds: string[]) => {
  await dynamo().send(new UpdateCommand(listGroupsUpdate(groupIds)));
};

const newestFirst = (tickets: Ticket[]) =>
  [...tickets].sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt)).map((ticket) => ticket.ticketId);

const idsOf = (rows: ListRow[]) => rows.map((row) => ('ticketId' in row ? row.ticketId : row.clientId));

async function list(actor: OperatorActor, query: Partial<ListQuery> & { tab: ListQuery['tab'] }): Promise<string[]> {
  const page = await listTickets(actor, listQuerySchema.parse(query));
  expect(page.nextCursor).toBeUndefined();
  return idsOf(page.items);
}

/** Pages through a list; returns every id in order and each page's size. */
async function walk(actor: OperatorActor, query: Omit<ListQuery, 'cursor'>) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await listTickets(actor, cursor ? { ...query, cursor } : query);
    ids.push(...idsOf(page.items));
    sizes.push(page.items.length);
    cursor = page.nextCursor;
    if (!cursor) return { ids, sizes };
  }
  throw new Error('the list never ended');
}

interface SentCommand {
  command: string;
  scannedCount: number | undefined;
}

/** Records every command the product's DynamoDB client sends, and refuses any Scan outright. */
function watchDynamo(): SentCommand[] {
  const sent: SentCommand[] = [];
  dynamo().middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      if (command.startsWith('Scan')) {
        sent.push({ command, scannedCount: undefined });
        throw new Error('Lists must never Scan the table.');
      }
      const result = await next(args);
      const output = result.output as { ScannedCount?: number };
      sent.push({ command, scannedCount: output.ScannedCount });
      return result;
    },
    { step: 'initialize', name: 'recordSentCommands' },
  );
  return sent;
}

const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; httpStatus: number; message: string; details?: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
};

describe('L1/L3 tabs: each tab lists exactly the right tickets, latest message first', () => {
  const ann = operator('ann', ['g1']);
  const bob = operator('bob', ['g2']);
  const cat = operator('cat', ['g2', 'g1']);
  const dan = operator('dan', []);
  const sue = operator('sue', [], 'supervisor');
  const ada = operator('ada', ['g1'], 'admin');
  let sent: SentCommand[];
  const t: Record<string, Ticket> = {};

  beforeAll(async () => {
    await useTestTable();
    await listGroups('g1', 'g2', 'g3');
    sent = watchDynamo();
    const named: Record<string, TicketSpec> = {
      u1: { client: 'u1', minute: 1, status: 'unassigned', groupId: 'g1' },
      u2: { client: 'u2', minute: 2, status: 'unassigned', groupId: 'g2' },
      u3: { client: 'u3', minute: 5, status: 'unassigned', groupId: 'g1' },
      u4: { client: 'u4', minute: 8, status: 'unassigned', groupId: 'g3' },
      m1: { client: 'm1', minute: 3, status: 'in_progress', groupId: 'g1', assigneeId: 'ann' },
      m2: { client: 'm2', minute: 4, status: 'in_progress', groupId: 'g2', assigneeId: 'bob' },
      c1: { client: 'c1', minute: 6, status: 'closed', groupId: 'g1', assigneeId: 'ann', closedBy: 'ann' },
      c2: { client: 'c2', minute: 9, status: 'closed', groupId: 'g2', assigneeId: 'ann', closedBy: 'ann' },
      yNew: { client: 'y', minute: 11, status: 'closed', groupId: 'g2', assigneeId: 'bob', closedBy: 'bob' },
    };
    // Older tickets of clients x and y: no longer their client's latest, so they are on nobody's Closed list.
    const older: Record<string, TicketSpec> = {
      c0: { client: 'x', minute: 0, status: 'closed', groupId: 'g1', assigneeId: 'ann', closedBy: 'ann' },
      yOld: { client: 'y', minute: 10, status: 'closed', groupId: 'g2', assigneeId: 'ann', closedBy: 'ann' },
    };
    for (const [name, spec] of Object.entries(older)) t[name] = await writeTicket(spec, false);
    for (const [name, spec] of Object.entries(named)) t[name] = await writeTicket(spec);
    // Client x's newer ticket, in progress with bob (in g1, where he may still hold a ticket assigned to him).
    t.m3 = await writeTicket({ client: 'x', minute: 7, status: 'in_progress', groupId: 'g1', assigneeId: 'bob' });
    const m2 = t.m2 as Ticket;
    await put({
      ...ticketItem(m2),
      sla: { since: at(4), warnAt: at(5), dueAt: at(6), mark: 'warning' } satisfies SlaClock,
    });
    await Promise.all(
      [
        ['b1', at(20), 'sue'],
        ['b2', at(21), 'ada'],
      ].map(([client, blacklistedAt, by]) =>
        put({
          ...keys.client(`cl_${client}`),
          type: 'client',
          clientId: `cl_${client}`,
          channelId: 'telegram',
          externalId: `${client}-ext`,
          originalName: `Blocked ${client}`,
          name: `Blocked ${client}`,
          createdAt: at(0),
          clientType: 'channel',
          blacklisted: true,
          blacklistedAt,
          blacklistedBy: by,
          ...keys.blacklistListing(blacklistedAt as string, `cl_${client}`),
        }),
      ),
    );
    await put({ ...keys.client('cl_u1'), type: 'client', clientId: 'cl_u1', name: 'Client u1', clientType: 'channel' });
  });

  const ids = (...names: string[]) => names.map((name) => (t[name] as Ticket).ticketId);

  it('L1 Unassigned: an operator sees its groups (merged); no group and staff see every group', async () => {
    expect(await list(ann, { tab: 'unassigned' })).toEqual(ids('u3', 'u1'));
    expect(await list(bob, { tab: 'unassigned' })).toEqual(ids('u2'));
    expect(await list(cat, { tab: 'unassigned' })).toEqual(ids('u3', 'u2', 'u1'));
    expect(await list(dan, { tab: 'unassigned' })).toEqual(ids('u4', 'u3', 'u2', 'u1'));
    expect(await list(sue, { tab: 'unassigned' })).toEqual(ids('u4', 'u3', 'u2', 'u1'));
  });

  it('L2 Unassigned by group: only a group the operator belongs to, unless it is in no group or staff', async () => {
    expect(await list(ann, { tab: 'unassigned', groupId: 'g1' })).toEqual(ids('u3', 'u1'));
    expect(await list(cat, { tab: 'unassigned', groupId: 'g2' })).toEqual(ids('u2'));
    expect(await list(dan, { tab: 'unassigned', groupId: 'g2' })).toEqual(ids('u2'));
    expect(await list(sue, { tab: 'unassigned', groupId: 'g3' })).toEqual(ids('u4'));
    const error = await errorOf(list(ann, { tab: 'unassigned', groupId: 'g2' }));
    expect(error).toMatchObject({ code: 'forbidden', httpStatus: 403, details: { reason: 'not_visible' } });
    expect(error.message).toMatch(/not a member of group g2/);
  });

  it('L1 Mine: the operator’s in-progress tickets; L2 by group', async () => {
    expect(await list(ann, { tab: 'mine' })).toEqual(ids('m1'));
    expect(await list(bob, { tab: 'mine' })).toEqual(ids('m3', 'm2'));
    expect(await list(bob, { tab: 'mine', groupId: 'g2' })).toEqual(ids('m2'));
    expect(await list(dan, { tab: 'mine' })).toEqual([]);
  });

  it('L1 Closed: clients whose latest ticket this operator closed; an older closed ticket is not listed', async () => {
    expect(await list(ann, { tab: 'closed' })).toEqual(ids('c2', 'c1'));
    expect(await list(ann, { tab: 'closed', groupId: 'g1' })).toEqual(ids('c1'));
    // Client y: ann closed its older ticket, bob its newer one, so y is on bob's Closed list only.
    expect(await list(bob, { tab: 'closed' })).toEqual(ids('yNew'));
  });

  it('L1 All: every ticket for supervisors and admins', async () => {
    const every = ids('yNew', 'yOld', 'c2', 'u4', 'm3', 'c1', 'u3', 'm2', 'm1', 'u2', 'u1', 'c0');
    expect(await list(sue, { tab: 'all' })).toEqual(every);
    expect(await list(ada, { tab: 'all' })).toEqual(every);
  });

  it('L2 All filters: status, group, group and status, operator', async () => {
    expect(await list(sue, { tab: 'all', status: 'closed' })).toEqual(ids('yNew', 'yOld', 'c2', 'c1', 'c0'));
    expect(await list(sue, { tab: 'all', status: 'unassigned' })).toEqual(ids('u4', 'u3', 'u2', 'u1'));
    expect(await list(sue, { tab: 'all', groupId: 'g1' })).toEqual(ids('m3', 'c1', 'u3', 'm1', 'u1', 'c0'));
    expect(await list(sue, { tab: 'all', groupId: 'g1', status: 'closed' })).toEqual(ids('c1', 'c0'));
    expect(await list(sue, { tab: 'all', operatorId: 'bob' })).toEqual(ids('m3', 'm2'));
    expect(await list(sue, { tab: 'all', operatorId: 'bob', groupId: 'g2' })).toEqual(ids('m2'));
    expect(await list(sue, { tab: 'all', operatorId: 'bob', status: 'in_progress' })).toEqual(ids('m3', 'm2'));
    await expect(list(sue, { tab: 'all', operatorId: 'bob', status: 'closed' })).rejects.toMatchObject({
      code: 'invalid',
    });
  });

  it('L2 a filtered list pages without losing tickets the filter skips', async () => {
    const query = { tab: 'all', groupId: 'g1', status: 'closed', limit: 1 } as const;
    expect((await walk(sue, query)).ids).toEqual(ids('c1', 'c0'));
    expect((await walk(sue, { tab: 'all', limit: 2 })).ids).toEqual(await list(sue, { tab: 'all' }));
  });

  it('L2 filters outside their tabs are refused as invalid', async () => {
    await expect(list(ann, { tab: 'mine', status: 'closed' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(list(ann, { tab: 'unassigned', operatorId: 'bob' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(list(sue, { tab: 'blacklist', groupId: 'g1' })).rejects.toMatchObject({ code: 'invalid' });
    expect(listQuerySchema.safeParse({ tab: 'mine', extra: 1 }).success).toBe(false);
    expect(listQuerySchema.safeParse({ tab: 'mine', limit: 101 }).success).toBe(false);
    expect(listQuerySchema.parse({ tab: 'mine', limit: '10' }).limit).toBe(10);
    expect(listQuerySchema.parse({ tab: 'mine' }).limit).toBe(25);
  });

  it('L1 All and Blacklist are forbidden to operators', async () => {
    for (const tab of ['all', 'blacklist'] as const) {
      for (const actor of [ann, dan, cat]) {
        await expect(list(actor, { tab })).rejects.toMatchObject({
          code: 'forbidden',
          httpStatus: 403,
          details: { reason: 'staff_only' },
        });
      }
    }
  });

  it('L1 Blacklist: blacklisted clients, newest block first; L2 by operator', async () => {
    const page = await listTickets(sue, { tab: 'blacklist', limit: 25 });
    expect(page.items).toEqual([
      {
        clientId: 'cl_b2',
        name: 'Blocked b2',
        channelId: 'telegram',
        clientType: 'channel',
        blacklistedAt: at(21),
        blacklistedBy: 'ada',
      },
      {
        clientId: 'cl_b1',
        name: 'Blocked b1',
        channelId: 'telegram',
        clientType: 'channel',
        blacklistedAt: at(20),
        blacklistedBy: 'sue',
      },
    ]);
    expect(page.nextCursor).toBeUndefined();
    expect(await list(ada, { tab: 'blacklist', operatorId: 'sue' })).toEqual(['cl_b1']);
    expect((await walk(sue, { tab: 'blacklist', limit: 1 })).ids).toEqual(['cl_b2', 'cl_b1']);
  });

  it('L3 a row carries client, channel, number, status, group, assignee, last message, unread and SLA', async () => {
    const page = await listTickets(bob, { tab: 'mine', limit: 25 });
    const m2 = t.m2 as Ticket;
    expect(page.items[1]).toEqual({
      ticketId: m2.ticketId,
      number: m2.number,
      status: 'in_progress',
      clientId: 'cl_m2',
      clientName: 'Client m2',
      channelId: 'web',
      groupId: 'g2',
      assigneeId: 'bob',
      lastMessageAt: at(4),
      lastMessagePreview: 'hello from m2',
      lastMessageFromOperator: false,
      unreadCount: 1,
      clientTicketCount: null,
      sla: 'warning',
      slaWarnAt: at(5),
      slaDueAt: at(6),
    });
    expect(page.items[0]).toMatchObject({ ticketId: (t.m3 as Ticket).ticketId, sla: null });
    expect(rowOf(t.u1 as Ticket)).toMatchObject({ assigneeId: null, sla: null, slaDueAt: null, status: 'unassigned' });
  });

  it("L2/M10 lists are served by queries (a GetItem of the listed groups, a BatchGet of the reader's drafts), never a Scan", () => {
    expect(sent.length).toBeGreaterThan(0);
    // The document client's commands reach the middleware as the low-level ones they wrap.
    expect(new Set(sent.map((entry) => entry.command))).toEqual(
      new Set(['PutItemCommand', 'QueryCommand', 'GetItemCommand', 'BatchGetItemCommand']),
    );
  });
});

describe('L2 cursor pagination', () => {
  const solo = operator('solo-op', ['solo']);
  const pair = operator('pair-op', ['left', 'right']);
  const even = operator('even-op', ['even']);
  const sue = operator('sue', [], 'supervisor');
  let soloTickets: Ticket[];
  let pairTickets: Ticket[];

  beforeAll(async () => {
    await useTestTable();
    watchDynamo();
    await listGroups('solo', 'left', 'right', 'even');
    soloTickets = await writeTickets(
      Array.from({ length: 23 }, (_, i) => ({ client: `s${i}`, minute: i, status: 'unassigned', groupId: 'solo' })),
    );
    // Interleaved irregularly, so pages mix both groups and one group runs out before the other.
    pairTickets = await writeTickets(
      Array.from({ length: 23 }, (_, i) => ({
        client: `p${i}`,
        minute: 100 + i,
        status: 'unassigned' as const,
        groupId: i % 3 === 0 || i > 18 ? 'left' : 'right',
      })),
    );
    await writeTickets(
      Array.from({ length: 10 }, (_, i) => ({
        client: `e${i}`,
        minute: 200 + i,
        status: 'unassigned',
        groupId: 'even',
      })),
    );
  });

  it('L2 walks 23 tickets of one partition in pages of 5 with no duplicates or omissions', async () => {
    const { ids, sizes } = await walk(solo, { tab: 'unassigned', limit: 5 });
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    expect(ids).toEqual(newestFirst(soloTickets));
  });

  it('L2 walks 23 tickets merged from two groups in pages of 5 with no duplicates or omissions', async () => {
    const { ids, sizes } = await walk(pair, { tab: 'unassigned', limit: 5 });
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    expect(ids).toEqual(newestFirst(pairTickets));
    expect(new Set(ids).size).toBe(23);
  });

  it('L2 no nextCursor once nothing follows, even when the last page is full', async () => {
    expect((await walk(even, { tab: 'unassigned', limit: 5 })).sizes).toEqual([5, 5]);
    expect((await walk(even, { tab: 'unassigned', limit: 10 })).sizes).toEqual([10]);
    const exact = pairTickets.filter((ticket) => ticket.groupId === 'left').length;
    expect((await walk(pair, { tab: 'unassigned', groupId: 'left', limit: exact })).sizes).toEqual([exact]);
  });

  it('L2 a cursor from one list is rejected (400 invalid) on another', async () => {
    const soloPage = await listTickets(solo, { tab: 'unassigned', limit: 5 });
    const pairPage = await listTickets(pair, { tab: 'unassigned', limit: 5 });
    const allPage = await listTickets(sue, { tab: 'all', limit: 5 });
    const misuses: Array<[OperatorActor, TicketTab, Partial<ListQuery>, string | undefined]> = [
      [pair, 'unassigned', {}, soloPage.nextCursor],
      [solo, 'mine', {}, soloPage.nextCursor],
      [pair, 'unassigned', { groupId: 'left' }, pairPage.nextCursor],
      [sue, 'all', { status: 'unassigned' }, allPage.nextCursor],
      [sue, 'unassigned', {}, allPage.nextCursor],
      [solo, 'unassigned', {}, 'not-a-cursor'],
      [solo, 'unassigned', {}, Buffer.from('{"list":"x","at":[null]}').toString('base64url')],
    ];
    for (const [actor, tab, filters, cursor] of misuses) {
      expect(cursor).toBeDefined();
      const error = await errorOf(listTickets(actor, { tab, limit: 5, ...filters, ...(cursor ? { cursor } : {}) }));
      expect(error).toMatchObject({ code: 'invalid', httpStatus: 400 });
      expect(error.message).toMatch(/cursor/);
    }
  });
});

describe('L2 page cost', () => {
  const busy = operator('busy-op', ['busy']);
  const pair = operator('pair-op', ['busy', 'quiet']);
  const sue = operator('sue', [], 'supervisor');
  let sent: SentCommand[];

  beforeAll(async () => {
    await useTestTable();
    sent = watchDynamo();
    await listGroups('busy', 'quiet');
    await writeTickets(
      Array.from({ length: 50 }, (_, i) => ({ client: `b${i}`, minute: i, status: 'unassigned', groupId: 'busy' })),
    );
    await writeTickets(
      Array.from({ length: 30 }, (_, i) => ({
        client: `q${i}`,
        minute: 2 * i,
        status: 'unassigned',
        groupId: 'quiet',
      })),
    );
  });

  /** Pages through a list, recording the items each page's queries read. */
  async function scannedPerPage(actor: OperatorActor, query: Omit<ListQuery, 'cursor'>) {
    const perPage: Array<{ queries: number; scanned: number[] }> = [];
    let cursor: string | undefined;
    do {
      const before = sent.length;
      const page = await listTickets(actor, cursor ? { ...query, cursor } : query);
      const queries = sent.slice(before).filter((entry) => entry.command === 'QueryCommand');
      perPage.push({ queries: queries.length, scanned: queries.map((entry) => entry.scannedCount ?? Number.NaN) });
      cursor = page.nextCursor;
    } while (cursor);
    return perPage;
  }

  it('L2 a single-partition page of 10 out of 50 reads at most limit + 2 items, in one query', async () => {
    const cases: Array<[OperatorActor, Omit<ListQuery, 'cursor'>]> = [
      [busy, { tab: 'unassigned', limit: 10 }],
      [sue, { tab: 'all', groupId: 'busy', status: 'unassigned', limit: 10 }],
      [sue, { tab: 'unassigned', groupId: 'busy', limit: 10 }],
    ];
    for (const [actor, query] of cases) {
      const perPage = await scannedPerPage(actor, query);
      expect(perPage).toHaveLength(5);
      for (const page of perPage) {
        expect(page.queries).toBe(1);
        expect(page.scanned[0]).toBeLessThanOrEqual(10 + 2);
      }
    }
  });

  it('L2 a page merged from k groups reads at most k × (limit + 1) items', async () => {
    const perPage = await scannedPerPage(pair, { tab: 'unassigned', limit: 10 });
    expect(perPage).toHaveLength(8);
    for (const page of perPage) {
      expect(page.queries).toBeLessThanOrEqual(2);
      expect(page.scanned.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(2 * 11);
    }
  });

  it('L2 staff Unassigned over two groups merges by frontier: a page + 1 + 3 per group', async () => {
    const perPage = await scannedPerPage(sue, { tab: 'unassigned', limit: 10 });
    expect(perPage).toHaveLength(8);
    for (const page of perPage) {
      expect(page.scanned.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(10 + 1 + 3 * 2);
    }
  });

  it('L2 a filtered list reads a bounded number of windows, then hands back a short page that continues', async () => {
    const closer = operator('closer', ['target', 'noise']);
    const closed = (client: string, minute: number, groupId: string): TicketSpec => ({
      client,
      minute,
      status: 'closed',
      groupId,
      assigneeId: 'closer',
      closedBy: 'closer',
    });
    const [newest] = await writeTickets([closed('t-new', 500, 'target')]);
    await writeTickets(Array.from({ length: 20 }, (_, i) => closed(`n${i}`, 400 + i, 'noise')));
    const oldest = await writeTickets([closed('t-old1', 300, 'target'), closed('t-old2', 301, 'target')]);
    const query = { tab: 'closed', groupId: 'target', limit: 2 } as const;
    const perPage = await scannedPerPage(closer, query);
    for (const page of perPage) {
      expect(page.scanned.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(4 * (query.limit + 1));
    }
    expect((await walk(closer, query)).ids).toEqual(newestFirst([...(newest ? [newest] : []), ...oldest]));
    const first = await listTickets(closer, query);
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBeDefined();
  });

  it('L2 no Scan was ever sent', () => {
    expect(sent.filter((entry) => entry.command.startsWith('Scan'))).toEqual([]);
  });
});

describe('L2 staff views merge their status and group partitions, reading about a page', () => {
  const sue = operator('sue', [], 'supervisor');
  const groups = ['ga', 'gb', 'gc', 'gd'];
  const statuses: TicketStatus[] = ['unassigned', 'in_progress', 'closed'];
  let sent: SentCommand[];
  let tickets: Ticket[];

  beforeAll(async () => {
    await useTestTable();
    sent = watchDynamo();
    await listGroups(...groups);
    // 150 tickets over 4 groups and 3 statuses, their last messages interleaved unevenly (a fixed pseudo-random walk).
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const specs: TicketSpec[] = Array.from({ length: 150 }, (_, i) => {
      const status = statuses[Math.floor(random() * 3)] as TicketStatus;
      const groupId = groups[Math.min(3, Math.floor(random() * random() * 5))] as string;
      return {
        client: `f${i}`,
        minute: 1000 + i,
        status,
        groupId,
        ...(status === 'unassigned' ? {} : { assigneeId: 'ann' }),
        ...(status === 'closed' ? { closedBy: 'ann' } : {}),
      };
    });
    tickets = await writeTickets(specs);
  });

  /** Pages through a list, recording each page's Queries, items they read, and rows handed out. */
  async function costPerPage(query: Omit<ListQuery, 'cursor'>, actor: OperatorActor = sue) {
    const pages: Array<{ queries: number; read: number; rows: number }> = [];
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const before = sent.length;
      const page = await listTickets(actor, cursor ? { ...query, cursor } : query);
      const queries = sent.slice(before).filter((entry) => entry.command === 'QueryCommand');
      pages.push({
        queries: queries.length,
        read: queries.reduce((sum, entry) => sum + (entry.scannedCount ?? Number.NaN), 0),
        rows: page.items.length,
      });
      ids.push(...idsOf(page.items));
      cursor = page.nextCursor;
    } while (cursor);
    return { pages, ids };
  }

  const expected = (keep: (ticket: Ticket) => boolean) => newestFirst(tickets.filter(keep));

  it('L1/L2 All, All by status and All by group list every matching ticket once, newest first', async () => {
    const views: Array<[Omit<ListQuery, 'cursor'>, (ticket: Ticket) => boolean]> = [
      [{ tab: 'all', limit: 25 }, () => true],
      [{ tab: 'all', status: 'closed', limit: 10 }, (ticket) => ticket.status === 'closed'],
      [{ tab: 'all', groupId: 'ga', limit: 10 }, (ticket) => ticket.groupId === 'ga'],
      [{ tab: 'unassigned', limit: 7 }, (ticket) => ticket.status === 'unassigned'],
    ];
    for (const [query, keep] of views) {
      const { ids } = await costPerPage(query);
      expect(ids).toEqual(expected(keep));
    }
  });

  it('L2 a full page of All over 12 partitions reads at most its size + 1 and 3 per partition (and one GetItem of the groups)', async () => {
    const partitions = groups.length * statuses.length;
    for (const limit of [10, 25]) {
      const { pages } = await costPerPage({ tab: 'all', limit });
      for (const page of pages.slice(0, -1)) expect(page.rows).toBe(limit);
      for (const page of pages) {
        expect(page.read).toBeLessThanOrEqual(limit + 1 + 3 * partitions);
      }
    }
  });

  it('L2 All by status (4 partitions), All by group (3) and Unassigned of staff read at most size + 1 + 3 per partition', async () => {
    const cases: Array<[Omit<ListQuery, 'cursor'>, number]> = [
      [{ tab: 'all', status: 'in_progress', limit: 10 }, groups.length],
      [{ tab: 'all', status: 'closed', limit: 25 }, groups.length],
      [{ tab: 'all', groupId: 'gb', limit: 10 }, statuses.length],
      [{ tab: 'unassigned', limit: 10 }, groups.length],
    ];
    for (const [query, partitions] of cases) {
      const { pages } = await costPerPage(query);
      for (const page of pages) expect(page.read).toBeLessThanOrEqual(query.limit + 1 + 3 * partitions);
    }
  });

  it('L1/L2 an operator in three groups gets its Unassigned merged by frontier: a page + 1 + 3 per group', async () => {
    const three = operator('three-op', ['gc', 'ga', 'gb']);
    const { pages, ids } = await costPerPage({ tab: 'unassigned', limit: 5 }, three);
    expect(ids).toEqual(expected((ticket) => ticket.status === 'unassigned' && ticket.groupId !== 'gd'));
    for (const page of pages) expect(page.read).toBeLessThanOrEqual(5 + 1 + 3 * 3);
  });

  it('L2 a view that would merge more than 150 partitions is refused as invalid, naming the filter that narrows it', async () => {
    await listGroups(...Array.from({ length: 47 }, (_, i) => `more${i}`));
    // 51 groups: All would merge 153 partitions; by status it merges 51.
    const error = await errorOf(listTickets(sue, { tab: 'all', limit: 10 }));
    expect(error).toMatchObject({ code: 'invalid', httpStatus: 400, details: { partitions: 153, groups: 51 } });
    expect(error.message).toMatch(/filter it by status or by groupId/);
    expect((await costPerPage({ tab: 'all', status: 'closed', limit: 25 })).ids).toEqual(
      expected((ticket) => ticket.status === 'closed'),
    );
  });
});

describe('L1/L2 a staff view keeps paging when a group is made while someone pages through it', () => {
  const admin: OperatorActor = { kind: 'operator', operatorId: 'adm', role: 'admin', groupIds: [] };
  const sue = operator('sue', [], 'supervisor');
  const statuses: TicketStatus[] = ['unassigned', 'in_progress', 'closed'];
  let sent: SentCommand[];
  let made = 0;

  beforeAll(async () => {
    await useTestTable();
    sent = watchDynamo();
    // Groups made through the admin use case, so LISTGROUPS grows the way it does in production.
    const groups = [
      (await createGroup(admin, { name: 'First line', strategy: 'manual' })).groupId,
      (await createGroup(admin, { name: 'Second line', strategy: 'manual' })).groupId,
    ];
    await writeTickets(
      Array.from({ length: 24 }, (_, i) => {
        const status = statuses[(i * 7) % 3] as TicketStatus;
        return {
          client: `m${i}`,
          minute: 3000 + i,
          status,
          groupId: groups[i % 2] as string,
          ...(status === 'unassigned' ? {} : { assigneeId: 'ann' }),
          ...(status === 'closed' ? { closedBy: 'ann' } : {}),
        };
      }),
    );
  });

  const makeGroup = async () =>
    (await createGroup(admin, { name: `Made while paging ${++made}`, strategy: 'manual' })).groupId;
  const transfer = (ticketId: string, groupId: string) =>
    runTicketCommand(admin, ticketId, { type: 'transfer', groupId });
  const open = (rows: ListRow[]) => rows.filter((row) => 'status' in row && row.status !== 'closed');

  /** The continuation of a cursor: every page's rows, and the items each page's Queries read. */
  async function rest(query: Omit<ListQuery, 'cursor'>, cursor: string) {
    const ids: string[] = [];
    const reads: number[] = [];
    let next: string | undefined = cursor;
    while (next) {
      const before = sent.length;
      const page: Page<ListRow> = await listTickets(sue, { ...query, cursor: next });
      const queries = sent.slice(before).filter((entry) => entry.command === 'QueryCommand');
      reads.push(queries.reduce((sum, entry) => sum + (entry.scannedCount ?? Number.NaN), 0));
      ids.push(...idsOf(page.items));
      next = page.nextCursor;
    }
    return { ids, reads };
  }

  it('L1/L2 All in pages of 2: a group made (and tickets moved into it) between pages, the next pages go on with every ticket once, in order', async () => {
    const query = { tab: 'all', limit: 2 } as const;
    const everything = await listTickets(sue, { ...query, limit: 100 });
    const first = await listTickets(sue, query);
    const second = await listTickets(sue, { ...query, cursor: first.nextCursor as string });
    const handedOut = [...first.items, ...second.items];
    const unseen = everything.items.slice(handedOut.length);

    const groupId = await makeGroup();
    // One ticket already handed out and two not yet move into the new group (a transfer keeps their place in time);
    // a ticket opened in it now is newer than anything listed, so only a reload shows it.
    const moved = [open(handedOut)[0], ...open(unseen).slice(-2)].map((row) => (row as TicketRow).ticketId);
    expect(moved).toHaveLength(3);
    for (const ticketId of moved) await transfer(ticketId, groupId);
    const [opened] = await writeTickets([{ client: 'm-new', minute: 9000, status: 'unassigned', groupId }]);

    const { ids, reads } = await rest(query, second.nextCursor as string);
    expect([...idsOf(handedOut), ...ids]).toEqual(idsOf(everything.items));
    // 3 statuses × 3 groups now: a page reads at most its size + 1 and 3 per partition.
    for (const read of reads) expect(read).toBeLessThanOrEqual(query.limit + 1 + 3 * 9);
    const reloaded = await listTickets(sue, query);
    expect(reloaded.items[0]).toMatchObject({ ticketId: opened?.ticketId, groupId });
    expect(idsOf((await listTickets(sue, { ...query, limit: 100 })).items)).toHaveLength(everything.items.length + 1);
  });

  it('L1/L2 Unassigned of staff and All by status keep their cursor across a new group, handing out tickets moved into it once', async () => {
    for (const query of [
      { tab: 'unassigned', limit: 2 },
      { tab: 'all', status: 'unassigned', limit: 2 },
    ] as const) {
      const everything = await listTickets(sue, { ...query, limit: 100 });
      const first = await listTickets(sue, query);
      const unseen = everything.items.slice(first.items.length);
      const groupId = await makeGroup();
      // Both handed-out tickets (the second is the cursor's point itself) and the oldest one not yet handed out.
      const moved = [...first.items, unseen.at(-1)].map((row) => (row as TicketRow).ticketId);
      expect(moved).toHaveLength(3);
      for (const ticketId of moved) await transfer(ticketId, groupId);

      const { ids, reads } = await rest(query, first.nextCursor as string);
      expect([...idsOf(first.items), ...ids]).toEqual(idsOf(everything.items));
      const groups = (await listedGroupIds()).length;
      for (const read of reads) expect(read).toBeLessThanOrEqual(query.limit + 1 + 3 * groups);
    }
  });

  it('L2 a cursor of All stays small however many groups the tenant has, and belongs to the operator it was given to', async () => {
    const query = { tab: 'all', status: 'closed', limit: 2 } as const;
    const few = await listTickets(sue, query);
    await listGroups(...Array.from({ length: 60 }, (_, i) => `many${i}`));
    const many = await listTickets(sue, query);
    expect(few.nextCursor?.length).toBeLessThan(256);
    expect(many.nextCursor?.length).toBeLessThan(256);
    // A used-up partition is one bit: 60 more groups add at most 8 bytes of mask to the cursor.
    expect((many.nextCursor?.length ?? 0) - (few.nextCursor?.length ?? 0)).toBeLessThanOrEqual(16);

    const sam = operator('sam', [], 'supervisor');
    const error = await errorOf(listTickets(sam, { ...query, cursor: many.nextCursor as string }));
    expect(error).toMatchObject({ code: 'invalid', httpStatus: 400 });
    // A cursor from before this format (one position per partition) is refused once; the first page works.
    const old = Buffer.from(JSON.stringify({ list: 'AAAAAAAAAAAAAAAA', at: [null, true] })).toString('base64url');
    expect(await errorOf(listTickets(sue, { ...query, cursor: old }))).toMatchObject({ code: 'invalid' });
  });
});
