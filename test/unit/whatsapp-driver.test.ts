// The WhatsApp driver without a network: the hub.challenge handshake, X-Hub-Signature-256 over the exact raw bytes,
// every events/whatsapp sample parsed, media fetched through the Graph API, and the messages API mapped to outcomes.
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InboundEvent, OutboundDelivery, WebhookRequest } from '../../shared/channels/driver';
import { getBytes, postJson } from '../../shared/channels/outbound-http';
import { sendTemplate, WHATSAPP_SIGNATURE_HEADER, whatsappDriver } from '../../shared/channels/whatsapp';
import { DomainError } from '../../shared/domain/errors';
import type { Channel } from '../../shared/store/channels';

vi.mock('../../shared/channels/outbound-http', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../shared/channels/outbound-http')>()),
  postJson: vi.fn(),
  getBytes: vi.fn(),
}));

const BASE = 'https://graph.test/v23.0';
const APP_SECRET = 'local-app-secret';
const ACCESS_TOKEN = 'EAAG-unit-test-access-token';
const SAMPLES = path.join(import.meta.dirname, '../../events/whatsapp');

const channel: Channel = {
  channelId: 'ch_wa',
  name: 'WhatsApp',
  defaultGroupId: 'grp_1',
  enabled: true,
  overrides: {},
  webhookSecret: 'not-used-by-whatsapp',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  kind: 'whatsapp',
  settings: {
    phoneNumberId: '100000000000001',
    accessToken: ACCESS_TOKEN,
    appSecret: APP_SECRET,
    verifyToken: 'local-verify-token',
  },
};

const sample = (name: string) => readFileSync(path.join(SAMPLES, `${name}.json`));
const sign = (body: Buffer | string, secret = APP_SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function request(
  rawBody: Buffer,
  headers: Record<string, string> = { [WHATSAPP_SIGNATURE_HEADER]: sign(rawBody) },
  query: Record<string, string> = {},
  method: 'GET' | 'POST' = 'POST',
): WebhookRequest {
  return { method, headers, query, rawBody, receivedAt: new Date('2026-01-01T10:00:00Z'), sourceIp: '173.252.127.1' };
}

const webhook = () => {
  if (!whatsappDriver.webhook) throw new Error('the WhatsApp driver has a webhook');
  return whatsappDriver.webhook;
};
const parse = (raw: Buffer) => webhook().parse(request(raw), channel);

function verifyError(raw: Buffer, headers: Record<string, string>): DomainError | undefined {
  try {
    webhook().verify(request(raw, headers), channel);
    return undefined;
  } catch (error) {
    return error as DomainError;
  }
}

function messages(events: InboundEvent[]) {
  return events.filter((event): event is Extract<InboundEvent, { type: 'message' }> => event.type === 'message');
}

function onlyMessage(name: string) {
  const events = parse(sample(name));
  expect(events).toHaveLength(1);
  const [message] = messages(events);
  if (!message) throw new Error(`${name} parsed to ${events[0]?.type}`);
  return message;
}

beforeEach(() => {
  process.env.WHATSAPP_API_BASE = BASE;
  vi.mocked(postJson).mockReset();
  vi.mocked(getBytes).mockReset();
});

afterEach(() => {
  delete process.env.WHATSAPP_API_BASE;
});

describe('CH1 WhatsApp webhook verification handshake', () => {
  const handshake = (query: Record<string, string>) =>
    webhook().handshake?.(request(Buffer.alloc(0), {}, query, 'GET'), channel);

  it('echoes hub.challenge as text/plain for subscribe with the verify token', () => {
    expect(
      handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'local-verify-token', 'hub.challenge': '1158201444' }),
    ).toEqual({ status: 200, body: '1158201444', contentType: 'text/plain' });
  });

  it.each([
    ['a wrong verify token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' }],
    ['no verify token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }],
    ['another mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'local-verify-token', 'hub.challenge': '1' }],
    ['no challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': 'local-verify-token' }],
  ])('answers 403 to %s', (_case, query) => {
    expect(handshake(query)?.status).toBe(403);
  });
});

describe('CH1 WhatsApp X-Hub-Signature-256', () => {
  const files = readdirSync(SAMPLES).filter((file) => file.endsWith('.json'));

  it.each(files)('accepts %s signed over its raw bytes with the app secret', (file) => {
    const raw = readFileSync(path.join(SAMPLES, file));
    expect(verifyError(raw, { [WHATSAPP_SIGNATURE_HEADER]: sign(raw) })).toBeUndefined();
  });

  it('the emoji sample: the raw bytes verify, the same JSON re-serialized does not', () => {
    const raw = sample('emoji-text');
    const reserialized = JSON.stringify(JSON.parse(raw.toString('utf8')));
    // Meta escapes non-ASCII and slashes; JSON.stringify writes them out: same data, other bytes.
    expect(reserialized).not.toBe(raw.toString('utf8'));
    expect(verifyError(raw, { [WHATSAPP_SIGNATURE_HEADER]: sign(raw) })).toBeUndefined();
    expect(verifyError(raw, { [WHATSAPP_SIGNATURE_HEADER]: sign(reserialized) })?.code).toBe('unauthorized');
  });

  it('a body with literal UTF-8 emoji verifies over its bytes', () => {
    const raw = Buffer.from(JSON.stringify(JSON.parse(sample('emoji-text').toString('utf8'))), 'utf8');
    expect(raw.toString('utf8')).toContain('👍🏽');
    expect(verifyError(raw, { [WHATSAPP_SIGNATURE_HEADER]: sign(raw) })).toBeUndefined();
  });

  it.each([
    ['missing', {}],
    ['upper-case hex', { [WHATSAPP_SIGNATURE_HEADER]: `sha256=${sign(sample('text')).slice(7).toUpperCase()}` }],
    ['without the sha256= prefix', { [WHATSAPP_SIGNATURE_HEADER]: sign(sample('text')).slice(7) }],
    ['made with another secret', { [WHATSAPP_SIGNATURE_HEADER]: sign(sample('text'), 'other-secret') }],
    ['truncated', { [WHATSAPP_SIGNATURE_HEADER]: sign(sample('text')).slice(0, -2) }],
    ['padded', { [WHATSAPP_SIGNATURE_HEADER]: ` ${sign(sample('text'))}` }],
    ['sha1 only', { 'x-hub-signature': `sha1=${createHmac('sha1', APP_SECRET).update(sample('text')).digest('hex')}` }],
  ])('refuses a signature that is %s', (_case, headers) => {
    const error = verifyError(sample('text'), headers);
    expect(error).toBeInstanceOf(DomainError);
    expect(error?.code).toBe('unauthorized');
  });

  it('refuses a body changed by one byte after signing', () => {
    const raw = sample('text');
    const signature = sign(raw);
    const changed = Buffer.from(raw.toString('utf8').replace('#1042', '#1043'));
    expect(verifyError(changed, { [WHATSAPP_SIGNATURE_HEADER]: signature })?.code).toBe('unauthorized');
  });
});

describe('CH1 C1 M1 WhatsApp notifications', () => {
  it('text: the wa_id as the client, the contact profile name, the wamid as the dedupe key', () => {
    expect(onlyMessage('text')).toEqual({
      type: 'message',
      externalUserId: '16505551234',
      name: 'Sheena Nelson',
      externalMessageId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
      kind: 'text',
      text: 'Hi, my order #1042 has not arrived yet.',
      at: new Date(1767261600 * 1000),
    });
  });

  it('emoji text decodes escapes in both the name and the text', () => {
    expect(onlyMessage('emoji-text')).toMatchObject({
      name: 'Zoë Müller 🌸',
      text: 'Danke! 👍🏽 Order 7/12 arrived — all good 🎉',
    });
  });

  it('image: caption as text, media fetched through the Graph API with the access token', async () => {
    const event = onlyMessage('image');
    expect(event).toMatchObject({ kind: 'image', text: 'The parcel arrived damaged' });
    expect(event.media?.[0]).toMatchObject({ kind: 'image', declaredMimeType: 'image/jpeg' });
    const mediaUrl = 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1479537139650973&ext=1';
    vi.mocked(getBytes)
      .mockResolvedValueOnce({
        bytes: Buffer.from(JSON.stringify({ messaging_product: 'whatsapp', url: mediaUrl, mime_type: 'image/jpeg' })),
        contentType: 'application/json',
      })
      .mockResolvedValueOnce({ bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0]), contentType: 'image/jpeg' });
    const fetched = await event.media?.[0]?.fetch();
    const auth = { headers: { authorization: `Bearer ${ACCESS_TOKEN}` } };
    expect(getBytes).toHaveBeenNthCalledWith(1, `${BASE}/1479537139650973`, auth);
    expect(getBytes).toHaveBeenNthCalledWith(2, mediaUrl, auth);
    expect(fetched).toEqual({ bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0]), mimeType: 'image/jpeg' });
  });

  it('document: file name, MIME type and caption', () => {
    const event = onlyMessage('document');
    expect(event).toMatchObject({ kind: 'document', text: 'Invoice for the order' });
    expect(event.media?.[0]).toMatchObject({ fileName: 'invoice-1042.pdf', declaredMimeType: 'application/pdf' });
  });

  it('voice note (audio with voice: true) is audio', () => {
    const event = onlyMessage('voice');
    expect(event).toMatchObject({ kind: 'audio', name: 'Raj Patel', externalUserId: '447700900123' });
    expect(event.text).toBeUndefined();
    expect(event.media?.[0]).toMatchObject({ kind: 'audio', declaredMimeType: 'audio/ogg; codecs=opus' });
  });

  it('video with caption', () => {
    expect(onlyMessage('video')).toMatchObject({ kind: 'video', text: 'How the app crashes' });
  });

  it('M1 a reaction names the message it reacts to by its wamid', () => {
    expect(parse(sample('reaction'))).toEqual([
      expect.objectContaining({
        type: 'message',
        kind: 'reaction',
        reaction: { emoji: '👍', externalMessageId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA' },
      }),
    ]);
  });

  it.each([
    ['location', 'location', /^📍 Main office, 1 Hacker Way, Menlo Park, CA 94025 — https:\/\/www\.google\.com\/maps/],
    ['contacts', 'contact', /^👤 Pablo Morales, Lucky Shrub, \+1 \(650\) 555-1234, pablo@example\.com$/],
    ['unsupported', 'unsupported', /^The client sent a message of type poll_creation that this channel cannot show\.$/],
  ])('M1 %s is a %s message with a readable text', (name, kind, text) => {
    expect(onlyMessage(name)).toMatchObject({ kind, text: expect.stringMatching(text) });
  });

  it('M1 a sticker is a sticker message with its WebP image as media', () => {
    expect(onlyMessage('sticker')).toMatchObject({
      kind: 'sticker',
      media: [{ kind: 'image', declaredMimeType: 'image/webp' }],
    });
  });

  it('several messages and a status in one body: each one, names matched by wa_id, the location a place', () => {
    const events = parse(sample('several-messages'));
    expect(events.map((event) => event.type)).toEqual(['message', 'message', 'message', 'status']);
    expect(messages(events).map(({ name, externalUserId, kind }) => ({ name, externalUserId, kind }))).toEqual([
      { name: 'Sheena Nelson', externalUserId: '16505551234', kind: 'text' },
      { name: 'Raj Patel', externalUserId: '447700900123', kind: 'text' },
      { name: expect.any(String), externalUserId: expect.any(String), kind: 'location' },
    ]);
    expect(events[3]).toMatchObject({ type: 'status', status: 'delivered' });
  });

  it.each([
    ['status-sent', 'sent'],
    ['status-delivered', 'delivered'],
    ['status-read', 'read'],
  ])('M3 %s is a %s report for our wamid', (name, status) => {
    expect(parse(sample(name))).toEqual([
      {
        type: 'status',
        externalMessageId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
        status,
        at: expect.any(Date),
      },
    ]);
  });

  it('M3 a failed status carries the error title, details and code as its reason', () => {
    expect(parse(sample('status-failed'))).toEqual([
      {
        type: 'status',
        externalMessageId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI2RDdFOEY5QTBCMUMyRDNFNEYA',
        status: 'failed',
        reason:
          'Re-engagement message: Message failed to send because more than 24 hours have passed since the customer ' +
          'last replied to this number. (131047)',
        at: new Date(1767262200 * 1000),
      },
    ]);
  });

  it('a notification for another phone number of the same app is ignored', () => {
    const raw = Buffer.from(sample('text').toString('utf8').replace('"100000000000001"', '"100000000000999"'));
    expect(parse(raw)).toEqual([{ type: 'ignored', reason: expect.stringMatching(/another phone number/) }]);
  });

  it('a change of another field is ignored', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [{ field: 'account_update', value: {} }] }],
    };
    expect(parse(Buffer.from(JSON.stringify(body)))).toEqual([
      { type: 'ignored', reason: expect.stringMatching(/account_update/) },
    ]);
  });

  it.each([
    ['not JSON', 'hello'],
    ['another object', '{"object":"page","entry":[]}'],
  ])('a body that is %s is invalid', (_case, body) => {
    expect(() => parse(Buffer.from(body))).toThrow(expect.objectContaining({ code: 'invalid' }));
  });
});

describe('CH3 M3 WhatsApp delivery', () => {
  const delivery = (text: string) =>
    ({ message: { text }, client: { externalId: '16505551234' }, channel }) as unknown as OutboundDelivery;
  const auth = { headers: { authorization: `Bearer ${ACCESS_TOKEN}` } };

  it('posts a text message to the phone number and keeps the wamid', async () => {
    vi.mocked(postJson).mockResolvedValueOnce({
      status: 200,
      ok: true,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: '16505551234', wa_id: '16505551234' }],
        messages: [{ id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBQkNERUY=' }],
      },
      text: '',
    });
    await expect(whatsappDriver.deliver(delivery('On its way!'))).resolves.toEqual({
      status: 'sent',
      externalId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBQkNERUY=',
    });
    expect(postJson).toHaveBeenCalledWith(
      `${BASE}/100000000000001/messages`,
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '16505551234',
        type: 'text',
        text: { body: 'On its way!' },
      },
      auth,
    );
  });

  it('a Graph error fails with its message and details', async () => {
    vi.mocked(postJson).mockResolvedValueOnce({
      status: 400,
      ok: false,
      body: {
        error: {
          message: '(#131030) Recipient phone number not in allowed list',
          type: 'OAuthException',
          code: 131030,
          error_data: { messaging_product: 'whatsapp', details: 'Recipient phone number not in allowed list' },
          fbtrace_id: 'AbCdEf',
        },
      },
      text: '',
    });
    await expect(whatsappDriver.deliver(delivery('Hi'))).resolves.toEqual({
      status: 'failed',
      reason:
        'WhatsApp: (#131030) Recipient phone number not in allowed list: Recipient phone number not in allowed list ' +
        '(131030)',
      transient: false,
    });
  });

  it('CH4 sendTemplate sends a template message to a normalized phone number', async () => {
    vi.mocked(postJson).mockResolvedValueOnce({
      status: 200,
      ok: true,
      body: { messaging_product: 'whatsapp', messages: [{ id: 'wamid.T1', message_status: 'accepted' }] },
      text: '',
    });
    await expect(sendTemplate(channel, '+1 (650) 555-1234', 'hello_world', 'en_US')).resolves.toEqual({
      status: 'sent',
      externalId: 'wamid.T1',
    });
    expect(postJson).toHaveBeenCalledWith(
      `${BASE}/100000000000001/messages`,
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '16505551234',
        type: 'template',
        template: { name: 'hello_world', language: { code: 'en_US' } },
      },
      auth,
    );
  });

  it('CH4 sendTemplate refuses something that is not a phone number', async () => {
    await expect(sendTemplate(channel, 'call me', 'hello_world', 'en_US')).rejects.toMatchObject({ code: 'invalid' });
    expect(postJson).not.toHaveBeenCalled();
  });
});
