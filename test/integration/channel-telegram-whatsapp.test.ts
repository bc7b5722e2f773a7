// Telegram and WhatsApp end to end below HTTP: the events/ samples through receiveWebhook into DynamoDB Local, media
// copied from the fake channel server into s3rver, operator replies delivered to the fake APIs, and WhatsApp's
// delivery reports moving the reply's status.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { type LocalGateway, startGateway } from '../../infra/local/gateway';
import { freePort } from '../../infra/local/ports';
import { type S3Local, startS3Local } from '../../infra/local/s3-local';
import type { WebhookRequest } from '../../shared/channels/driver';
import { TELEGRAM_SECRET_HEADER } from '../../shared/channels/telegram';
import { WHATSAPP_SIGNATURE_HEADER } from '../../shared/channels/whatsapp';
import type { OperatorActor } from '../../shared/domain/actors';
import { resetClients } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';
import { clientIdFor } from '../../shared/store/clients';
import { keys } from '../../shared/store/keys';
import { historyPage, type Message } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { readClientHead } from '../../shared/store/tickets';
import { type ChannelInput, createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { receiveWebhook } from '../../shared/use-cases/channel-webhook';
import { sendOperatorMessage } from '../../shared/use-cases/operator-replies';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { testS3 as s3 } from '../support/s3';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
const BOT_TOKEN = '123456789:AAH-integration-bot-token-000';
const PHONE_NUMBER_ID = '100000000000001';
const APP_SECRET = 'integration-app-secret';

/** A 1×1 JPEG: Telegram and WhatsApp photos are JPEGs; the stored type comes from these bytes. */
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const OGG = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(60)]);
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(12)]);
const MP3 = Buffer.concat([Buffer.from('ID3'), Buffer.alloc(40)]);

let gateway: LocalGateway;
let fake: FakeChannels;
let storage: S3Local;
let anna: Operator;
let telegram: { channelId: string; webhookSecret: string };
let whatsapp: { channelId: string; webhookSecret: string };

const sample = (kind: 'telegram' | 'whatsapp', name: string) =>
  readFileSync(path.join(import.meta.dirname, '../../events', kind, `${name}.json`));

function webhookRequest(rawBody: Buffer, headers: Record<string, string>, method: 'GET' | 'POST' = 'POST') {
  return {
    method,
    headers,
    query: {},
    rawBody,
    receivedAt: new Date(),
    sourceIp: '127.0.0.1',
  } satisfies WebhookRequest;
}

const postTelegram = (rawBody: Buffer, secret = telegram.webhookSecret) =>
  receiveWebhook(telegram.channelId, webhookRequest(rawBody, { [TELEGRAM_SECRET_HEADER]: secret }));

const signWhatsApp = (rawBody: Buffer, secret = APP_SECRET) =>
  `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;

const postWhatsApp = (rawBody: Buffer, signature = signWhatsApp(rawBody)) =>
  receiveWebhook(whatsapp.channelId, webhookRequest(rawBody, { [WHATSAPP_SIGNATURE_HEADER]: signature }));

const countsOf = (response: { body?: string }) => JSON.parse(response.body ?? '{}') as Record<string, unknown>;

/** The client's messages, oldest first, without the timeline's system messages. */
async function clientMessages(channelId: string, externalUserId: string): Promise<Message[]> {
  const page = await historyPage(clientIdFor(channelId, externalUserId), keys.clientMessagesPrefix(), {
    limit: 100,
    viewer: 'operator',
  });
  return page.items.filter((message) => message.kind !== 'system').reverse();
}

async function storedObject(key: string) {
  const object = await s3().send(new GetObjectCommand({ Bucket: readConfig().bucketName, Key: key }));
  return { contentType: object.ContentType, bytes: Buffer.from((await object.Body?.transformToByteArray()) ?? []) };
}

/** Anna takes the client's open ticket (if not hers yet) and replies. */
async function reply(channelId: string, externalUserId: string, text: string): Promise<Message> {
  const { latest } = await readClientHead(clientIdFor(channelId, externalUserId));
  if (!latest) throw new Error(`no ticket for ${externalUserId}`);
  if (latest.status === 'unassigned') await runTicketCommand(actorOf(anna), latest.ticketId, { type: 'take' });
  return sendOperatorMessage(actorOf(anna), latest.ticketId, { text });
}

async function messageById(channelId: string, externalUserId: string, messageId: string): Promise<Message> {
  const found = (await clientMessages(channelId, externalUserId)).find((message) => message.messageId === messageId);
  if (!found) throw new Error(`message ${messageId} not found`);
  return found;
}

/** A WhatsApp status sample re-addressed to one of our wamids, signed as Meta would. */
function statusFor(name: string, wamid: string): Buffer {
  const body = JSON.parse(sample('whatsapp', name).toString('utf8'));
  body.entry[0].changes[0].value.statuses[0].id = wamid;
  return Buffer.from(JSON.stringify(body));
}

beforeAll(async () => {
  await useTestTable();
  gateway = await startGateway({ httpRoutes: [], webSocketRoutes: [], log: () => undefined });
  fake = await startFakeChannels({ port: 0 });
  const bucketName = `channel-media-${Date.now()}`;
  storage = await startS3Local({ port: await freePort(), bucketName });
  Object.assign(process.env, fake.env(), {
    WS_MANAGEMENT_ENDPOINT: gateway.managementEndpoint,
    S3_ENDPOINT: storage.endpoint,
    BUCKET_NAME: bucketName,
  });
  resetClients();
  const group = (await createGroup(admin, { name: 'First line', strategy: 'manual' })).groupId;
  anna = await insertOperator({
    name: 'Anna',
    email: 'anna@example.com',
    role: 'operator',
    groupIds: [group],
    capacity: 10,
    enabled: true,
  });
  const base = { defaultGroupId: group, enabled: true, overrides: {} };
  telegram = await createChannel(admin, {
    ...base,
    kind: 'telegram',
    name: 'Telegram bot',
    settings: { botToken: BOT_TOKEN },
  } as ChannelInput);
  whatsapp = await createChannel(admin, {
    ...base,
    kind: 'whatsapp',
    name: 'WhatsApp',
    settings: {
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: 'integration-access-token',
      appSecret: APP_SECRET,
      verifyToken: 'integration-verify-token',
    },
  } as ChannelInput);
  fake.addMedia('AgACAgIAAxkBAAIEBmdpQ1_large-1280x960', JPEG, 'image/jpeg');
  fake.addMedia('BQACAgIAAxkBAAIEB2dpQ7_statement-pdf', PDF, 'application/pdf');
  fake.addMedia('AwACAgIAAxkBAAIECGdpQ_voice-note', OGG, 'audio/ogg');
  fake.addMedia('CQACAgIAAxkBAAIEDGdpRF_audio-mp3', MP3, 'audio/mpeg');
  fake.addMedia('BAACAgIAAxkBAAIECWdpRAAB_video-mp4', MP4, 'video/mp4');
  fake.addMedia('1479537139650973', JPEG, 'image/jpeg');
  fake.addMedia('1003383421387256', PDF, 'application/pdf');
  fake.addMedia('1220483529426614', OGG, 'audio/ogg');
  fake.addMedia('884122137051830', MP4, 'video/mp4');
});

afterAll(async () => {
  await storage?.stop();
  await fake?.stop();
  await gateway?.close();
});

describe('CH1 CH2 A1 Telegram webhook', () => {
  it('CH1 a wrong or missing secret token is refused and nothing is stored', async () => {
    await expect(postTelegram(sample('telegram', 'text'), `${telegram.webhookSecret.slice(1)}0`)).rejects.toMatchObject(
      {
        code: 'unauthorized',
      },
    );
    await expect(
      receiveWebhook(telegram.channelId, webhookRequest(sample('telegram', 'text'), {})),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    expect((await readClientHead(clientIdFor(telegram.channelId, '428713905'))).client).toBeUndefined();
  });

  it('CH2 text is stored once; a redelivered update_id is acknowledged as a duplicate', async () => {
    const first = await postTelegram(sample('telegram', 'text'));
    expect(first.status).toBe(200);
    expect(countsOf(first)).toMatchObject({ messages: 1, duplicates: 0 });
    expect(countsOf(await postTelegram(sample('telegram', 'text')))).toMatchObject({ messages: 0, duplicates: 1 });
    const stored = await clientMessages(telegram.channelId, '428713905');
    expect(stored.map(({ kind, text }) => ({ kind, text }))).toEqual([
      { kind: 'text', text: 'Hello! My card payment failed twice today.' },
    ]);
    const head = await readClientHead(clientIdFor(telegram.channelId, '428713905'));
    expect(head.client).toMatchObject({ originalName: 'Olga Petrova', type: 'channel', externalId: '428713905' });
  });

  it('A1 M1 photo: the largest size is fetched through getFile and copied to S3 with its real type and size', async () => {
    expect(countsOf(await postTelegram(sample('telegram', 'photo')))).toMatchObject({ messages: 1 });
    const photo = (await clientMessages(telegram.channelId, '428713905')).at(-1);
    expect(photo).toMatchObject({ kind: 'image', text: 'This is the error on the payment screen' });
    const [attachment] = photo?.attachments ?? [];
    expect(attachment).toMatchObject({ mimeType: 'image/jpeg', size: JPEG.length });
    const object = await storedObject(attachment?.key ?? '');
    expect(object.contentType).toBe('image/jpeg');
    expect(object.bytes.equals(JPEG)).toBe(true);
    const getFile = fake.calls(`/bot${BOT_TOKEN}/getFile`).at(-1);
    expect(getFile?.body).toEqual({ file_id: 'AgACAgIAAxkBAAIEBmdpQ1_large-1280x960' });
  });

  it.each([
    ['document', 'document', '428713905', 'application/pdf', 'statement-december.pdf'],
    ['voice', 'audio', '515077312', 'audio/ogg', undefined],
    ['audio', 'audio', '515077312', 'audio/mpeg', 'call-recording.mp3'],
    ['video', 'video', '601552987', 'video/mp4', 'screen-recording.mp4'],
  ])('M1 %s is stored as a %s message with its media in S3', async (name, kind, user, mimeType, fileName) => {
    expect(countsOf(await postTelegram(sample('telegram', name)))).toMatchObject({ messages: 1 });
    const message = (await clientMessages(telegram.channelId, user)).at(-1);
    expect(message?.kind).toBe(kind);
    expect(message?.attachments?.[0]).toMatchObject({ mimeType, ...(fileName ? { name: fileName } : {}) });
  });

  it.each(['my_chat_member'])('%s is acknowledged with 200 and stores nothing', async (name) => {
    const before = await clientMessages(telegram.channelId, '428713905');
    const response = await postTelegram(sample('telegram', name));
    expect(response.status).toBe(200);
    expect(countsOf(response)).toMatchObject({ messages: 0, ignored: 1 });
    expect(await clientMessages(telegram.channelId, '428713905')).toHaveLength(before.length);
  });
});

describe('CH3 M3 Telegram delivery', () => {
  it('an operator reply goes out with sendMessage to the chat and stops at sent (Telegram reports no reads)', async () => {
    fake.clearCalls();
    const sent = await reply(telegram.channelId, '428713905', 'We are checking the payment now.');
    expect(sent.status).toBe('sent');
    const [call] = fake.calls(`/bot${BOT_TOKEN}/sendMessage`);
    expect(call?.body).toEqual({ chat_id: 428713905, text: 'We are checking the payment now.' });
    const stored = await messageById(telegram.channelId, '428713905', sent.messageId);
    expect(stored).toMatchObject({ status: 'sent', externalId: expect.stringMatching(/^\d+$/) });
  });

  it('a refusal by the Bot API fails with its description', async () => {
    fake.failNext(`/bot${BOT_TOKEN}/sendMessage`, 403, 1, {
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    });
    const failed = await reply(telegram.channelId, '428713905', 'Are you still there?');
    expect(failed.status).toBe('failed');
    const stored = await messageById(telegram.channelId, '428713905', failed.messageId);
    expect(stored.failureReason).toBe('Telegram: Forbidden: bot was blocked by the user');
  });
});

describe('CH1 CH2 A1 WhatsApp webhook', () => {
  it('CH1 the verification handshake echoes hub.challenge only with the verify token', async () => {
    const handshake = (token: string) =>
      receiveWebhook(whatsapp.channelId, {
        ...webhookRequest(Buffer.alloc(0), {}, 'GET'),
        query: { 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' },
      });
    await expect(handshake('integration-verify-token')).resolves.toEqual({
      status: 200,
      body: '1158201444',
      contentType: 'text/plain',
    });
    expect((await handshake('wrong')).status).toBe(403);
  });

  it('CH1 a body signed over re-serialized JSON is refused and nothing is stored', async () => {
    const raw = sample('whatsapp', 'emoji-text');
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    await expect(postWhatsApp(raw, signWhatsApp(reserialized))).rejects.toMatchObject({ code: 'unauthorized' });
    expect((await readClientHead(clientIdFor(whatsapp.channelId, '4915112345678'))).client).toBeUndefined();
    expect(countsOf(await postWhatsApp(raw))).toMatchObject({ messages: 1 });
    const [stored] = await clientMessages(whatsapp.channelId, '4915112345678');
    expect(stored?.text).toBe('Danke! 👍🏽 Order 7/12 arrived — all good 🎉');
  });

  it('CH2 text with the contact name; a redelivered wamid is stored once', async () => {
    expect(countsOf(await postWhatsApp(sample('whatsapp', 'text')))).toMatchObject({ messages: 1 });
    expect(countsOf(await postWhatsApp(sample('whatsapp', 'text')))).toMatchObject({ duplicates: 1 });
    const head = await readClientHead(clientIdFor(whatsapp.channelId, '16505551234'));
    expect(head.client).toMatchObject({ originalName: 'Sheena Nelson', externalId: '16505551234' });
    expect(await clientMessages(whatsapp.channelId, '16505551234')).toHaveLength(1);
  });

  it('A1 M1 image: fetched through the Graph media URL with the token and copied to S3', async () => {
    expect(countsOf(await postWhatsApp(sample('whatsapp', 'image')))).toMatchObject({ messages: 1 });
    const image = (await clientMessages(whatsapp.channelId, '16505551234')).at(-1);
    expect(image).toMatchObject({ kind: 'image', text: 'The parcel arrived damaged' });
    const object = await storedObject(image?.attachments?.[0]?.key ?? '');
    expect(object).toMatchObject({ contentType: 'image/jpeg' });
    expect(object.bytes.equals(JPEG)).toBe(true);
    const lookups = fake.calls('/v21.0/1479537139650973');
    expect(lookups.at(-1)?.headers.authorization).toBe('Bearer integration-access-token');
    expect(fake.calls('/whatsapp-media/1479537139650973').at(-1)?.headers.authorization).toBe(
      'Bearer integration-access-token',
    );
  });

  it.each([
    ['document', 'document', '16505551234', 'application/pdf'],
    ['voice', 'audio', '447700900123', 'audio/ogg'],
    ['video', 'video', '447700900123', 'video/mp4'],
  ])('M1 %s is stored as a %s message with its media', async (name, kind, user, mimeType) => {
    expect(countsOf(await postWhatsApp(sample('whatsapp', name)))).toMatchObject({ messages: 1 });
    const message = (await clientMessages(whatsapp.channelId, user)).at(-1);
    expect(message?.kind).toBe(kind);
    expect(message?.attachments?.[0]?.mimeType).toBe(mimeType);
  });

  it('M1 several messages in one body are each stored in order, the location as a place', async () => {
    const response = await postWhatsApp(sample('whatsapp', 'several-messages'));
    expect(countsOf(response)).toMatchObject({ messages: 3, ignored: 0 });
    const sheena = await clientMessages(whatsapp.channelId, '16505551234');
    expect(sheena.slice(-2).map((m) => m.kind)).toEqual(['text', 'location']);
    expect(sheena.at(-2)?.text).toBe('Are you there?');
    expect(sheena.at(-1)?.text).toMatch(/^📍 Store, Alexanderplatz 1, Berlin — https:/);
    expect((await clientMessages(whatsapp.channelId, '447700900123')).at(-1)?.text).toBe('I have the same problem');
  });

  it('M1 a reaction to a message we do not know is stored and still reads', async () => {
    expect(countsOf(await postWhatsApp(sample('whatsapp', 'reaction')))).toMatchObject({ messages: 1, ignored: 0 });
    const reaction = (await clientMessages(whatsapp.channelId, '16505551234')).find((m) => m.kind === 'reaction');
    expect(reaction).toMatchObject({ kind: 'reaction', text: 'Reacted 👍 to a message', reaction: { emoji: '👍' } });
  });
});

describe('CH3 M3 WhatsApp delivery and reports', () => {
  it('a reply is sent with the messages API; read arriving before delivered still ends at read', async () => {
    fake.clearCalls();
    const sent = await reply(whatsapp.channelId, '16505551234', 'A replacement is on its way.');
    expect(sent.status).toBe('sent');
    const [call] = fake.calls(`/v21.0/${PHONE_NUMBER_ID}/messages`);
    expect(call?.headers.authorization).toBe('Bearer integration-access-token');
    expect(call?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '16505551234',
      type: 'text',
      text: { body: 'A replacement is on its way.' },
    });
    const wamid = (await messageById(whatsapp.channelId, '16505551234', sent.messageId)).externalId ?? '';
    expect(wamid).toMatch(/^wamid\./);

    expect(countsOf(await postWhatsApp(statusFor('status-read', wamid)))).toMatchObject({ statuses: 1 });
    expect(countsOf(await postWhatsApp(statusFor('status-delivered', wamid)))).toMatchObject({ staleStatuses: 1 });
    expect(countsOf(await postWhatsApp(statusFor('status-sent', wamid)))).toMatchObject({ staleStatuses: 1 });
    expect(await messageById(whatsapp.channelId, '16505551234', sent.messageId)).toMatchObject({ status: 'read' });
  });

  it('a failed report carries the error title and details as the reason', async () => {
    const sent = await reply(whatsapp.channelId, '16505551234', 'Please confirm your address.');
    const wamid = (await messageById(whatsapp.channelId, '16505551234', sent.messageId)).externalId ?? '';
    expect(countsOf(await postWhatsApp(statusFor('status-failed', wamid)))).toMatchObject({ statuses: 1 });
    const failed = await messageById(whatsapp.channelId, '16505551234', sent.messageId);
    expect(failed.status).toBe('failed');
    expect(failed.failureReason).toContain('Re-engagement message');
  });

  it('a 429 is retried and the reply is sent', async () => {
    fake.failNext(`/v21.0/${PHONE_NUMBER_ID}/messages`, 429, 1, { retryAfterSeconds: 1 });
    fake.clearCalls();
    const sent = await reply(whatsapp.channelId, '16505551234', 'Sorry for the wait.');
    expect(sent.status).toBe('sent');
    expect(fake.calls(`/v21.0/${PHONE_NUMBER_ID}/messages`).map((call) => call.status)).toEqual([429, 200]);
  });

  it('a 400 fails with the Graph error message', async () => {
    fake.failNext(`/v21.0/${PHONE_NUMBER_ID}/messages`, 400, 1, {
      body: {
        error: {
          message: '(#131030) Recipient phone number not in allowed list',
          type: 'OAuthException',
          code: 131030,
          error_data: { messaging_product: 'whatsapp', details: 'Recipient phone number not in allowed list' },
          fbtrace_id: 'A1b2C3',
        },
      },
    });
    const failed = await reply(whatsapp.channelId, '16505551234', 'Hello again');
    expect(failed.status).toBe('failed');
    const stored = await messageById(whatsapp.channelId, '16505551234', failed.messageId);
    expect(stored.failureReason).toContain('(#131030) Recipient phone number not in allowed list');
  });
});

describe('T2 ticket numbers under WhatsApp redelivery', () => {
  it('T2/CH2: 5 concurrent copies of one WhatsApp message open one ticket and burn no numbers', async () => {
    const body = JSON.parse(sample('whatsapp', 'text').toString('utf8'));
    const value = body.entry[0].changes[0].value;
    value.contacts[0].wa_id = '4930111222333';
    value.messages[0].from = '4930111222333';
    value.messages[0].id = 'wamid.T2-concurrent-copies';
    const raw = Buffer.from(JSON.stringify(body));
    const answers = await Promise.all(Array.from({ length: 5 }, () => postWhatsApp(raw)));
    const counts = answers.map(countsOf);
    expect(counts.filter((c) => c.messages === 1)).toHaveLength(1);
    expect(counts.filter((c) => c.duplicates === 1)).toHaveLength(4);
    const opened = (await readClientHead(clientIdFor(whatsapp.channelId, '4930111222333'))).latest;
    value.contacts[0].wa_id = '4930111222444';
    value.messages[0].from = '4930111222444';
    value.messages[0].id = 'wamid.T2-next-client';
    expect(countsOf(await postWhatsApp(Buffer.from(JSON.stringify(body))))).toMatchObject({ messages: 1 });
    const next = (await readClientHead(clientIdFor(whatsapp.channelId, '4930111222444'))).latest;
    expect(next?.number).toBe((opened?.number as number) + 1);
  });
});
