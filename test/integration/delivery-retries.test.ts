// Durable outbound delivery: a reply the channel cannot take now stays queued and is retried by the timers until the
// channel recovers (or 24 hours pass); a permanent refusal fails at once. DynamoDB Local + the fake Telegram API.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { type LocalGateway, startGateway } from '../../infra/local/gateway';
import { deliverOperatorMessage } from '../../shared/channels/delivery';
import { decideRetry, deliveryRetryDelayMs, deliveryRetryJob } from '../../shared/channels/delivery-retries';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';
import { keys } from '../../shared/store/keys';
import type { Message } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { fireDueTimers } from '../../shared/store/timers';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { sendOperatorMessage } from '../../shared/use-cases/operator-replies';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { timerJobs } from '../../shared/use-cases/timer-jobs';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
const BOT_TOKEN = '123456789:AAH-retry-bot-token-000';
const SEND = `/bot${BOT_TOKEN}/sendMessage`;

let gateway: LocalGateway;
let fake: FakeChannels;
let anna: Operator;
let channelId: string;

async function storedMessage(message: Message): Promise<Record<string, unknown>> {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: readConfig().tableName,
      Key: keys.message(message.clientId, message.ticketNumber, message.messageId),
    }),
  );
  return Item ?? {};
}

/** A client writes, Anna takes the ticket: the ticket id. */
async function takenTicket(user: string): Promise<string> {
  const { ticket } = await ingestClientMessage({
    channelId,
    externalUserId: user,
    name: user,
    clientType: 'channel',
    kind: 'text',
    text: 'Hello',
    receivedAt: new Date(),
  });
  const ticketId = ticket?.ticketId as string;
  await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
  return ticketId;
}

beforeAll(async () => {
  await useTestTable();
  gateway = await startGateway({ httpRoutes: [], webSocketRoutes: [], log: () => undefined });
  fake = await startFakeChannels({ port: 0 });
  Object.assign(process.env, fake.env(), { WS_MANAGEMENT_ENDPOINT: gateway.managementEndpoint });
  resetClients();
  const group = (await createGroup(admin, { name: 'Retries', strategy: 'manual' })).groupId;
  anna = await insertOperator({
    name: 'Anna',
    email: 'anna@retries.example.com',
    role: 'operator',
    groupIds: [group],
    capacity: 10,
    enabled: true,
  });
  channelId = (
    await createChannel(admin, {
      kind: 'telegram',
      name: 'Bot',
      defaultGroupId: group,
      enabled: true,
      settings: { botToken: BOT_TOKEN },
      overrides: {},
    } as Parameters<typeof createChannel>[1])
  ).channelId;
});

afterAll(async () => {
  await fake.stop();
  await gateway.close();
});

beforeEach(() => fake.reset());

describe('CH3/M3/OP3: durable delivery', () => {
  it('CH3/OP3: the Telegram API failing for 5 minutes → the reply stays queued, then is delivered once after it recovers', async () => {
    const ticketId = await takenTicket('retry-outage');
    fake.failNext(SEND, 503, 1_000);
    const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Your card is on its way.' });
    expect(reply.status).toBe('queued');
    expect(await storedMessage(reply)).toMatchObject({ status: 'queued', deliveryAttempts: 1 });

    // The outage lasts: each retry fails and pushes the next one out with backoff (1, 2 minutes …).
    let now = new Date(Date.now() + deliveryRetryDelayMs(1) + 1_000);
    await fireDueTimers(now, timerJobs);
    expect(await storedMessage(reply)).toMatchObject({ status: 'queued', deliveryAttempts: 2 });
    now = new Date(now.getTime() + deliveryRetryDelayMs(2) + 1_000);
    await fireDueTimers(now, timerJobs);
    expect(await storedMessage(reply)).toMatchObject({ status: 'queued', deliveryAttempts: 3 });

    // The channel recovers; the next retry delivers it, once.
    fake.reset();
    now = new Date(now.getTime() + deliveryRetryDelayMs(3) + 1_000);
    await fireDueTimers(now, timerJobs);
    expect(await storedMessage(reply)).toMatchObject({ status: 'sent', deliveryAttempts: 4 });
    await fireDueTimers(new Date(now.getTime() + 3 * 3_600_000), timerJobs);
    const delivered = fake.calls(SEND).filter((call) => call.status === 200);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.body).toMatchObject({ text: 'Your card is on its way.' });
  });

  it('CH3/M3: a permanent 400 fails at once with the channel’s text and is not retried', async () => {
    const ticketId = await takenTicket('retry-permanent');
    fake.failNext(SEND, 400, 1, { body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } });
    const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Hello?' });
    expect(reply.status).toBe('failed');
    expect(await storedMessage(reply)).toMatchObject({
      status: 'failed',
      failureReason: 'Telegram: Bad Request: chat not found',
    });
    await fireDueTimers(new Date(Date.now() + 3 * 3_600_000), timerJobs);
    expect(fake.calls(SEND)).toHaveLength(1);
  });

  it('OP3: two workers running the same retry send the reply once (each attempt is claimed)', async () => {
    const ticketId = await takenTicket('retry-race');
    fake.failNext(SEND, 502, 4);
    const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Only once, please.' });
    expect(reply.status).toBe('queued');
    fake.clearCalls();
    const job = deliveryRetryJob(deliverOperatorMessage);
    const timer = {
      kind: 'delivery.retry',
      id: reply.messageId,
      due: new Date().toISOString(),
      payload: { clientId: reply.clientId, ticketNumber: reply.ticketNumber, messageId: reply.messageId, attempt: 1 },
    };
    await Promise.all([job(timer, new Date()), job(timer, new Date()), job(timer, new Date())]);
    expect(fake.calls(SEND)).toHaveLength(1);
    expect(await storedMessage(reply)).toMatchObject({ status: 'sent', deliveryAttempts: 2 });
  });

  it('CH3/M3: a retry after the sender lost the ticket fails with the reason instead of sending', async () => {
    const ticketId = await takenTicket('retry-lost');
    fake.failNext(SEND, 503, 4);
    const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Still mine?' });
    await runTicketCommand(actorOf(anna), ticketId, { type: 'unassign' });
    fake.clearCalls();
    await fireDueTimers(new Date(Date.now() + deliveryRetryDelayMs(1) + 1_000), timerJobs);
    expect(await storedMessage(reply)).toMatchObject({
      status: 'failed',
      failureReason: 'The ticket is no longer assigned to you.',
    });
    expect(fake.calls(SEND)).toHaveLength(0);
  });
});

describe('OP3: the retry rule', () => {
  const createdAt = '2026-05-01T10:00:00.000Z';
  const failure = { reason: '503: Service Unavailable', uncertain: false };

  it('OP3: retries with backoff for 24 hours, then fails with the last reason', () => {
    expect(decideRetry({ createdAt }, 1, failure, new Date(createdAt))).toEqual({
      retryAt: '2026-05-01T10:01:00.000Z',
    });
    expect(decideRetry({ createdAt }, 9, failure, new Date('2026-05-02T09:00:00.000Z'))).toEqual({
      failed: 'The channel did not take the message for 24 hours: 503: Service Unavailable',
    });
  });

  it('OP3: a timed-out attempt is retried once; a second timeout fails, saying it may have arrived', () => {
    const timeout = { reason: 'Channel error: the channel did not answer in time', uncertain: true };
    expect(decideRetry({ createdAt }, 1, timeout, new Date(createdAt))).toHaveProperty('retryAt');
    expect(decideRetry({ createdAt, possibleDuplicate: true }, 2, timeout, new Date(createdAt))).toEqual({
      failed:
        'The channel did not answer twice; the message may have arrived (Channel error: the channel did not answer in time).',
    });
  });
});
