import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorHttpActions } from '../../functions/routes/operator-http';
import { handler as unknownAction } from '../../functions/ws/unknown-action';
import { httpRoutes } from '../../infra/routes';
import type { OperatorActor } from '../../shared/domain/actors';
import { resetClients } from '../../shared/platform/aws-clients';
import { keys } from '../../shared/store/keys';
import { changesAfter, historyPage, type Message } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { getTicket } from '../../shared/store/tickets';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { operatorActions, runOperatorAction } from '../../shared/use-cases/operator-actions';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { clientText, createApiChannel } from '../support/channels';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let channelId: string;
let anna: Operator;
let olga: Operator;
let sue: Operator;
let tick = 0;

const inbound = (user: string, text: string) => clientText(channelId, user, text, new Date(Date.now() + ++tick));

const run = (actor: OperatorActor, name: Parameters<typeof runOperatorAction>[1], input: Record<string, unknown>) =>
  runOperatorAction(actor, name, input, new Date(Date.now() + ++tick)) as Promise<Record<string, unknown>>;

/** A client's ticket with its client messages, oldest first. */
async function ticketWith(user: string, texts: string[]) {
  let ticketId = '';
  let clientId = '';
  for (const text of texts) {
    const result = await ingestClientMessage(inbound(user, text));
    ticketId = result.ticket?.ticketId as string;
    clientId = result.clientId;
  }
  const number = Number(ticketId.slice(ticketId.lastIndexOf('.') + 1));
  const history = await historyPage(clientId, keys.ticketMessagesPrefix(number), { limit: 100, viewer: 'operator' });
  const messages = history.items.filter((m) => m.kind !== 'system').reverse();
  const note = history.items.find((m) => m.kind === 'system') as Message;
  return { ticketId, clientId, number, messages, note };
}

const countOf = async (name: string) => {
  const tags = (await run(actorOf(anna), 'tags', { limit: 100 })).items as Array<{ name: string; count: number }>;
  return tags.find((tag) => tag.name.toLowerCase() === name.toLowerCase())?.count ?? 0;
};

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  const front = await createGroup(admin, { name: 'Front', strategy: 'manual' });
  const back = await createGroup(admin, { name: 'Back', strategy: 'manual' });
  channelId = await createApiChannel(admin, 'CRM', front.groupId);
  const person = (name: string, role: Operator['role'], groupIds: string[]) =>
    insertOperator({ name, email: `${name}@tags.example.com`, role, groupIds, capacity: 5, enabled: true });
  anna = await person('anna', 'operator', [front.groupId]);
  olga = await person('olga', 'operator', [back.groupId]);
  sue = await person('sue', 'supervisor', []);
});

afterAll(() => management.restore());

describe('M7 message tags', () => {
  it('M7: two selected messages tagged "complaint" join the tag list with an exact count and show in history', async () => {
    const { ticketId, clientId, number, messages } = await ticketWith('angry', ['late again', 'still late', 'thanks']);
    const [first, second] = messages;
    const result = await run(actorOf(anna), 'tag', {
      ticketId,
      messageIds: [first?.messageId, second?.messageId],
      tag: 'Complaint',
    });
    expect(result).toMatchObject({
      tag: { name: 'Complaint', count: 2 },
      tagged: [first?.messageId, second?.messageId],
      alreadyTagged: [],
    });
    // Another spelling is the same tag; a message tagged twice is counted once.
    const again = await run(actorOf(anna), 'tag', { ticketId, messageIds: [second?.messageId], tag: ' complaint ' });
    expect(again).toMatchObject({
      tag: { name: 'Complaint', count: 2 },
      tagged: [],
      alreadyTagged: [second?.messageId],
    });
    expect(await countOf('complaint')).toBe(2);
    const history = await historyPage(clientId, keys.ticketMessagesPrefix(number), { limit: 10, viewer: 'operator' });
    expect(history.items.filter((m) => m.tags?.includes('Complaint')).map((m) => m.text)).toEqual([
      'still late',
      'late again',
    ]);
  });

  it('M7/R2: a tagging is a ticket change: the next seq, carried by the tagged messages, so sync hands them over', async () => {
    const { ticketId, clientId, number, messages } = await ticketWith('synced', ['one', 'two']);
    const before = await getTicket(ticketId);
    await run(actorOf(anna), 'tag', { ticketId, messageIds: [messages[1]?.messageId], tag: 'followup' });
    const after = await getTicket(ticketId);
    expect(after.seq).toBe(before.seq + 1);
    // An operator that last saw the ticket at its old seq gets exactly the tagged message back, with its tag.
    const changed = await changesAfter(clientId, number, before.seq);
    expect(changed.messages.map((m) => [m.messageId, m.tags, m.seq])).toEqual([
      [messages[1]?.messageId, ['followup'], after.seq],
    ]);
  });

  it('M7: counts stay exact under 20 concurrent taggings', async () => {
    const tickets = await Promise.all(
      Array.from({ length: 10 }, (_, i) => ticketWith(`busy-${i}`, [`first ${i}`, `second ${i}`])),
    );
    const taggings = tickets.flatMap(({ ticketId, messages }) =>
      messages.map((message) => run(actorOf(anna), 'tag', { ticketId, messageIds: [message.messageId], tag: 'rush' })),
    );
    // The same message tagged by two at once still counts once.
    const twice = tickets[0] as (typeof tickets)[number];
    taggings.push(
      run(actorOf(anna), 'tag', { ticketId: twice.ticketId, messageIds: [twice.messages[0]?.messageId], tag: 'RUSH' }),
    );
    const results = await Promise.all(taggings);
    expect(results).toHaveLength(21);
    expect(results.reduce((sum, r) => sum + (r.tagged as string[]).length, 0)).toBe(20);
    expect(await countOf('rush')).toBe(20);
    const listed = await run(actorOf(sue), 'tag.messages', { tag: 'rush', limit: 100 });
    expect((listed.items as unknown[]).length).toBe(20);
  });

  it('M7/X1: messages by tag come newest first, paged, only from tickets the caller may see now', async () => {
    const mine = await ticketWith('visible', ['v1', 'v2']);
    const theirs = await ticketWith('hidden', ['h1']);
    const later = await ticketWith('visible-2', ['v3']);
    for (const { ticketId, messages } of [mine, theirs, later]) {
      await run(actorOf(sue), 'tag', { ticketId, messageIds: messages.map((m) => m.messageId), tag: 'billing' });
    }
    // Olga's group cannot see unassigned tickets of the front group; once Sue takes "hidden", Anna cannot either.
    await runTicketCommand(actorOf(sue), theirs.ticketId, { type: 'take' });
    const texts = (page: Record<string, unknown>) =>
      (page.items as Array<{ message: { text: string }; ticket: { ticketId: string } }>).map((i) => i.message.text);
    const first = await run(actorOf(anna), 'tag.messages', { tag: 'Billing', limit: 2 });
    expect(texts(first)).toEqual(['v3', 'v2']);
    const second = await run(actorOf(anna), 'tag.messages', { tag: 'Billing', limit: 2, cursor: first.nextCursor });
    expect(texts(second)).toEqual(['v1']);
    expect(second.nextCursor).toBeUndefined();
    expect(texts(await run(actorOf(olga), 'tag.messages', { tag: 'billing', limit: 10 }))).toEqual([]);
    expect(texts(await run(actorOf(sue), 'tag.messages', { tag: 'billing', limit: 10 }))).toEqual([
      'v3',
      'h1',
      'v2',
      'v1',
    ]);
    await expect(run(actorOf(anna), 'tag.messages', { tag: 'rush', cursor: first.nextCursor })).rejects.toMatchObject({
      code: 'invalid',
    });
  });

  it("X1/M7: tagging a ticket the operator may not see, a system note or another ticket's message changes nothing", async () => {
    const { ticketId, messages, note } = await ticketWith('guarded', ['a']);
    const other = await ticketWith('elsewhere', ['b']);
    await expect(
      run(actorOf(olga), 'tag', { ticketId, messageIds: [messages[0]?.messageId], tag: 'secret' }),
    ).rejects.toMatchObject({ code: 'forbidden', details: { reason: 'not_visible' } });
    await expect(run(actorOf(anna), 'tag', { ticketId, messageIds: [note.messageId], tag: 'secret' })).rejects.toThrow(
      /system notes cannot be tagged/,
    );
    await expect(
      run(actorOf(anna), 'tag', { ticketId, messageIds: [other.messages[0]?.messageId], tag: 'secret' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      run(actorOf(anna), 'tag', { ticketId, messageIds: [messages[0]?.messageId], tag: '   ' }),
    ).rejects.toThrow(/tag: must not be empty/);
    expect(await countOf('secret')).toBe(0);
  });

  it('M7: tags can be neither renamed nor deleted: no action, no route, and an attempt gets a clear error', async () => {
    for (const name of ['tag.rename', 'tag.delete', 'tag.update', 'tags.delete'])
      expect(Object.hasOwn(operatorActions, name)).toBe(false);
    const tagRoutes = httpRoutes.filter((route) => route.path.startsWith('/tags'));
    expect(tagRoutes.map((route) => route.method)).toEqual(['GET', 'GET']);
    expect(Object.keys(operatorHttpActions).filter((key) => key.includes('/tags'))).toEqual([
      'POST /tickets/{ticketId}/tags',
      'GET /tags',
      'GET /tags/{tag}/messages',
    ]);
    const reply = (await unknownAction(
      {
        body: JSON.stringify({ action: 'tag.rename', requestId: 'r1', tag: 'complaint', name: 'x' }),
      } as APIGatewayProxyWebsocketEventV2,
      {} as Context,
    )) as { body: string };
    expect(JSON.parse(reply.body)).toMatchObject({
      requestId: 'r1',
      ok: false,
      error: { code: 'invalid', message: "Unknown action 'tag.rename'." },
    });
    expect(await countOf('complaint')).toBe(2);
  });
});
