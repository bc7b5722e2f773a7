// Network faults: channel APIs answering 429/5xx, and operator sockets dropped while messages flow.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels, WHATSAPP_FAKE_VERSION } from '../../infra/local/fake-channels';
import { webSocketRoutes } from '../../infra/routes';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';
import { connectionIdsOf, findConnection } from '../../shared/realtime/connections';
import { keys } from '../../shared/store/keys';
import { actorOf, type Operator } from '../../shared/store/operators';
import { fireDueTimers } from '../../shared/store/timers';
import { type ChannelInput, createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { sendOperatorMessage } from '../../shared/use-cases/operator-replies';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { timerJobs } from '../../shared/use-cases/timer-jobs';
import { type AuthGateway, seedOperator, startAuthGateway } from '../support/operator-auth';
import type { Peer } from '../support/peer';
import { useTestTable } from '../support/table';
import { captureConsole, connectOperator, invariantViolations, scanTable, sleep } from './harness';
import { sizes, timeoutFor } from './scale';

const seedingAdmin: OperatorActor = { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] };
const BOT_TOKEN = '123456789:AAHresilienceSuiteBotTokenXYZ';
const PHONE_NUMBER_ID = '1098765432';

let groupId: string;
const logs = captureConsole();

beforeAll(async () => {
  await useTestTable();
  groupId = (await createGroup(seedingAdmin, { name: 'First line', strategy: 'manual' })).groupId;
});

afterAll(() => logs.restore());

async function channelOf(input: Omit<ChannelInput, 'defaultGroupId' | 'enabled' | 'overrides'>): Promise<string> {
  const channel = await createChannel(seedingAdmin, {
    ...input,
    defaultGroupId: groupId,
    enabled: true,
    overrides: {},
  } as ChannelInput);
  return channel.channelId;
}

async function clientMessage(channelId: string, user: string, text: string, clientType: 'crm' | 'channel' = 'crm') {
  return ingestClientMessage({
    channelId,
    externalUserId: user,
    name: `Client ${user}`,
    clientType,
    kind: 'text',
    text,
    receivedAt: new Date(),
  });
}

describe('CH3/M3: channel APIs answering 429 and 5xx', () => {
  let stack: AuthGateway;
  let fake: FakeChannels;
  let anna: Operator;
  let annaPeer: Peer;

  beforeAll(async () => {
    fake = await startFakeChannels();
    Object.assign(process.env, fake.env());
    stack = await startAuthGateway();
    anna = await seedOperator({ name: 'Anna', groupIds: [groupId] });
    annaPeer = (await connectOperator(stack, anna.operatorId)).peer;
  });

  afterAll(async () => {
    await annaPeer?.close();
    await stack?.gateway.close();
    await fake?.stop();
  });

  const kinds = [
    {
      kind: 'api' as const,
      user: 'crm-user-1',
      prefix: '/api-callback/',
      create: () => channelOf({ kind: 'api', name: 'CRM', settings: { callbackUrl: `${fake.url}/api-callback/crm` } }),
    },
    {
      kind: 'telegram' as const,
      user: '555001',
      prefix: `/bot${BOT_TOKEN}/sendMessage`,
      create: () => channelOf({ kind: 'telegram', name: 'Telegram', settings: { botToken: BOT_TOKEN } }),
    },
    {
      kind: 'whatsapp' as const,
      user: '4915100000009',
      prefix: `/${WHATSAPP_FAKE_VERSION}/${PHONE_NUMBER_ID}/messages`,
      create: () =>
        channelOf({
          kind: 'whatsapp',
          name: 'WhatsApp',
          settings: {
            phoneNumberId: PHONE_NUMBER_ID,
            accessToken: 'token',
            appSecret: 'secret',
            verifyToken: 'verify',
          },
        }),
    },
  ];

  it(
    'CH3/OP3: failed attempts are retried; each reply reaches its channel once and is marked sent once; exhausted retries stay queued and the retry timer sends them once',
    async () => {
      await Promise.all(
        kinds.map(async ({ kind, user, prefix, create }) => {
          const channelId = await create();
          const opened = await clientMessage(channelId, user, 'hello', kind === 'api' ? 'crm' : 'channel');
          const ticketId = opened.ticket?.ticketId as string;
          await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
          const sent: string[] = [];
          for (let i = 0; i < sizes.channelReplies; i++) {
            const failures = i % 3;
            const status = [429, 500, 502, 503][i % 4] as number;
            if (failures) fake.failNext(prefix, status, failures, { retryAfterSeconds: i % 5 === 0 ? 1 : 0 });
            const text = `reply ${kind} ${i}`;
            const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text });
            expect(reply.status, `${kind} reply ${i} after ${failures} × ${status}`).toBe('sent');
            const attempts = fake.calls(prefix).filter((call) => JSON.stringify(call.body ?? {}).includes(text));
            expect(attempts.map((call) => call.status)).toEqual([...Array(failures).fill(status), 200]);
            sent.push(reply.messageId);
          }
          // More failures than the in-request retries allow: the reply stays queued and a durable timer sends it.
          fake.failNext(prefix, 503, 4, { retryAfterSeconds: 0 });
          const lost = await sendOperatorMessage(actorOf(anna), ticketId, { text: `reply ${kind} lost` });
          expect(lost.status).toBe('queued');
          await fireDueTimers(new Date(Date.now() + 5 * 60_000), timerJobs);
          const attempts = fake.calls(prefix).filter((call) => JSON.stringify(call.body ?? {}).includes('lost'));
          expect(attempts.map((call) => call.status)).toEqual([503, 503, 503, 503, 200]);

          const stored = new Map(
            (await scanTable())
              .filter((item) => item.type === 'message' && item.ticketId === ticketId)
              .map((item) => [item.messageId as string, item]),
          );
          for (const messageId of sent) expect(stored.get(messageId)?.status).toBe('sent');
          expect(stored.get(lost.messageId)).toMatchObject({ status: 'sent', deliveryAttempts: 2 });
          // The author heard each outcome exactly once.
          await annaPeer.waitFor(
            (frame) =>
              frame.event === 'message.status' &&
              frame.data?.messageId === lost.messageId &&
              frame.data?.status === 'sent',
          );
          for (const messageId of [...sent, lost.messageId]) {
            const heard = annaPeer.events('message.status').filter((frame) => frame.data?.messageId === messageId);
            expect(heard.map((frame) => frame.data?.status)).toEqual(
              messageId === lost.messageId ? ['queued', 'sent'] : ['sent'],
            );
          }
        }),
      );
      expect(await invariantViolations()).toEqual([]);
    },
    timeoutFor(sizes.channelReplies * 3, 3_000, 60_000),
  );
});

/** Streams client messages while `chaos` runs; returns how many were sent. */
async function streamMessages(
  channelId: string,
  prefix: string,
  count: number,
  chaos: (index: number) => Promise<void>,
) {
  const users = Array.from({ length: 8 }, (_, i) => `${prefix}-user-${i}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        const index = next++;
        await chaos(index);
        const result = await clientMessage(channelId, users[index % users.length] as string, `${prefix} ${index}`);
        expect(result.message).toBeDefined();
      }
    }),
  );
}

function clientMessageTexts(items: Record<string, unknown>[], prefix: string): string[] {
  return items
    .filter((item) => item.type === 'message' && (item.author as { kind?: string }).kind === 'client')
    .map((item) => item.text as string)
    .filter((text) => text.startsWith(`${prefix} `));
}

describe('R3: the gateway drops operator sockets while messages flow', () => {
  let stack: AuthGateway;
  let channelId: string;
  const gatewayLog: string[] = [];

  beforeAll(async () => {
    stack = await startAuthGateway({ log: (line) => gatewayLog.push(line) });
    channelId = await channelOf({ kind: 'api', name: 'Drops', settings: { callbackUrl: 'http://127.0.0.1:9/unused' } });
  });

  afterAll(async () => {
    await stack?.gateway.close();
  });

  it(
    'R3: no server error; dropped connections are gone; steady ones hear every message; each message stored once',
    async () => {
      const operators = await Promise.all(
        Array.from({ length: 4 }, (_, i) => seedOperator({ name: `Drop ${i}`, groupIds: [groupId] })),
      );
      const sockets: Array<{ peer: Peer; connectionId: string }> = [];
      for (const operator of operators) {
        for (let i = 0; i < 2; i++) sockets.push(await connectOperator(stack, operator.operatorId));
      }
      const steady = sockets.slice(0, 2);
      const doomed = sockets.slice(2);
      const total = sizes.dropMessages;
      const dropEvery = Math.max(1, Math.floor(total / (doomed.length + 1)));
      let dropped = 0;
      await streamMessages(channelId, 'drop', total, async (index) => {
        if (index > 0 && index % dropEvery === 0 && dropped < doomed.length) {
          const victim = doomed[dropped++];
          if (dropped % 2) victim?.peer.terminate();
          else await victim?.peer.close();
        }
      });
      const texts = clientMessageTexts(await scanTable(), 'drop');
      expect(texts.length).toBe(total);
      expect(new Set(texts).size).toBe(total);
      // $disconnect ran for each dropped socket (or a failed push removed it first).
      await sleep(200);
      const members = await connectionIdsOf(`group#${groupId}`);
      for (const { connectionId } of doomed) expect(members).not.toContain(connectionId);
      for (const { connectionId } of steady) expect(members).toContain(connectionId);
      for (const { peer } of steady) {
        const heard = new Set(
          peer
            .events('message.created')
            .map((frame) => frame.data?.message as { text?: string; author?: { kind?: string } } | undefined)
            .filter((message) => message?.author?.kind === 'client')
            .map((message) => message?.text),
        );
        expect(heard.size).toBe(total);
      }
      for (const { peer } of steady) await peer.close();
      expect(gatewayLog.filter((line) => line.includes('failed'))).toEqual([]);
      expect(await invariantViolations()).toEqual([]);
    },
    timeoutFor(sizes.dropMessages, 150, 60_000),
  );
});

describe('R3: sockets lost without a $disconnect', () => {
  let stack: AuthGateway;
  let channelId: string;

  beforeAll(async () => {
    // API Gateway delivers $disconnect on a best-effort basis: here it never comes.
    stack = await startAuthGateway({
      webSocketRoutes: webSocketRoutes.filter((route) => route.routeKey !== '$disconnect'),
    });
    channelId = await channelOf({ kind: 'api', name: 'Lost', settings: { callbackUrl: 'http://127.0.0.1:9/unused' } });
  });

  afterAll(async () => {
    await stack?.gateway.close();
  });

  it('R3: a lost connection is removed by the first push that finds it gone; nobody else is affected', async () => {
    const operator = await seedOperator({ name: 'Lost', groupIds: [groupId] });
    const sockets: Array<{ peer: Peer; connectionId: string }> = [];
    for (let i = 0; i < 4; i++) sockets.push(await connectOperator(stack, operator.operatorId));
    const [steady, ...lost] = sockets as [(typeof sockets)[number], ...typeof sockets];
    for (const { peer } of lost) peer.terminate();
    await sleep(100);
    // They were lost a while into their session: past the handshake grace in which Gone may mean "not yet".
    for (const { connectionId } of lost) {
      expect(await findConnection(connectionId)).toBeDefined();
      await dynamo().send(
        new UpdateCommand({
          TableName: readConfig().tableName,
          Key: keys.connection(connectionId),
          UpdateExpression: 'SET connectedAt = :at',
          ExpressionAttributeValues: { ':at': new Date(Date.now() - 5 * 60_000).toISOString() },
        }),
      );
    }
    await streamMessages(channelId, 'lost', 8, async () => {});
    for (const { connectionId } of lost) expect(await findConnection(connectionId)).toBeUndefined();
    expect(await connectionIdsOf(`group#${groupId}`)).toContain(steady.connectionId);
    await steady.peer.waitFor((frame) => frame.event === 'message.created' && JSON.stringify(frame).includes('lost 7'));
    expect(clientMessageTexts(await scanTable(), 'lost').length).toBe(8);
    await steady.peer.close();
    expect(logs.errors).toEqual([]);
  }, 30_000);
});
