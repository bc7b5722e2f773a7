import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { connectionIdsOf, findConnection, joinAudience, recordConnection } from '../../shared/realtime/connections';
import { eventsIn } from '../../shared/realtime/event-frames';
import { closeConnection, openConnection } from '../../shared/realtime/presence';
import { clientIdFor, clientItem } from '../../shared/store/clients';
import { insertOperator, type Operator, resolveOperatorActor } from '../../shared/store/operators';
import { getTicket } from '../../shared/store/tickets';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { runOperatorAction } from '../../shared/use-cases/operator-actions';
import { clientText, createApiChannel } from '../support/channels';
import { queriedPartitions } from '../support/queries';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let channelId: string;
let anna: Operator;
let olga: Operator;
let tick = 0;

const inbound = (user: string, text: string) => clientText(channelId, user, text, new Date(Date.now() + ++tick));

/** Runs an action as the operator is now (its favourites are read with it, as the adapters do). */
const run = async (operator: Operator, name: Parameters<typeof runOperatorAction>[1], input: Record<string, unknown>) =>
  runOperatorAction(
    await resolveOperatorActor(operator.operatorId),
    name,
    input,
    new Date(Date.now() + ++tick),
  ) as Promise<Record<string, unknown>>;

const framesTo = (connectionId: string) =>
  management
    .commandCalls(PostToConnectionCommand)
    .filter((call) => call.args[0].input.ConnectionId === connectionId)
    .flatMap((call) =>
      eventsIn(
        JSON.parse(Buffer.from(call.args[0].input.Data as Uint8Array).toString('utf8')) as {
          event: string;
          data: Record<string, unknown>;
        },
      ),
    );

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  const front = await createGroup(admin, { name: 'Front', strategy: 'manual' });
  const back = await createGroup(admin, { name: 'Back', strategy: 'manual' });
  channelId = await createApiChannel(admin, 'CRM', front.groupId);
  const person = (name: string, groupIds: string[]) =>
    insertOperator({ name, email: `${name}@fav.example.com`, role: 'operator', groupIds, capacity: 5, enabled: true });
  anna = await person('anna', [front.groupId]);
  olga = await person('olga', [back.groupId]);
});

beforeEach(() => management.resetHistory());

afterAll(() => management.restore());

describe('C9 favourites', () => {
  it("C9/X1: a watcher receives the events of a watched client's ticket outside its groups, may read it but not change it, and stops after unwatching", async () => {
    // Olga (Back) handles the client's first ticket, which she closes: she may see the client and watches it.
    const first = await ingestClientMessage(inbound('vip-client', 'hello'));
    await run(anna, 'transfer', { ticketId: first.ticket?.ticketId, groupId: olga.groupIds[0] });
    await run(olga, 'take', { ticketId: first.ticket?.ticketId });
    await run(olga, 'client.watch', { clientId: first.clientId });
    await run(olga, 'close', { ticketId: first.ticket?.ticketId });
    expect(await run(olga, 'favourites', {})).toEqual({
      items: [{ clientId: first.clientId, name: 'vip-client', originalName: 'vip-client', channelId, vip: false }],
    });

    // A socket opened after watching joins the client's watchers at $connect.
    await openConnection({
      connectionId: 'olga-socket',
      principal: { kind: 'operator', operatorId: olga.operatorId },
      connectedAt: new Date(),
    });
    expect(await connectionIdsOf(`watchers#${first.clientId}`)).toEqual(['olga-socket']);
    management.resetHistory();

    // The client's new ticket lands in Front, not Olga's group: she still hears every event of it.
    const second = await ingestClientMessage(inbound('vip-client', 'me again'));
    const ticketId = second.ticket?.ticketId as string;
    await run(anna, 'take', { ticketId });
    await run(anna, 'message.send', { ticketId, text: 'Hi, Anna here' });
    const events = framesTo('olga-socket').map((frame) => frame.event);
    expect(events).toContain('ticket.created');
    expect(events.filter((event) => event === 'message.created').length).toBeGreaterThanOrEqual(3);
    expect(events).toContain('ticket.updated');

    // Read-only: ticket.get, history and sync work; take, reply, close, mark read, typing, tag are refused.
    expect(await run(olga, 'ticket.get', { ticketId })).toMatchObject({ ticket: { ticketId } });
    expect(((await run(olga, 'history', { ticketId })).items as unknown[]).length).toBeGreaterThan(0);
    expect(await run(olga, 'sync', { ticketId, afterSeq: 0 })).toMatchObject({ ticket: { ticketId } });
    const before = await getTicket(ticketId);
    for (const [action, input] of [
      ['take', { ticketId }],
      ['message.send', { ticketId, text: 'sneaky' }],
      ['close', { ticketId }],
      ['transfer', { ticketId, groupId: olga.groupIds[0] }],
      ['markRead', { ticketId }],
      ['typing', { ticketId }],
      ['setCategory', { ticketId, categoryId: null }],
      ['tag', { ticketId, messageIds: ['x'], tag: 'mine' }],
      ['client.update', { clientId: second.clientId, vip: true }],
      ['note.add', { clientId: second.clientId, text: 'watching you' }],
    ] as const) {
      await expect(run(olga, action, input), action).rejects.toMatchObject({
        code: 'forbidden',
        details: { reason: 'watch_read_only' },
      });
    }
    expect(await getTicket(ticketId)).toEqual(before);
    expect(await run(olga, 'client.get', { clientId: second.clientId })).toMatchObject({ watched: true });

    // Unwatching takes the live socket out: nothing more arrives, and reading is refused again.
    await run(olga, 'client.unwatch', { clientId: first.clientId });
    expect(await connectionIdsOf(`watchers#${first.clientId}`)).toEqual([]);
    expect((await findConnection('olga-socket'))?.audiences).not.toContain(`watchers#${first.clientId}`);
    management.resetHistory();
    await ingestClientMessage(inbound('vip-client', 'anyone?'));
    await run(anna, 'message.send', { ticketId, text: 'Still here' });
    expect(framesTo('olga-socket')).toEqual([]);
    await expect(run(olga, 'ticket.get', { ticketId })).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'not_visible' },
    });
    expect(await run(olga, 'favourites', {})).toEqual({ items: [] });
    await closeConnection('olga-socket', { kind: 'operator', operatorId: olga.operatorId }, new Date());
  });

  it('C9: watching reaches sockets already open; closing the socket removes its watcher entry', async () => {
    const { clientId, ticket } = await ingestClientMessage(inbound('watched-live', 'hi'));
    await openConnection({
      connectionId: 'anna-socket',
      principal: { kind: 'operator', operatorId: anna.operatorId },
      connectedAt: new Date(),
    });
    await run(anna, 'client.watch', { clientId });
    expect(await connectionIdsOf(`watchers#${clientId}`)).toEqual(['anna-socket']);
    await expect(run(anna, 'client.watch', { clientId })).rejects.toMatchObject({ code: 'conflict' });
    management.resetHistory();
    await run(anna, 'take', { ticketId: ticket?.ticketId });
    // One frame per event, though the socket hears the ticket both as its assignee and as a watcher.
    expect(framesTo('anna-socket').filter((frame) => frame.event === 'ticket.updated')).toHaveLength(1);
    await closeConnection('anna-socket', { kind: 'operator', operatorId: anna.operatorId }, new Date());
    expect(await connectionIdsOf(`watchers#${clientId}`)).toEqual([]);
  });

  /**
   * An open ticket in Front, and a socket that hears it only as one of its client's watchers: joined to the watchers
   * audience as the watch action joins a watcher's live sockets, before a supervisor's first watch marks the client.
   */
  const watchedFromOutside = async (user: string) => {
    const opened = await ingestClientMessage(inbound(user, 'first'));
    const socket = `${user}-watcher`;
    await recordConnection({
      connectionId: socket,
      principal: `operator#${socket}`,
      connectedAt: new Date().toISOString(),
    });
    const watch = async () => {
      await joinAudience(socket, `watchers#${opened.clientId}`);
      await run(await supervisor(), 'client.watch', { clientId: opened.clientId });
    };
    return { clientId: opened.clientId, ticketId: opened.ticket?.ticketId as string, socket, watch };
  };

  let sue: Operator | undefined;
  const supervisor = async () => {
    sue ??= await insertOperator({
      name: 'sue',
      email: 'sue@fav.example.com',
      role: 'supervisor',
      groupIds: [],
      capacity: 5,
      enabled: true,
    });
    return sue;
  };

  it('C9/R2: a ticket of a client never watched reads no watchers; a first watch marks it (ticket.updated) and every later message reaches the watcher', async () => {
    const { ticketId, socket, watch } = await watchedFromOutside('mark-me');
    expect(await getTicket(ticketId)).toMatchObject({ watched: false });
    const partitions = await queriedPartitions(() => ingestClientMessage(inbound('mark-me', 'unwatched')));
    expect(partitions.some((partition) => partition.includes('watchers#'))).toBe(false);

    management.resetHistory();
    await watch();
    const marked = await getTicket(ticketId);
    expect(marked.watched).toBe(true);
    expect(framesTo(socket)).toContainEqual(
      expect.objectContaining({ event: 'ticket.updated', data: expect.objectContaining({ seq: marked.seq }) }),
    );
    management.resetHistory();
    await ingestClientMessage(inbound('mark-me', 'watched now'));
    expect(framesTo(socket).map((frame) => frame.event)).toContain('message.created');
    // Its next ticket is watched from the start.
    await run(anna, 'take', { ticketId });
    await run(anna, 'close', { ticketId });
    const next = await ingestClientMessage(inbound('mark-me', 'a new question'));
    expect(next.ticket).toMatchObject({ watched: true });
  });

  it('C9/R2: a first watch racing 12 messages: each message reaches the watcher live or is in the history read after the watch', async () => {
    const { ticketId, socket, watch } = await watchedFromOutside('race-watch');
    management.resetHistory();
    const texts = Array.from({ length: 12 }, (_, i) => `race ${i}`);
    const sends = texts.map((text) => ingestClientMessage(inbound('race-watch', text)));
    await watch();
    const history = (await run(await supervisor(), 'history', { ticketId, limit: 100 })).items as Array<{
      text?: string;
    }>;
    await Promise.all(sends);
    const pushed = framesTo(socket)
      .filter((frame) => frame.event === 'message.created')
      .map((frame) => (frame.data.message as { text?: string }).text);
    const seen = new Set([...pushed, ...history.map((message) => message.text)]);
    expect(texts.filter((text) => !seen.has(text))).toEqual([]);
    expect(await getTicket(ticketId)).toMatchObject({ watched: true });
  });

  it('C9: a first watch racing the opening of a ticket (10 clients): every new ticket ends up watched', async () => {
    const clients = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const opened = await ingestClientMessage(inbound(`open-race-${i}`, 'hello'));
        await run(anna, 'take', { ticketId: opened.ticket?.ticketId });
        await run(anna, 'close', { ticketId: opened.ticket?.ticketId });
        return opened.clientId;
      }),
    );
    const reopened = await Promise.all(
      clients.map(async (clientId, i) => {
        const [next] = await Promise.all([
          ingestClientMessage(inbound(`open-race-${i}`, 'again')),
          run(anna, 'client.watch', { clientId }),
        ]);
        return next.ticket?.ticketId as string;
      }),
    );
    for (const ticketId of reopened) expect(await getTicket(ticketId), ticketId).toMatchObject({ watched: true });
  });

  it('C9: a first watch racing the first ticket of a client that has none yet (10 clients): every first ticket ends up watched', async () => {
    // Clients known before they wrote (a CRM's contact, a widget session): nothing but the client item.
    const users = Array.from({ length: 10 }, (_, i) => `no-ticket-${i}`);
    for (const user of users) {
      const clientId = clientIdFor(channelId, user);
      await dynamo().send(
        new PutCommand({
          TableName: process.env.TABLE_NAME,
          Item: clientItem({
            clientId,
            channelId,
            externalId: user,
            type: 'crm',
            originalName: user,
            name: user,
            createdAt: new Date().toISOString(),
          }),
        }),
      );
    }
    const boss = await supervisor();
    const opened = await Promise.all(
      users.map(async (user) => {
        const [first] = await Promise.all([
          ingestClientMessage(inbound(user, 'my first message')),
          run(boss, 'client.watch', { clientId: clientIdFor(channelId, user) }),
        ]);
        return first.ticket?.ticketId as string;
      }),
    );
    for (const ticketId of opened) expect(await getTicket(ticketId), ticketId).toMatchObject({ watched: true });
  });

  it('X1/C9: an operator may not watch a client it cannot see; unwatching a client not watched is a conflict', async () => {
    const { clientId } = await ingestClientMessage(inbound('not-for-olga', 'hello'));
    await expect(run(olga, 'client.watch', { clientId })).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'not_visible' },
    });
    expect(await run(olga, 'favourites', {})).toEqual({ items: [] });
    await expect(run(olga, 'client.unwatch', { clientId })).rejects.toMatchObject({ code: 'conflict' });
    await expect(run(olga, 'client.watch', { clientId: 'cl_nobody' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
