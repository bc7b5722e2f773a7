// M8 search on DynamoDB Local, indexed by the real stream consumer through the local stream poller; X1 visibility of
// every hit; the read bound of a page counted at the DynamoDB client; a failing projector output isolated.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as searchIndexHandler } from '../../functions/stream/search-index';
import { type StreamPoller, startStreamPoller } from '../../infra/local/stream-poller';
import { streamConsumers } from '../../infra/routes';
import type { OperatorActor } from '../../shared/domain/actors';
import { DomainError } from '../../shared/domain/errors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { runOperatorAction } from '../../shared/use-cases/operator-actions';
import { searchClientHistory, searchClients, searchMessages } from '../../shared/use-cases/search';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { createApiChannel } from '../support/channels';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
const searchRow = streamConsumers.find((consumer) => consumer.name === 'search-index');
let firstLineChannel: string;
let secondLineChannel: string;
let anna: Operator;
let carl: Operator;
let boris: Operator;
let sue: Operator;
let poller: StreamPoller;
let tick = 0;
/** Batches the test output saw (it fails every time it is called while `failing` is set). */
const testOutput = { failing: true, calls: 0, delivered: 0 };

const inbound = (channelId: string, user: string, text: string, name = user): InboundMessage => ({
  channelId,
  externalUserId: user,
  name,
  clientType: 'channel',
  kind: 'text',
  text,
  receivedAt: new Date(Date.UTC(2026, 4, 1, 10, 0, 0) + ++tick),
});

/** Items DynamoDB returned to the product code (Query and BatchGet), the unit of the read bound. */
const reads = { items: 0 };

beforeAll(async () => {
  const { endpoint, tableName } = await useTestTable({ stream: true });
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  dynamo().middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as { Items?: unknown[]; Responses?: Record<string, unknown[]> };
      reads.items += output.Items?.length ?? 0;
      for (const items of Object.values(output.Responses ?? {})) reads.items += items.length;
      return result;
    },
    { step: 'initialize', name: 'searchReadMeter' },
  );
  const firstLine = await createGroup(admin, { name: 'First', strategy: 'manual' });
  const secondLine = await createGroup(admin, { name: 'Second', strategy: 'manual' });
  const channel = (name: string, groupId: string) => createApiChannel(admin, name, groupId);
  firstLineChannel = await channel('Shop', firstLine.groupId);
  secondLineChannel = await channel('Bank', secondLine.groupId);
  const person = (name: string, role: Operator['role'], groupIds: string[]) =>
    insertOperator({ name, email: `${name}@search.example.com`, role, groupIds, capacity: 50, enabled: true });
  anna = await person('anna', 'operator', [firstLine.groupId]);
  carl = await person('carl', 'operator', [firstLine.groupId]);
  boris = await person('boris', 'operator', [secondLine.groupId]);
  sue = await person('sue', 'supervisor', []);
  poller = await startStreamPoller({
    endpoint,
    tableName,
    consumers: [
      {
        name: 'search-index',
        batchSize: searchRow?.batchSize ?? 100,
        retryAttempts: searchRow?.retryAttempts ?? 2,
        handle: (event) => searchIndexHandler(event),
      },
      {
        name: 'test-output',
        batchSize: 1000,
        retryAttempts: 1,
        handle: async (event: DynamoDBStreamEvent) => {
          testOutput.calls++;
          if (testOutput.failing) throw new Error('test output is down');
          testOutput.delivered += event.Records.length;
        },
      },
    ],
    intervalMs: 0,
  });
});

afterAll(() => {
  poller?.stop();
  management.restore();
});

const indexed = () => poller.drain(['search-index']);
const messageIdsOf = (page: { items: Array<{ messageId: string }> }) => page.items.map((hit) => hit.messageId);

describe('M8 search', () => {
  it('M8: "при" finds "привет" but "вет" does not', async () => {
    const { message } = await ingestClientMessage(inbound(firstLineChannel, 'ivan', 'Привет! Где мой заказ?'));
    await indexed();
    const found = await searchMessages(actorOf(sue), { query: 'при', limit: 10 });
    expect(messageIdsOf(found)).toContain(message?.messageId);
    expect(found.items.find((hit) => hit.messageId === message?.messageId)?.word).toBe('привет');
    const inside = await searchMessages(actorOf(sue), { query: 'вет', limit: 10 });
    expect(messageIdsOf(inside)).not.toContain(message?.messageId);
  });

  it('M8: "Hel" finds "hello"', async () => {
    const { message } = await ingestClientMessage(inbound(firstLineChannel, 'john', 'hello, my parcel is late'));
    await indexed();
    expect(messageIdsOf(await searchMessages(actorOf(sue), { query: 'Hel', limit: 10 }))).toContain(message?.messageId);
  });

  it('M8: "ёлка" is found by "елк"', async () => {
    const { message } = await ingestClientMessage(
      inbound(firstLineChannel, 'olga', 'Хочу заказать ёлку и Ёлочные игрушки'),
    );
    await indexed();
    const page = await searchMessages(actorOf(sue), { query: 'елк', limit: 10 });
    expect(messageIdsOf(page)).toContain(message?.messageId);
  });

  it('M8: a 2-character query is refused with a stable code and reason, over the action table', async () => {
    const refusal = await runOperatorAction(actorOf(sue), 'search', { query: 'пр' }, new Date()).catch((e) => e);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ code: 'invalid', details: { reason: 'query_too_short' } });
    const history = await runOperatorAction(
      actorOf(sue),
      'client.search',
      { clientId: 'cl_x', query: 'ab' },
      new Date(),
    ).catch((e) => e);
    expect(history).toMatchObject({ code: 'invalid', details: { reason: 'query_too_short' } });
  });

  it('M8: clients are found by a word of their name', async () => {
    await ingestClientMessage(inbound(firstLineChannel, 'petrov', 'Добрый день', 'Пётр Петров'));
    await indexed();
    const page = (await runOperatorAction(actorOf(sue), 'search', { query: 'пет', in: 'clients' }, new Date())) as {
      items: Array<{ name: string }>;
    };
    expect(page.items.map((hit) => hit.name)).toContain('Пётр Петров');
    const byFolded = await searchClients(actorOf(sue), { query: 'петр', limit: 10 });
    expect(byFolded.items.map((hit) => hit.name)).toContain('Пётр Петров');
  });

  it('C1/M8: a renamed client is found by its new name, shown under it, to those who see its ticket', async () => {
    const { ticket } = await ingestClientMessage(inbound(firstLineChannel, 'rename-me', 'Добрый вечер', 'user4471'));
    await indexed();
    await runOperatorAction(
      actorOf(anna),
      'client.update',
      { clientId: ticket?.clientId as string, name: 'Зинаида Кротова' },
      new Date(),
    );
    await indexed();
    const found = await searchClients(actorOf(anna), { query: 'крот', limit: 10 });
    expect(found.items.map((hit) => [hit.clientId, hit.name])).toEqual([[ticket?.clientId, 'Зинаида Кротова']]);
    // Boris (Second line) may not see the ticket, so the new name finds nothing for him.
    expect((await searchClients(actorOf(boris), { query: 'крот', limit: 10 })).items).toEqual([]);
  });
});

describe('X1 search visibility', () => {
  it('X1: search never returns a ticket or client the searcher may not see', async () => {
    const secret = await ingestClientMessage(
      inbound(secondLineChannel, 'vault', 'Кредитная карта заблокирована', 'Zorro Vault'),
    );
    const queued = await ingestClientMessage(inbound(firstLineChannel, 'queue', 'Кредит на машину', 'Zorro Queue'));
    await indexed();
    const ids = async (operator: Operator) =>
      messageIdsOf(await searchMessages(actorOf(operator), { query: 'кред', limit: 20 }));
    const clients = async (operator: Operator) =>
      (await searchClients(actorOf(operator), { query: 'zorro', limit: 20 })).items.map((hit) => hit.clientId);

    expect(await ids(anna)).toEqual([queued.message?.messageId]);
    expect(await ids(boris)).toEqual([secret.message?.messageId]);
    expect((await ids(sue)).sort()).toEqual([secret.message?.messageId, queued.message?.messageId].sort());
    expect(await clients(anna)).toEqual([queued.clientId]);
    expect(await clients(boris)).toEqual([secret.clientId]);

    // Anna takes the first-line ticket: Carl, of the same group, no longer sees it; Anna still does.
    await runTicketCommand(actorOf(anna), queued.ticket?.ticketId as string, { type: 'take' });
    await indexed();
    expect(await ids(anna)).toEqual([queued.message?.messageId]);
    expect(await ids(carl)).toEqual([]);
    expect(await clients(carl)).toEqual([]);
    // Moved to the second line: Boris sees it now, Anna no longer.
    await runTicketCommand(actorOf(anna), queued.ticket?.ticketId as string, {
      type: 'transfer',
      groupId: boris.groupIds[0] as string,
    });
    await indexed();
    expect(await ids(anna)).toEqual([]);
    expect((await ids(boris)).sort()).toEqual([secret.message?.messageId, queued.message?.messageId].sort());

    // One client's history: refused to whoever may not see the client, nothing revealed.
    const refused = await searchClientHistory(actorOf(anna), secret.clientId, { query: 'кред', limit: 10 }).catch(
      (e) => e,
    );
    expect(refused).toMatchObject({ code: 'forbidden', details: { reason: 'not_visible' } });
    const unknown = await searchClientHistory(actorOf(anna), 'cl_nobody', { query: 'кред', limit: 10 }).catch((e) => e);
    expect(unknown).toMatchObject({ code: 'forbidden', details: { reason: 'not_visible' } });
  }, 90_000);

  it("M8: search within one client's whole history finds every ticket of it", async () => {
    const first = await ingestClientMessage(inbound(firstLineChannel, 'regular', 'Доставка опоздала'));
    await runTicketCommand(actorOf(anna), first.ticket?.ticketId as string, { type: 'take' });
    await runTicketCommand(actorOf(anna), first.ticket?.ticketId as string, { type: 'close' });
    const second = await ingestClientMessage(inbound(firstLineChannel, 'regular', 'Снова доставка, снова поздно'));
    expect(second.ticket?.ticketId).not.toBe(first.ticket?.ticketId);
    // Another client's words never show up in this client's history.
    await ingestClientMessage(inbound(firstLineChannel, 'other', 'Доставка ок'));
    await indexed();
    const page = await searchClientHistory(actorOf(sue), first.clientId, { query: 'дост', limit: 10 });
    expect(page.items.map((hit) => hit.ticket.ticketId).sort()).toEqual(
      [first.ticket?.ticketId, second.ticket?.ticketId].sort(),
    );
    // Anna closed the first ticket and sees the second in her queue: both are hers to read.
    const annas = await searchClientHistory(actorOf(anna), first.clientId, { query: 'дост', limit: 10 });
    expect(annas.items).toHaveLength(2);
  }, 90_000);
});

describe('M8 read bound', () => {
  it('M8: a result page reads at most 3× its size (counted reads), for staff and for a narrow operator', async () => {
    // 24 first-line and 24 second-line tickets mention "посылка"; half the first-line ones are taken by Carl.
    const annaSees = new Set<string>();
    const all = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const [a, b] = await Promise.all([
        ingestClientMessage(inbound(firstLineChannel, `bulk-a-${i}`, `Где моя посылка номер ${i}?`)),
        ingestClientMessage(inbound(secondLineChannel, `bulk-b-${i}`, `Посылка ${i} не пришла`)),
      ]);
      all.add(a.message?.messageId as string);
      all.add(b.message?.messageId as string);
      if (i % 2 === 0) await runTicketCommand(actorOf(carl), a.ticket?.ticketId as string, { type: 'take' });
      else annaSees.add(a.message?.messageId as string);
    }
    await indexed();
    for (const [operator, expected] of [
      [sue, all],
      [anna, annaSees],
    ] as const) {
      const limit = 8;
      const seen = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const before = reads.items;
        const page = await searchMessages(actorOf(operator), { query: 'посыл', limit, ...(cursor ? { cursor } : {}) });
        const counted = reads.items - before;
        expect(counted).toBeLessThanOrEqual(3 * limit);
        expect(page.itemsRead).toBe(counted);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        for (const hit of page.items) seen.add(hit.messageId);
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      expect(seen).toEqual(expected);
    }
  }, 90_000);
});

describe('M8 client history and index cost', () => {
  it("M8: a client's history search reads at most 3× its page size and its cursor reaches every hit", async () => {
    const texts = Array.from({ length: 30 }, (_, i) => (i % 6 === 0 ? `Курьер ${i} снова опоздал` : `Вопрос ${i}`));
    let clientId = '';
    const wanted = new Set<string>();
    for (const text of texts) {
      const { message } = await ingestClientMessage(inbound(firstLineChannel, 'long-history', text));
      clientId = message?.clientId as string;
      if (text.startsWith('Курьер')) wanted.add(message?.messageId as string);
    }
    const limit = 2;
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const before = reads.items;
      const page = await searchClientHistory(actorOf(sue), clientId, {
        query: 'курь',
        limit,
        ...(cursor ? { cursor } : {}),
      });
      expect(reads.items - before).toBeLessThanOrEqual(3 * limit);
      expect(page.itemsRead).toBe(reads.items - before);
      for (const hit of page.items) seen.add(hit.messageId);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(seen).toEqual(wanted);
  }, 90_000);

  it('M8: a batch of 40 support messages costs the index at most 1 write unit per message', async () => {
    const vocabulary = (
      'здравствуйте заказ доставка посылка оплата карта возврат вопрос проблема приложение ошибка пароль аккаунт ' +
      'телефон адрес курьер сегодня завтра долго почему помогите отменить списали перевод тариф скидка товар ' +
      'hello order delivery parcel payment card refund problem error password account address courier cancel'
    ).split(' ');
    const units = { total: 0 };
    dynamo().middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as {
          RequestItems?: Record<string, Array<{ PutRequest?: { Item: Record<string, unknown> } }>>;
        };
        for (const requests of Object.values(input.RequestItems ?? {})) {
          if (!Array.isArray(requests)) continue;
          for (const { PutRequest } of requests) {
            if (PutRequest?.Item.type !== 'search') continue;
            // DynamoDB bills a put per started KB of the item: attribute names plus values.
            const bytes = Object.entries(PutRequest.Item).reduce(
              (sum, [name, value]) =>
                sum +
                Buffer.byteLength(name) +
                (value instanceof Uint8Array ? value.byteLength : Buffer.byteLength(String(value))),
              0,
            );
            units.total += Math.max(1, Math.ceil(bytes / 1024));
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'searchWriteMeter' },
    );
    try {
      await indexed();
      units.total = 0;
      for (let i = 0; i < 40; i++) {
        const words = Array.from({ length: 8 }, (_, k) => vocabulary[(i * 7 + k * 11) % vocabulary.length]);
        await ingestClientMessage(inbound(firstLineChannel, `cost-${i % 13}`, words.join(' ')));
      }
      await indexed();
      expect(units.total).toBeGreaterThan(0);
      expect(units.total / 40).toBeLessThanOrEqual(1);
    } finally {
      dynamo().middlewareStack.remove('searchWriteMeter');
    }
  }, 90_000);
});

describe('M8 projector outputs', () => {
  it('M8: a projector output failing does not block another output; it gives up visibly after its retries', async () => {
    testOutput.failing = true;
    const calls = testOutput.calls;
    const { message } = await ingestClientMessage(inbound(firstLineChannel, 'isolated', 'Независимый индекс'));
    // The search output catches up while the test output keeps failing on the same records.
    await poller.pollOnce();
    await indexed();
    expect(messageIdsOf(await searchMessages(actorOf(sue), { query: 'незав', limit: 5 }))).toEqual([
      message?.messageId,
    ]);
    expect(testOutput.calls).toBeGreaterThan(calls);
    await poller.drain(['test-output']);
    expect(poller.failures.length).toBeGreaterThan(0);
    expect(poller.failures.every((failure) => failure.consumer === 'test-output')).toBe(true);
    expect(poller.failures[0]?.reason).toBe('test output is down');
    // Recovered: new records reach it again.
    testOutput.failing = false;
    await ingestClientMessage(inbound(firstLineChannel, 'isolated', 'ещё одно'));
    await poller.drain();
    expect(testOutput.delivered).toBeGreaterThan(0);
  }, 90_000);
});
