import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, startGateway } from '../../infra/local/gateway';
import type { OperatorActor } from '../../shared/domain/actors';
import { DomainError } from '../../shared/domain/errors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { recordConnection } from '../../shared/realtime/connections';
import { clientIdFor } from '../../shared/store/clients';
import { INDEXES, keys, partitionQuery } from '../../shared/store/keys';
import { historyPage, type Message } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { getOperatorCounters, getTicket, readClientHead, type Ticket, toTicket } from '../../shared/store/tickets';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { markRead, sendOperatorMessage } from '../../shared/use-cases/operator-replies';
import { runTicketCommand, startOutbound } from '../../shared/use-cases/ticket-commands';
import { createApiChannel } from '../support/channels';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let tableName: string;
let firstLine: string;
let secondLine: string;
let channelId: string;
let anna: Operator;
let boris: Operator;
let sue: Operator;
let seq = 0;
let gateway: LocalGateway;

const inbound = (externalUserId: string, text: string, extra: Partial<InboundMessage> = {}): InboundMessage => ({
  channelId,
  externalUserId,
  name: `Client ${externalUserId}`,
  clientType: 'channel',
  kind: 'text',
  text,
  receivedAt: new Date(Date.UTC(2026, 4, 1, 10, 0, 0, ++seq)),
  ...extra,
});

async function allMessages(clientId: string): Promise<Message[]> {
  const page = await historyPage(clientId, keys.clientMessagesPrefix(), { limit: 100, viewer: 'operator' });
  return page.items;
}

async function mine(operatorId: string): Promise<Ticket[]> {
  const { Items = [] } = await dynamo().send(
    new QueryCommand({
      TableName: tableName,
      ...partitionQuery(keys.tabMine(operatorId), { index: INDEXES.listings }),
    }),
  );
  return Items.map(toTicket);
}

/** T12: the stored counters must equal a recount from the tickets themselves. */
async function expectCountersMatchRecount(operator: Operator) {
  const tickets = await mine(operator.operatorId);
  const counters = await getOperatorCounters(operator.operatorId);
  expect({ inProgress: counters.inProgress, unreadTickets: counters.unreadTickets }).toEqual({
    inProgress: tickets.length,
    unreadTickets: tickets.filter((t) => t.unreadCount > 0).length,
  });
}

function errorOf(reason: unknown) {
  expect(reason).toBeInstanceOf(DomainError);
  return reason as DomainError;
}

beforeAll(async () => {
  ({ tableName } = await useTestTable());
  // Pushes go through a real management endpoint; the test's connections have no socket behind them.
  gateway = await startGateway({ httpRoutes: [], webSocketRoutes: [], log: () => undefined });
  process.env.WS_MANAGEMENT_ENDPOINT = gateway.managementEndpoint;
  resetClients();
  firstLine = (await createGroup(admin, { name: 'First line', strategy: 'manual' })).groupId;
  secondLine = (await createGroup(admin, { name: 'Second line', strategy: 'manual' })).groupId;
  channelId = await createApiChannel(admin, 'CRM', firstLine);
  const operator = (name: string, role: Operator['role'], groupIds: string[], capacity = 5) =>
    insertOperator({ name, email: `${name.toLowerCase()}@example.com`, role, groupIds, capacity, enabled: true });
  anna = await operator('Anna', 'operator', [firstLine]);
  boris = await operator('Boris', 'operator', [firstLine]);
  sue = await operator('Sue', 'supervisor', []);
});

afterAll(async () => {
  await gateway.close();
});

describe('T1 ingest', () => {
  it('a first message opens an unassigned ticket in the channel default group; later ones append to it', async () => {
    const first = await ingestClientMessage(inbound('u1', 'Hello'));
    expect(first).toMatchObject({ duplicate: false, opened: true });
    expect(first.ticket).toMatchObject({ status: 'unassigned', groupId: firstLine, unreadCount: 1, messageCount: 1 });
    const second = await ingestClientMessage(inbound('u1', 'Anyone there?'));
    expect(second.opened).toBe(false);
    expect(second.ticket).toMatchObject({ ticketId: first.ticket?.ticketId, unreadCount: 2, messageCount: 2 });
    expect(second.ticket?.lastMessagePreview).toBe('Anyone there?');
    const head = await readClientHead(clientIdFor(channelId, 'u1'));
    expect(head.client).toMatchObject({ originalName: 'Client u1', ticketCount: 1, type: 'channel' });
    const history = await allMessages(first.clientId);
    expect(history.map((m) => m.kind)).toEqual(['text', 'text', 'system']);
    expect(history[2]?.note?.code).toBe('opened');
  });

  it('T1 race: 20 concurrent first messages of one client open exactly one ticket and lose nothing', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ingestClientMessage(inbound('u-race', `message ${i}`))),
    );
    expect(new Set(results.map((r) => r.ticket?.ticketId)).size).toBe(1);
    expect(results.filter((r) => r.opened)).toHaveLength(1);
    const messages = await allMessages(results[0]?.clientId as string);
    expect(messages.filter((m) => m.author.kind === 'client')).toHaveLength(20);
    const ticket = await getTicket(results[0]?.ticket?.ticketId as string);
    expect(ticket).toMatchObject({ unreadCount: 20, messageCount: 20 });
    expect((await readClientHead(results[0]?.clientId as string)).client?.ticketCount).toBe(1);
  });

  it('CH2: 20 concurrent deliveries of one channel message store it once', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => ingestClientMessage(inbound('u-dup', 'once', { externalMessageId: 'ext-42' }))),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    const messages = await allMessages(clientIdFor(channelId, 'u-dup'));
    expect(messages.filter((m) => m.author.kind === 'client')).toHaveLength(1);
  });

  it('T2: 5 simultaneous first messages of a new client take one number; the next client gets the next one', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => ingestClientMessage(inbound('u-t2-first', `hello ${i}`))),
    );
    const numbers = new Set(results.map((r) => r.ticket?.number));
    expect(numbers.size).toBe(1);
    const next = await ingestClientMessage(inbound('u-t2-next', 'me too'));
    expect(next.ticket?.number).toBe((results[0]?.ticket?.number as number) + 1);
  });

  it('T2/CH2: 5 concurrent copies of one first message store it once and take no number for the copies', async () => {
    const copies = await Promise.all(
      Array.from({ length: 5 }, () =>
        ingestClientMessage(inbound('u-t2-dup', 'once', { externalMessageId: 'ext-t2-dup' })),
      ),
    );
    const stored = copies.filter((r) => !r.duplicate);
    expect(stored).toHaveLength(1);
    const next = await ingestClientMessage(inbound('u-t2-after-dup', 'next'));
    expect(next.ticket?.number).toBe((stored[0]?.ticket?.number as number) + 1);
  });

  it('T1/R2: an existing-ticket text message reads once, writes, then reads who sees it', async () => {
    await ingestClientMessage(inbound('u-rt', 'first'));
    const sent: string[] = [];
    const client = dynamo();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    try {
      await ingestClientMessage(inbound('u-rt', 'second'));
    } finally {
      client.middlewareStack.remove('countCommands');
    }
    // The client head, the transaction, then the audiences' connection Queries (after the write: R2).
    expect(sent.slice(0, 2)).toEqual(['QueryCommand', 'TransactWriteItemsCommand']);
    expect(sent.slice(2).every((command) => command === 'QueryCommand')).toBe(true);
  });
});

describe('T4–T9 commands', () => {
  it('T4: 50 concurrent takes of one ticket → exactly one winner, the others get conflict naming the winner', async () => {
    const { ticket } = await ingestClientMessage(inbound('u-take', 'who takes me?'));
    const takers = [anna, boris];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        runTicketCommand(actorOf(takers[i % 2] as Operator), ticket?.ticketId as string, { type: 'take' }),
      ),
    );
    const winners = outcomes.filter((o) => o.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const stored = await getTicket(ticket?.ticketId as string);
    const winner = stored.assigneeId === anna.operatorId ? anna : boris;
    const loser = winner === anna ? boris : anna;
    for (const outcome of outcomes) {
      if (outcome.status !== 'rejected') continue;
      const error = errorOf(outcome.reason);
      expect(error.code).toBe('conflict');
      expect(error.details?.assigneeId).toBe(winner.operatorId);
    }
    const loserErrors = outcomes
      .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      .map((o) => errorOf(o.reason))
      .filter((e) => e.message.includes(winner.name));
    expect(loserErrors.length).toBeGreaterThan(0);
    expect(stored.seq).toBe(3);
    const history = await allMessages(stored.clientId);
    expect(history.filter((m) => m.note?.code === 'taken')).toHaveLength(1);
    await expectCountersMatchRecount(winner);
    await expectCountersMatchRecount(loser);
  });

  it('T5–T8: take, reply, assign, transfer, return, close — every step in the timeline, counters exact', async () => {
    const { ticket } = await ingestClientMessage(inbound('u-flow', 'Help with billing'));
    const id = ticket?.ticketId as string;
    await runTicketCommand(actorOf(anna), id, { type: 'take' });
    expect((await getOperatorCounters(anna.operatorId)).unreadTickets).toBeGreaterThan(0);
    await markRead(actorOf(anna), id);
    const reply = await sendOperatorMessage(actorOf(anna), id, { text: 'Looking into it' });
    // The channel's callback (port 9) refuses connections: the reply stays queued for a retry (CH3) and in history.
    expect(reply.status).toBe('queued');
    await ingestClientMessage(inbound('u-flow', 'Thanks'));
    await expectCountersMatchRecount(anna);
    await runTicketCommand(actorOf(anna), id, { type: 'assign', operatorId: boris.operatorId });
    await expectCountersMatchRecount(anna);
    await expectCountersMatchRecount(boris);
    await runTicketCommand(actorOf(boris), id, { type: 'transfer', groupId: secondLine });
    const transferred = await getTicket(id);
    expect(transferred).toMatchObject({ status: 'unassigned', groupId: secondLine });
    expect(transferred.assigneeId).toBeUndefined();
    await runTicketCommand(actorOf(sue), id, { type: 'take' });
    await runTicketCommand(actorOf(sue), id, { type: 'unassign' });
    expect(await getTicket(id)).toMatchObject({ status: 'unassigned', groupId: secondLine });
    await runTicketCommand(actorOf(sue), id, { type: 'close' });
    const closed = await getTicket(id);
    expect(closed).toMatchObject({ status: 'closed', closedBy: sue.operatorId, unreadCount: 0 });
    const notes = (await allMessages(closed.clientId))
      .filter((m) => m.kind === 'system')
      .map((m) => m.note?.code)
      .reverse();
    expect(notes).toEqual(['opened', 'taken', 'assigned', 'transferred', 'taken', 'returned', 'closed']);
    const transferNote = (await allMessages(closed.clientId)).find((m) => m.note?.code === 'transferred');
    expect(transferNote?.text).toBe("Ticket transferred to group 'Second line'");
    for (const operator of [anna, boris, sue]) await expectCountersMatchRecount(operator);

    // T8: the next client message opens a new ticket with a higher number; the client never sees tickets.
    const next = await ingestClientMessage(inbound('u-flow', 'One more question'));
    expect(next.opened).toBe(true);
    expect(next.ticket?.number).toBeGreaterThan(closed.number);
    expect((await readClientHead(closed.clientId)).client?.ticketCount).toBe(2);
  });

  it('T5: an operator cannot assign to someone outside its groups; nothing changes', async () => {
    const { ticket } = await ingestClientMessage(inbound('u-t5', 'hi'));
    const id = ticket?.ticketId as string;
    await runTicketCommand(actorOf(anna), id, { type: 'take' });
    const before = await getTicket(id);
    const error = await runTicketCommand(actorOf(anna), id, { type: 'assign', operatorId: sue.operatorId }).catch(
      (e: unknown) => e,
    );
    expect(errorOf(error).details).toEqual({ reason: 'target_not_in_shared_group' });
    expect(await getTicket(id)).toEqual(before);
  });

  it('T9: an operator starts an outbound dialog with a client whose latest ticket is closed', async () => {
    const { ticket } = await ingestClientMessage(inbound('u-out', 'bye'));
    const id = ticket?.ticketId as string;
    await runTicketCommand(actorOf(anna), id, { type: 'take' });
    await expect(startOutbound(actorOf(anna), ticket?.clientId as string)).rejects.toMatchObject({ code: 'conflict' });
    await runTicketCommand(actorOf(anna), id, { type: 'close' });
    const started = await startOutbound(actorOf(anna), ticket?.clientId as string);
    expect(started).toMatchObject({ status: 'in_progress', assigneeId: anna.operatorId, groupId: firstLine });
    expect(started.number).toBeGreaterThan(ticket?.number as number);
    const reply = await ingestClientMessage(inbound('u-out', 'oh hi again'));
    expect(reply.ticket?.ticketId).toBe(started.ticketId);
    await expectCountersMatchRecount(anna);
  });

  it('T8/T11 race: close against concurrent client messages loses no message', async () => {
    for (let round = 0; round < 5; round++) {
      const user = `u-close-race-${round}`;
      const { ticket } = await ingestClientMessage(inbound(user, 'start'));
      await runTicketCommand(actorOf(anna), ticket?.ticketId as string, { type: 'take' });
      const [closeOutcome, ...ingested] = await Promise.allSettled([
        runTicketCommand(actorOf(anna), ticket?.ticketId as string, { type: 'close' }),
        ...Array.from({ length: 5 }, (_, i) => ingestClientMessage(inbound(user, `late ${i}`))),
      ]);
      expect(closeOutcome?.status).toBe('fulfilled');
      expect(ingested.every((o) => o.status === 'fulfilled')).toBe(true);
      const clientMessages = (await allMessages(clientIdFor(channelId, user))).filter(
        (m) => m.author.kind === 'client',
      );
      expect(clientMessages).toHaveLength(6);
      const head = await readClientHead(clientIdFor(channelId, user));
      // Late messages landed in the closed ticket before it closed, or opened exactly one new ticket.
      expect(head.client?.ticketCount).toBeLessThanOrEqual(2);
      expect(new Set(clientMessages.map((m) => m.ticketNumber)).size).toBe(head.client?.ticketCount);
    }
    await expectCountersMatchRecount(anna);
  });
});

describe('T3 routing and C5 pinning', () => {
  it('least_busy hands new tickets to online operators under capacity, never past it under concurrency', async () => {
    const group = await createGroup(admin, { name: 'Auto', strategy: 'least_busy' });
    const autoChannel = await createChannel(admin, {
      kind: 'api',
      name: 'Auto CRM',
      defaultGroupId: group.groupId,
      enabled: true,
      settings: { callbackUrl: 'http://127.0.0.1:9/cb' },
      overrides: {},
    } as Parameters<typeof createChannel>[1]);
    const make = (name: string, capacity: number) =>
      insertOperator({
        name,
        email: `${name}@auto.example.com`,
        role: 'operator',
        groupIds: [group.groupId],
        capacity,
        enabled: true,
      });
    const online = await make('online', 2);
    const offline = await make('offline', 5);
    await recordConnection({
      connectionId: 'conn-online',
      principal: `operator#${online.operatorId}`,
      audiences: [`group#${group.groupId}`],
      connectedAt: new Date().toISOString(),
    });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        ingestClientMessage({ ...inbound(`auto-${i}`, 'hi'), channelId: autoChannel.channelId }),
      ),
    );
    const assigned = results.filter((r) => r.ticket?.status === 'in_progress');
    expect(assigned.every((r) => r.ticket?.assigneeId === online.operatorId)).toBe(true);
    expect(assigned).toHaveLength(2);
    expect(results.filter((r) => r.ticket?.status === 'unassigned')).toHaveLength(3);
    expect((await getOperatorCounters(offline.operatorId)).inProgress).toBe(0);
    await expectCountersMatchRecount(online);
  });

  it('C5: a client pinned to an operator skips Unassigned and goes to its Mine', async () => {
    const { ticket } = await ingestClientMessage(inbound('u-pin', 'first'));
    await runTicketCommand(actorOf(boris), ticket?.ticketId as string, { type: 'take' });
    await runTicketCommand(actorOf(boris), ticket?.ticketId as string, { type: 'close' });
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.client(ticket?.clientId as string),
        UpdateExpression: 'SET pinnedTo = :op',
        ExpressionAttributeValues: { ':op': anna.operatorId },
      }),
    );
    const next = await ingestClientMessage(inbound('u-pin', 'again'));
    expect(next.ticket).toMatchObject({ status: 'in_progress', assigneeId: anna.operatorId });
    await expectCountersMatchRecount(anna);
  });
});
