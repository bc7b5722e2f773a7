import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { recordConnection } from '../../shared/realtime/connections';
import { eventsIn } from '../../shared/realtime/event-frames';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { runOperatorAction } from '../../shared/use-cases/operator-actions';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { clientText, createApiChannel } from '../support/channels';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let channelId: string;
let anna: Operator;
let boris: Operator;
let olga: Operator;
let tick = 0;

const inbound = (user: string, text: string) => clientText(channelId, user, text, new Date(Date.now() + ++tick));

const run = (actor: OperatorActor, name: Parameters<typeof runOperatorAction>[1], input: Record<string, unknown>) =>
  runOperatorAction(actor, name, input, new Date(Date.now() + ++tick)) as Promise<Record<string, unknown>>;

const pushed = (event: string) =>
  management
    .commandCalls(PostToConnectionCommand)
    .flatMap((call) =>
      eventsIn(JSON.parse(Buffer.from(call.args[0].input.Data as Uint8Array).toString('utf8'))).map((frame) => ({
        connectionId: call.args[0].input.ConnectionId,
        frame,
      })),
    )
    .filter(({ frame }) => frame.event === event);

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  const front = await createGroup(admin, { name: 'Front', strategy: 'manual' });
  const back = await createGroup(admin, { name: 'Back', strategy: 'manual' });
  channelId = await createApiChannel(admin, 'CRM', front.groupId);
  const person = (name: string, groupIds: string[]) =>
    insertOperator({
      name,
      email: `${name}@profile.example.com`,
      role: 'operator',
      groupIds,
      capacity: 5,
      enabled: true,
    });
  anna = await person('anna', [front.groupId]);
  boris = await person('boris', [front.groupId]);
  olga = await person('olga', [back.groupId]);
  const connectedAt = new Date().toISOString();
  await recordConnection({
    connectionId: 'front-socket',
    principal: `operator#${boris.operatorId}`,
    audiences: [`group#${front.groupId}`],
    connectedAt,
  });
  await recordConnection({
    connectionId: 'back-socket',
    principal: `operator#${olga.operatorId}`,
    audiences: [`group#${back.groupId}`],
    connectedAt,
  });
});

beforeEach(() => management.resetHistory());
afterAll(() => management.restore());

describe('C1/C7 client profile', () => {
  it("C1: renaming keeps the channel's original name, shows both, and pushes client.updated to who sees the open ticket", async () => {
    const { clientId, ticket } = await ingestClientMessage(inbound('tg_user_77', 'hello'));
    const updated = await run(actorOf(anna), 'client.update', { clientId, name: 'Ivan Petrov' });
    expect(updated).toMatchObject({ name: 'Ivan Petrov', originalName: 'tg_user_77' });
    const view = await run(actorOf(anna), 'client.get', { clientId });
    expect(view).toMatchObject({
      client: { name: 'Ivan Petrov', originalName: 'tg_user_77' },
      latestTicketId: ticket?.ticketId,
      watched: false,
    });
    const frames = pushed('client.updated');
    expect(frames.map((f) => f.connectionId)).toEqual(['front-socket']);
    expect(frames[0]?.frame.data).toMatchObject({
      clientId,
      change: 'profile',
      client: { name: 'Ivan Petrov', originalName: 'tg_user_77' },
    });
    // A later message from the channel does not undo the rename.
    await ingestClientMessage(inbound('tg_user_77', 'me again'));
    expect(await run(actorOf(anna), 'client.get', { clientId })).toMatchObject({
      client: { name: 'Ivan Petrov', originalName: 'tg_user_77' },
    });
  });

  it('C7: VIP and BAD marks, phone, e-mail and bounded CRM attributes; null removes a field', async () => {
    const { clientId } = await ingestClientMessage(inbound('crm-42', 'hi'));
    const profile = await run(actorOf(anna), 'client.update', {
      clientId,
      vip: true,
      bad: true,
      phone: '+44 20 7946 0000',
      email: 'ivan@example.com',
      attributes: { plan: 'gold', 'crm.id': '42' },
    });
    expect(profile).toMatchObject({
      vip: true,
      bad: true,
      phone: '+44 20 7946 0000',
      email: 'ivan@example.com',
      attributes: { plan: 'gold', 'crm.id': '42' },
    });
    const cleared = await run(actorOf(anna), 'client.update', { clientId, bad: false, phone: null });
    expect(cleared).toMatchObject({ vip: true, bad: false, email: 'ivan@example.com' });
    expect(cleared.phone).toBeUndefined();
    const tooMany = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v']));
    await expect(run(actorOf(anna), 'client.update', { clientId, attributes: tooMany })).rejects.toThrow(
      /attributes: must have at most 30 attributes/,
    );
    await expect(run(actorOf(anna), 'client.update', { clientId, email: 'not-an-email' })).rejects.toThrow(
      /email: must be an e-mail address/,
    );
    await expect(
      run(actorOf(anna), 'client.update', { clientId, attributes: { 'bad key!': 'v' } }),
    ).rejects.toMatchObject({ code: 'invalid' });
    expect((await run(actorOf(anna), 'client.get', { clientId })).client).toMatchObject({ vip: true, bad: false });
  });

  it('X1: an operator of another group may neither read nor change the client; nothing changes', async () => {
    const { clientId } = await ingestClientMessage(inbound('private', 'hello'));
    for (const [action, input] of [
      ['client.get', { clientId }],
      ['client.update', { clientId, vip: true }],
      ['client.tickets', { clientId }],
      ['client.notes', { clientId }],
      ['note.add', { clientId, text: 'sneaky' }],
    ] as const) {
      await expect(run(actorOf(olga), action, input), action).rejects.toMatchObject({
        code: 'forbidden',
        details: { reason: 'not_visible' },
      });
    }
    expect((await run(actorOf(anna), 'client.get', { clientId })).client).not.toHaveProperty('vip');
    expect((await run(actorOf(anna), 'client.notes', { clientId })).items).toEqual([]);
    await expect(run(actorOf(anna), 'client.get', { clientId: 'cl_nobody' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('C4 client notes', () => {
  it('C4: notes carry author and time, are edited and deleted by their author only, and never reach the client', async () => {
    const { clientId, ticket } = await ingestClientMessage(inbound('noted', 'hello'));
    const first = await run(actorOf(anna), 'note.add', { clientId, text: 'Prefers e-mail' });
    const second = await run(actorOf(boris), 'note.add', { clientId, text: 'Asked about refunds' });
    expect(first).toMatchObject({ authorId: anna.operatorId, text: 'Prefers e-mail', createdAt: expect.any(String) });
    expect(pushed('client.updated').map((f) => f.frame.data.change)).toEqual(['note.added', 'note.added']);

    await expect(
      run(actorOf(boris), 'note.edit', { clientId, noteId: first.noteId, text: 'changed' }),
    ).rejects.toMatchObject({ code: 'forbidden', details: { reason: 'not_note_author' } });
    await expect(run(actorOf(boris), 'note.delete', { clientId, noteId: first.noteId })).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'not_note_author' },
    });
    const edited = await run(actorOf(anna), 'note.edit', { clientId, noteId: first.noteId, text: 'Prefers phone' });
    expect(edited).toMatchObject({ text: 'Prefers phone', editedAt: expect.any(String) });

    const notes = await run(actorOf(anna), 'client.notes', { clientId, limit: 1 });
    expect((notes.items as Array<{ noteId: string }>).map((n) => n.noteId)).toEqual([second.noteId]);
    const rest = await run(actorOf(anna), 'client.notes', { clientId, limit: 1, cursor: notes.nextCursor });
    expect(rest.items).toEqual([expect.objectContaining({ noteId: first.noteId, text: 'Prefers phone' })]);
    expect(rest.nextCursor).toBeUndefined();

    await run(actorOf(boris), 'note.delete', { clientId, noteId: second.noteId });
    await expect(run(actorOf(boris), 'note.delete', { clientId, noteId: second.noteId })).rejects.toMatchObject({
      code: 'not_found',
    });

    // The client's side: its history has no note, and ticket events to its sockets carry none.
    const visitorHistory = await historyPage(clientId, keys.clientMessagesPrefix(), { limit: 50, viewer: 'visitor' });
    expect(JSON.stringify(visitorHistory)).not.toMatch(/Prefers|refunds/);
    const operatorHistory = await historyPage(clientId, keys.ticketMessagesPrefix(ticket?.number ?? 0), {
      limit: 50,
      viewer: 'operator',
    });
    expect(JSON.stringify(operatorHistory)).not.toMatch(/Prefers|refunds/);
    expect(
      management.commandCalls(PostToConnectionCommand).some((c) => c.args[0].input.ConnectionId?.startsWith('visitor')),
    ).toBe(false);
  });
});

describe("C8 the client's tickets", () => {
  it('C8: number, status, dates, operator, message count and channel, newest first, paged', async () => {
    const first = await ingestClientMessage(inbound('regular', 'one'));
    await runTicketCommand(actorOf(anna), first.ticket?.ticketId as string, { type: 'take' });
    await runTicketCommand(actorOf(anna), first.ticket?.ticketId as string, { type: 'close' });
    const second = await ingestClientMessage(inbound('regular', 'two'));
    await ingestClientMessage(inbound('regular', 'two, again'));
    const page = await run(actorOf(boris), 'client.tickets', { clientId: first.clientId, limit: 1 });
    expect(page.items).toEqual([
      {
        ticketId: second.ticket?.ticketId,
        number: second.ticket?.number,
        status: 'unassigned',
        channelId,
        openedAt: expect.any(String),
        closedAt: null,
        lastMessageAt: expect.any(String),
        assigneeId: null,
        operatorName: null,
        messageCount: 2,
      },
    ]);
    const next = await run(actorOf(boris), 'client.tickets', {
      clientId: first.clientId,
      limit: 1,
      cursor: page.nextCursor,
    });
    expect(next.items).toEqual([
      expect.objectContaining({
        ticketId: first.ticket?.ticketId,
        status: 'closed',
        closedAt: expect.any(String),
        assigneeId: anna.operatorId,
        operatorName: 'anna',
        messageCount: 1,
      }),
    ]);
    expect(next.nextCursor).toBeUndefined();
    await expect(
      run(actorOf(boris), 'client.tickets', { clientId: first.clientId, cursor: 'bm90IGEgY3Vyc29y' }),
    ).rejects.toMatchObject({ code: 'invalid' });
  });
});

describe('M10 drafts', () => {
  it('M10: a draft is saved, read and cleared per operator and ticket, and comes back with list rows and ticket.get', async () => {
    const { ticket } = await ingestClientMessage(inbound('drafty', 'where is my order?'));
    const ticketId = ticket?.ticketId as string;
    expect(await run(actorOf(anna), 'draft.get', { ticketId })).toBeNull();
    const saved = await run(actorOf(anna), 'draft.save', { ticketId, text: 'Let me check the ord' });
    expect(saved).toMatchObject({ ticketId, text: 'Let me check the ord', updatedAt: expect.any(String) });
    await run(actorOf(anna), 'draft.save', { ticketId, text: 'Let me check the order' });

    expect(await run(actorOf(anna), 'draft.get', { ticketId })).toMatchObject({ text: 'Let me check the order' });
    expect(await run(actorOf(anna), 'ticket.get', { ticketId })).toMatchObject({
      draft: { text: 'Let me check the order' },
    });
    // Boris shares the row but not the draft.
    expect(await run(actorOf(boris), 'ticket.get', { ticketId })).toMatchObject({ draft: null });
    const rowOf = async (operator: Operator) =>
      (
        (await run(actorOf(operator), 'list', { tab: 'unassigned', limit: 100 })).items as Array<{
          ticketId: string;
          draft?: { text: string };
        }>
      ).find((row) => row.ticketId === ticketId);
    expect((await rowOf(anna))?.draft).toMatchObject({ text: 'Let me check the order' });
    expect((await rowOf(boris))?.draft).toBeUndefined();

    // One BatchGet carries every draft of a page.
    const batchGets: number[] = [];
    dynamo().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName?.startsWith('BatchGet')) batchGets.push(1);
        return next(args);
      },
      { step: 'initialize', name: 'countBatchGets' },
    );
    try {
      await rowOf(anna);
    } finally {
      dynamo().middlewareStack.remove('countBatchGets');
    }
    expect(batchGets).toHaveLength(1);

    await run(actorOf(anna), 'draft.clear', { ticketId });
    expect(await run(actorOf(anna), 'draft.get', { ticketId })).toBeNull();
    expect((await rowOf(anna))?.draft).toBeUndefined();
    // Saving blank text clears too.
    await run(actorOf(anna), 'draft.save', { ticketId, text: 'x' });
    expect(await run(actorOf(anna), 'draft.save', { ticketId, text: '   ' })).toBeNull();
    expect(await run(actorOf(anna), 'draft.get', { ticketId })).toBeNull();
  });

  it('X1/M10: no draft on a ticket the operator may not see; a draft over 2000 characters is refused', async () => {
    const { ticket } = await ingestClientMessage(inbound('drafty-2', 'hello'));
    const ticketId = ticket?.ticketId as string;
    await expect(run(actorOf(olga), 'draft.save', { ticketId, text: 'hi' })).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'not_visible' },
    });
    await expect(run(actorOf(olga), 'draft.get', { ticketId })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(run(actorOf(anna), 'draft.save', { ticketId, text: 'x'.repeat(2001) })).rejects.toThrow(
      /text: must be at most 2000 characters/,
    );
    expect(await run(actorOf(anna), 'draft.get', { ticketId })).toBeNull();
  });
});
