// CH1/CH2 under fuzzing: generated bodies and signature headers for the api, Telegram and WhatsApp webhooks.
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { API_SIGNATURE_HEADER, API_TIMESTAMP_HEADER, signApiPayload } from '../../shared/channels/api';
import { hmacSha256 } from '../../shared/channels/signatures';
import { TELEGRAM_SECRET_HEADER } from '../../shared/channels/telegram';
import { WHATSAPP_SIGNATURE_HEADER } from '../../shared/channels/whatsapp';
import type { OperatorActor } from '../../shared/domain/actors';
import { type ChannelInput, createChannel } from '../../shared/use-cases/admin/channels';
import { type AuthGateway, seedGroup, startAuthGateway } from '../support/operator-auth';
import { useTestTable } from '../support/table';
import { emptyKnownIds, generatorsFor, mutationsOf } from './generators';
import { captureConsole, invariantViolations, recordWrites } from './harness';
import { runsOf, sizes, timeoutFor } from './scale';

const seedingAdmin: OperatorActor = { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] };
const PHONE_NUMBER_ID = '1234567890';
const APP_SECRET = 'whatsapp-app-secret';
const VERIFY_TOKEN = 'whatsapp-verify-token';

type Kind = 'api' | 'telegram' | 'whatsapp';

let stack: AuthGateway;
let fake: FakeChannels;
let writes: ReturnType<typeof recordWrites>;
const gatewayLog: string[] = [];
const logs = captureConsole();
const channels = {} as Record<Kind, { channelId: string; webhookSecret: string }>;
const { anyValue } = generatorsFor(emptyKnownIds());

beforeAll(async () => {
  await useTestTable();
  fake = await startFakeChannels();
  Object.assign(process.env, fake.env());
  stack = await startAuthGateway({ log: (line) => gatewayLog.push(line) });
  const group = await seedGroup('First line');
  const create = async (input: Omit<ChannelInput, 'defaultGroupId' | 'enabled' | 'overrides'>) =>
    createChannel(seedingAdmin, {
      ...input,
      defaultGroupId: group.groupId,
      enabled: true,
      overrides: {},
    } as ChannelInput);
  channels.api = await create({ kind: 'api', name: 'CRM', settings: { callbackUrl: `${fake.url}/api-callback/crm` } });
  channels.telegram = await create({
    kind: 'telegram',
    name: 'Telegram',
    settings: { botToken: '123456789:AAHfakeTokenForTheResilienceSuite' },
  });
  channels.whatsapp = await create({
    kind: 'whatsapp',
    name: 'WhatsApp',
    settings: {
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: 'wa-token',
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
    },
  });
  writes = recordWrites();
});

afterAll(async () => {
  logs.restore();
  await stack?.gateway.close();
  await fake?.stop();
});

// ---- generators ---------------------------------------------------------------------------------------------------

const nowSeconds = () => Math.floor(Date.now() / 1000);
const userIds = fc.constantFrom('u1', 'u2', 'u3', '4915100000001', '4915100000002', '100001', '100002');
const messageIds = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 16 }));

/** Valid-looking bodies of each kind, then mutated: the fuzz reaches parsing, ingest and dedupe, not just JSON.parse. */
const examples: Record<Kind, fc.Arbitrary<unknown>> = {
  api: fc.record({ id: messageIds, user: userIds, variant: fc.nat(3) }).map(
    ({ id, user, variant }) =>
      [
        { type: 'message', messageId: id, user: { id: user, name: 'Olga' }, text: 'Where is my order?' },
        {
          type: 'message',
          messageId: id,
          user: { id: user },
          text: 'see attached',
          attachments: [{ url: fake.mediaUrl('missing'), name: 'invoice.pdf', mimeType: 'application/pdf' }],
        },
        { type: 'status', messageId: id, status: 'delivered' },
        { type: 'typing', user: { id: user }, typing: true },
      ][variant] ?? {},
  ),
  telegram: fc.record({ update: fc.nat(1e9), user: userIds, variant: fc.nat(2) }).map(({ update, user, variant }) => {
    const message = {
      message_id: update % 100_000,
      date: nowSeconds(),
      chat: { id: Number(user.replace(/\D/g, '') || '7'), type: 'private' },
      from: { id: Number(user.replace(/\D/g, '') || '7'), first_name: 'Ivan', username: 'ivan' },
    };
    const variants = [
      { update_id: update, message: { ...message, text: 'Привет' } },
      {
        update_id: update,
        message: { ...message, photo: [{ file_id: 'missing', width: 90, height: 90 }], caption: 'x' },
      },
      { update_id: update, edited_message: { ...message, text: 'edited' } },
    ];
    return variants[variant] ?? {};
  }),
  whatsapp: fc.record({ id: messageIds, user: userIds, variant: fc.nat(2) }).map(({ id, user, variant }) => {
    const value = {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID },
      contacts: [{ wa_id: user, profile: { name: 'Jo' } }],
    };
    const message = { from: user, id: `wamid.${id}`, timestamp: String(nowSeconds()) };
    const values = [
      { ...value, messages: [{ ...message, type: 'text', text: { body: 'hola' } }] },
      { ...value, messages: [{ ...message, type: 'image', image: { id: 'missing', mime_type: 'image/jpeg' } }] },
      { ...value, statuses: [{ id: `wamid.${id}`, status: 'read', timestamp: String(nowSeconds()) }] },
    ];
    return {
      object: 'whatsapp_business_account',
      entry: [{ id: 'waba', changes: [{ field: 'messages', value: values[variant] ?? {} }] }],
    };
  }),
};

/** Values a channel might really send at the edges: huge and negative numbers, long ids, odd timestamps. */
const edgeValues = fc.oneof(
  { weight: 4, arbitrary: anyValue },
  fc.constantFrom(1e20, -1, 0, 2 ** 53, 1.5, '1e20', '-5', '', 'x'.repeat(3000)),
);

const rawBodies = (kind: Kind) =>
  fc
    .oneof(
      { weight: 6, arbitrary: examples[kind].chain((example) => mutationsOf(example, edgeValues)) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((text) => ({ raw: text })) },
    )
    .map((body) => {
      if (body && typeof body === 'object' && 'raw' in body && Object.keys(body).length === 1) {
        return Buffer.from(String((body as { raw: unknown }).raw));
      }
      return Buffer.from(JSON.stringify(body) ?? '');
    });

type SignatureMode = 'valid' | 'none' | 'garbage' | 'wrong' | 'stale';

function signatureHeaders(kind: Kind, mode: SignatureMode, body: Buffer, garbage: string): Record<string, string> {
  if (mode === 'none') return {};
  const secret = mode === 'wrong' ? 'not-the-secret' : kind === 'whatsapp' ? APP_SECRET : channels[kind].webhookSecret;
  switch (kind) {
    case 'api': {
      const timestamp = nowSeconds() - (mode === 'stale' ? 600 : 0);
      const signature = mode === 'garbage' ? garbage : signApiPayload(secret, timestamp, body);
      return { [API_TIMESTAMP_HEADER]: String(timestamp), [API_SIGNATURE_HEADER]: signature };
    }
    case 'telegram':
      return { [TELEGRAM_SECRET_HEADER]: mode === 'garbage' ? garbage : secret };
    case 'whatsapp':
      return {
        [WHATSAPP_SIGNATURE_HEADER]:
          mode === 'garbage' ? garbage : `sha256=${hmacSha256(secret, body).toString('hex')}`,
      };
  }
}

const webhookCase = (kind: Kind) =>
  fc.record({
    body: rawBodies(kind),
    mode: fc.constantFrom<SignatureMode>(
      'valid',
      'valid',
      'valid',
      'none',
      'garbage',
      'wrong',
      ...(kind === 'api' ? (['stale'] as const) : []),
    ),
    garbage: fc.stringMatching(/^[\x20-\x7e]{0,80}$/),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream'),
  });

// ---- the properties -----------------------------------------------------------------------------------------------

const statuses = new Map<string, number>();

async function post(kind: Kind, headers: Record<string, string>, body: Buffer) {
  const response = await fetch(`${stack.gateway.httpUrl}/channels/${channels[kind].channelId}/webhook`, {
    method: 'POST',
    headers,
    body,
  });
  return { status: response.status, text: await response.text() };
}

afterAll(() => {
  if (process.env.RESILIENCE_VERBOSE)
    process.stdout.write(`fuzzed webhook statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
});

const perCaseMs = 60;

describe('CH1/CH2 webhook fuzzing', () => {
  it.each(['api', 'telegram', 'whatsapp'] as const)(
    'CH1: %s webhook bodies and signatures get 200, 400 or 401 only; a refused request stores nothing',
    async (kind) => {
      await fc.assert(
        fc.asyncProperty(webhookCase(kind), async ({ body, mode, garbage, contentType }) => {
          const headers = { 'content-type': contentType, ...signatureHeaders(kind, mode, body, garbage) };
          const mark = writes.mark();
          const { status, text } = await post(kind, headers, body);
          statuses.set(`${kind} ${mode} ${status}`, (statuses.get(`${kind} ${mode} ${status}`) ?? 0) + 1);
          const what = `${kind} ${mode} ${body.toString().slice(0, 300)} → ${status} ${text.slice(0, 300)}`;
          expect([200, 400, 401], what).toContain(status);
          // The signature is checked before anything else: a bad one is always a 401.
          if (mode !== 'valid') expect(status, what).toBe(401);
          if (status !== 200) expect(writes.since(mark), `refused, yet wrote: ${what}`).toEqual([]);
        }),
        runsOf(sizes.fuzzRuns),
      );
    },
    timeoutFor(sizes.fuzzRuns, perCaseMs),
  );

  it(
    'CH1: GET handshakes are answered (WhatsApp verification) or refused, and never write',
    async () => {
      const handshake = fc.record({
        kind: fc.constantFrom<Kind>('api', 'telegram', 'whatsapp'),
        mode: fc.option(fc.constantFrom('subscribe', 'unsubscribe', '')),
        token: fc.option(fc.constantFrom(VERIFY_TOKEN, 'wrong', '')),
        challenge: fc.option(fc.string({ maxLength: 600 })),
      });
      await fc.assert(
        fc.asyncProperty(handshake, async ({ kind, mode, token, challenge }) => {
          const query = new URLSearchParams();
          if (mode !== null) query.set('hub.mode', mode);
          if (token !== null) query.set('hub.verify_token', token);
          if (challenge !== null) query.set('hub.challenge', challenge);
          const mark = writes.mark();
          const response = await fetch(
            `${stack.gateway.httpUrl}/channels/${channels[kind].channelId}/webhook?${query}`,
          );
          const text = await response.text();
          expect(writes.since(mark)).toEqual([]);
          if (kind !== 'whatsapp') {
            expect(response.status).toBe(405);
            return;
          }
          const verified = mode === 'subscribe' && token === VERIFY_TOKEN && !!challenge && challenge.length <= 512;
          expect(response.status).toBe(verified ? 200 : 403);
          if (verified) expect(text).toBe(challenge);
        }),
        runsOf(Math.min(sizes.fuzzRuns, 2_000)),
      );
    },
    timeoutFor(Math.min(sizes.fuzzRuns, 2_000), perCaseMs),
  );

  it('CH2/T1: after the fuzzing every channel message is stored once and the table holds together', async () => {
    expect(await invariantViolations()).toEqual([]);
    expect(gatewayLog.filter((line) => line.includes('failed'))).toEqual([]);
    expect(logs.errors).toEqual([]);
  });
});
