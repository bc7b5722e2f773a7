// Channel content operators used never to see (M1, C3, CH2), through the local gateway: Telegram and WhatsApp webhooks
// posted over HTTP with the samples in events/, an operator's socket receiving what they store, media served by the
// fake channel server (registered over HTTP with PUT /__media) and copied into s3rver.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { freePort } from '../../infra/local/ports';
import { type S3Local, startS3Local } from '../../infra/local/s3-local';
import { TELEGRAM_SECRET_HEADER } from '../../shared/channels/telegram';
import { WHATSAPP_SIGNATURE_HEADER } from '../../shared/channels/whatsapp';
import { resetClients } from '../../shared/platform/aws-clients';
import { clientIdFor } from '../../shared/store/clients';
import type { Operator } from '../../shared/store/operators';
import { type ChannelInput, createChannel } from '../../shared/use-cases/admin/channels';
import { type AuthGateway, seedGroup, seedOperator, startAuthGateway, withToken } from '../support/operator-auth';
import { connect, type Peer } from '../support/peer';
import { useTestTable } from '../support/table';

// biome-ignore lint/suspicious/noExplicitAny: frames and answers are asserted field by field
type Json = any;

const APP_SECRET = 'content-app-secret';
const WEBP = Buffer.concat([
  Buffer.from('RIFF'),
  Buffer.from([0x24, 0, 0, 0]),
  Buffer.from('WEBPVP8 '),
  Buffer.alloc(24),
]);

let stack: AuthGateway;
let fake: FakeChannels;
let storage: S3Local;
let anna: Operator;
let token: string;
let telegram: { channelId: string; webhookSecret: string };
let whatsapp: { channelId: string };
let peer: Peer<Json>;

const sample = (kind: string, name: string): Json =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../../events', kind, `${name}.json`), 'utf8'));

beforeAll(async () => {
  await useTestTable();
  stack = await startAuthGateway();
  fake = await startFakeChannels({ port: 0 });
  const bucketName = `content-${Date.now()}`;
  storage = await startS3Local({ port: await freePort(), bucketName });
  Object.assign(process.env, fake.env(), { S3_ENDPOINT: storage.endpoint, BUCKET_NAME: bucketName });
  resetClients();
  const group = await seedGroup('First line');
  anna = await seedOperator({ name: 'Anna', groupIds: [group.groupId] });
  const admin = { kind: 'operator' as const, operatorId: 'op_seed', role: 'admin' as const, groupIds: [] };
  const base = { defaultGroupId: group.groupId, enabled: true, overrides: {} };
  telegram = await createChannel(admin, {
    ...base,
    kind: 'telegram',
    name: 'Bot',
    settings: { botToken: '123456789:AAH-content-bot-token' },
  } as ChannelInput);
  whatsapp = await createChannel(admin, {
    ...base,
    kind: 'whatsapp',
    name: 'WhatsApp',
    settings: {
      phoneNumberId: '100000000000001',
      accessToken: 'content-access-token',
      appSecret: APP_SECRET,
      verifyToken: 'content-verify-token',
    },
  } as ChannelInput);
  token = await stack.tokens.mintAccessToken(anna.operatorId);
  peer = await connect<Json>(`${stack.gateway.wsUrl}${withToken(token)}`);
});

afterAll(async () => {
  await peer?.close();
  await storage?.stop();
  await fake?.stop();
  await stack?.gateway.close();
});

async function postTelegram(body: Json) {
  const response = await fetch(`${stack.gateway.httpUrl}/channels/${telegram.channelId}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TELEGRAM_SECRET_HEADER]: telegram.webhookSecret },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function postWhatsApp(body: Json) {
  const raw = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
  const response = await fetch(`${stack.gateway.httpUrl}/channels/${whatsapp.channelId}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [WHATSAPP_SIGNATURE_HEADER]: signature },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function api(method: string, route: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${stack.gateway.httpUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json();
}

/** A Telegram sample re-addressed to its own chat, so each test has a client of its own. */
function fromChat(update: Json, chatId: number): Json {
  const message = update.message ?? update.edited_message;
  message.chat.id = chatId;
  message.from.id = chatId;
  return update;
}

/** The client's messages as an operator reads them (history over HTTP), oldest first, timeline notes left out. */
async function clientMessagesOf(channelId: string, externalUserId: string): Promise<Json[]> {
  const clientId = clientIdFor(channelId, externalUserId);
  const created = await peer.waitFor((f) => f.event === 'ticket.created' && f.data.ticket.clientId === clientId);
  const history = await api('GET', `/tickets/${created.data.ticketId}/messages`);
  return history.items.filter((m: Json) => m.kind !== 'system').reverse();
}

describe('M1 C3 Telegram content', () => {
  it('M1 C3: a location, a venue and a contact reach the operator as labelled places with map links and a contact card', async () => {
    const chat = 700000001;
    for (const name of ['location', 'venue', 'contact']) {
      const answer = await postTelegram(fromChat(sample('telegram', name), chat));
      expect(answer).toMatchObject({ status: 200, body: { messages: 1, ignored: 0 } });
    }
    const [pin, venue, contact] = await clientMessagesOf(telegram.channelId, String(chat));
    expect(pin).toMatchObject({
      kind: 'location',
      text: '📍 Location — https://www.google.com/maps/search/?api=1&query=55.751244,37.618423',
      location: { latitude: 55.751244, longitude: 37.618423 },
    });
    expect(venue).toMatchObject({
      kind: 'location',
      text: '📍 Branch office, Red Square 1, Moscow — https://www.google.com/maps/search/?api=1&query=55.753900,37.620800',
      location: {
        name: 'Branch office',
        address: 'Red Square 1, Moscow',
        mapUrl: expect.stringContaining('55.753900'),
      },
    });
    expect(contact).toMatchObject({
      kind: 'contact',
      text: '👤 Ivan Petrov, +79001234567',
      contacts: [{ name: 'Ivan Petrov', phones: ['+79001234567'] }],
    });
    // Live too: the operator's socket got each as message.created.
    await peer.waitFor((f) => f.event === 'message.created' && f.data.message.kind === 'contact');
  });

  it('M1 A1: a sticker reads as its emoji and shows as its image; an animated one by its thumbnail (PUT /__media)', async () => {
    const chat = 700000002;
    const put = await fetch(`${fake.url}/__media/AAMCAgADGQEAAgQLZ2lEQ_thumb`, {
      method: 'PUT',
      headers: { 'content-type': 'image/webp' },
      body: WEBP,
    });
    expect(put.status).toBe(201);
    const since = ((await (await fetch(`${fake.url}/__calls`)).json()) as Json).lastSeq;
    expect(await postTelegram(fromChat(sample('telegram', 'sticker'), chat))).toMatchObject({ body: { messages: 1 } });
    const [sticker] = await clientMessagesOf(telegram.channelId, String(chat));
    expect(sticker).toMatchObject({
      kind: 'sticker',
      text: '👍',
      sticker: { emoji: '👍', setName: 'HotCherry', animated: true },
      attachments: [{ mimeType: 'image/webp', size: WEBP.length }],
    });
    const calls = ((await (await fetch(`${fake.url}/__calls?since=${since}&path=/bot`)).json()) as Json).calls;
    expect(calls.map((call: Json) => call.body?.file_id)).toEqual(['AAMCAgADGQEAAgQLZ2lEQ_thumb']);
  });

  it('M1: a poll is stored as a message of a type this channel cannot show', async () => {
    const chat = 700000003;
    expect(await postTelegram(fromChat(sample('telegram', 'poll'), chat))).toMatchObject({ body: { messages: 1 } });
    const [poll] = await clientMessagesOf(telegram.channelId, String(chat));
    expect(poll).toMatchObject({
      kind: 'unsupported',
      unsupportedType: 'poll',
      text: 'The client sent a message of type poll that this channel cannot show.',
    });
  });

  it('M1 CH2: an edit changes the original (previous text kept) with a new ticket seq, live, in history and sync; its redelivery is applied once', async () => {
    const chat = 700000004;
    expect(await postTelegram(fromChat(sample('telegram', 'text'), chat))).toMatchObject({ body: { messages: 1 } });
    const [original] = await clientMessagesOf(telegram.channelId, String(chat));
    const ticketId = original.ticketId;
    const before = (await api('GET', `/tickets/${ticketId}`)).ticket.seq;

    const edit = fromChat(sample('telegram', 'edited_message'), chat);
    expect(await postTelegram(edit)).toMatchObject({ status: 200, body: { edits: 1, messages: 0 } });
    const live = await peer.waitFor((f) => f.event === 'message.updated' && f.data.ticketId === ticketId);
    expect(live.data).toMatchObject({
      seq: before + 1,
      message: {
        messageId: original.messageId,
        text: 'Hello! My card payment failed three times today.',
        edits: [{ text: 'Hello! My card payment failed twice today.' }],
      },
    });
    await peer.waitFor(
      (f) => f.event === 'ticket.updated' && f.data.ticketId === ticketId && f.data.seq === before + 1,
    );

    const [edited, ...others] = await clientMessagesOf(telegram.channelId, String(chat));
    expect(others).toEqual([]);
    expect(edited).toMatchObject({
      messageId: original.messageId,
      seq: before + 1,
      editedAt: '2026-01-01T10:00:05.000Z',
    });
    const sync = await api('GET', `/tickets/${ticketId}/sync?afterSeq=${before}`);
    expect(sync.messages.map((m: Json) => [m.messageId, m.text])).toEqual([[original.messageId, edited.text]]);

    // Telegram redelivers the same update: acknowledged, applied once.
    expect(await postTelegram(edit)).toMatchObject({ status: 200, body: { edits: 0, duplicates: 1 } });
    expect((await api('GET', `/tickets/${ticketId}`)).ticket.seq).toBe(before + 1);
  });

  it('CH2: a redelivered Telegram message is stored once (its chat and message id are the key)', async () => {
    const chat = 700000005;
    const update = fromChat(sample('telegram', 'text'), chat);
    expect(await postTelegram(update)).toMatchObject({ body: { messages: 1 } });
    expect(await postTelegram(update)).toMatchObject({ body: { messages: 0, duplicates: 1 } });
  });
});

describe('M1 C3 WhatsApp content', () => {
  it('M1 C3: location, contacts, a sticker and an unsupported type are stored readable, in the order they came', async () => {
    await fetch(`${fake.url}/__media/1050291876543210`, {
      method: 'PUT',
      headers: { 'content-type': 'image/webp' },
      body: WEBP,
    });
    const notification = sample('whatsapp', 'location');
    const value = notification.entry[0].changes[0].value;
    for (const name of ['contacts', 'sticker', 'unsupported']) {
      value.messages.push(sample('whatsapp', name).entry[0].changes[0].value.messages[0]);
    }
    value.contacts[0].wa_id = '15550001111';
    for (const message of value.messages) message.from = '15550001111';
    expect(await postWhatsApp(notification)).toMatchObject({ status: 200, body: { messages: 4, ignored: 0 } });

    const stored = await clientMessagesOf(whatsapp.channelId, '15550001111');
    expect(stored.map((m: Json) => m.kind)).toEqual(['location', 'contact', 'sticker', 'unsupported']);
    const [place, card, sticker, unsupported] = stored;
    expect(place).toMatchObject({
      text: '📍 Main office, 1 Hacker Way, Menlo Park, CA 94025 — https://www.google.com/maps/search/?api=1&query=37.483307,-122.148981',
      location: { name: 'Main office', latitude: 37.483307, longitude: -122.148981 },
    });
    expect(place.location.url).toBeUndefined();
    expect(card).toMatchObject({
      text: '👤 Pablo Morales, Lucky Shrub, +1 (650) 555-1234, pablo@example.com',
      contacts: [{ name: 'Pablo Morales', organization: 'Lucky Shrub', emails: ['pablo@example.com'] }],
    });
    expect(sticker).toMatchObject({ attachments: [{ mimeType: 'image/webp', size: WEBP.length }] });
    expect(unsupported).toMatchObject({
      unsupportedType: 'poll_creation',
      text: 'The client sent a message of type poll_creation that this channel cannot show.',
    });
  });

  it('M1 CH2: a reaction is a note on the reply it reacts to; its redelivery is stored once', async () => {
    const text = sample('whatsapp', 'text');
    text.entry[0].changes[0].value.contacts[0].wa_id = '15550002222';
    text.entry[0].changes[0].value.messages[0].from = '15550002222';
    expect(await postWhatsApp(text)).toMatchObject({ body: { messages: 1 } });
    const [question] = await clientMessagesOf(whatsapp.channelId, '15550002222');
    const ticketId = question.ticketId;
    await api('POST', `/tickets/${ticketId}/take`, {});
    const sent = await api('POST', `/tickets/${ticketId}/messages`, { text: 'It ships tomorrow.' });
    expect(sent).toMatchObject({ status: 'sent' });
    const reply = (await api('GET', `/tickets/${ticketId}/messages`)).items.find(
      (m: Json) => m.messageId === sent.messageId,
    );
    expect(reply.externalId).toMatch(/^wamid\./);

    const reaction = sample('whatsapp', 'reaction');
    const message = reaction.entry[0].changes[0].value.messages[0];
    reaction.entry[0].changes[0].value.contacts[0].wa_id = '15550002222';
    message.from = '15550002222';
    message.reaction.message_id = reply.externalId;
    expect(await postWhatsApp(reaction)).toMatchObject({ body: { messages: 1 } });
    expect(await postWhatsApp(reaction)).toMatchObject({ body: { messages: 0, duplicates: 1 } });

    const live = await peer.waitFor(
      (f) => f.event === 'message.created' && f.data.ticketId === ticketId && f.data.message.kind === 'reaction',
    );
    expect(live.data.message).toMatchObject({
      text: 'Reacted 👍 to “It ships tomorrow.”',
      reaction: { emoji: '👍', messageId: reply.messageId, preview: 'It ships tomorrow.' },
    });
    const history = await api('GET', `/tickets/${ticketId}/messages`);
    expect(history.items.filter((m: Json) => m.kind === 'reaction')).toHaveLength(1);
  });
});
