// R1 under fuzzing: generated frames for every WebSocket action, sent over real sockets through the local gateway.
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { webSocketRoutes } from '../../infra/routes';
import type { OperatorActor } from '../../shared/domain/actors';
import { keys } from '../../shared/store/keys';
import { actorOf } from '../../shared/store/operators';
import { settingsSchema } from '../../shared/store/settings';
import { createCategory } from '../../shared/use-cases/admin/categories';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { replaceSettings } from '../../shared/use-cases/admin/settings';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { operatorActions } from '../../shared/use-cases/operator-actions';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { visitorActions } from '../../shared/use-cases/visitor-chat';
import {
  type AuthGateway,
  seedGroup,
  seedOperator,
  seedWidgetChannel,
  startAuthGateway,
  WIDGET_ORIGIN,
} from '../support/operator-auth';
import { connect, type Frame, type Peer } from '../support/peer';
import { useTestTable } from '../support/table';
import { emptyKnownIds, generatorsFor, mutationsOf } from './generators';
import { CLIENT_ERROR_CODES, captureConsole, invariantViolations, recordWrites } from './harness';
import { runsOf, sizes, timeoutFor } from './scale';

const seedingAdmin: OperatorActor = { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] };
/** API Gateway's frame limit is 32 KB; bigger frames close the socket by design (tested in test/e2e). */
const MAX_FRAME_BYTES = 30_000;

let stack: AuthGateway;
let fake: FakeChannels;
let writes: ReturnType<typeof recordWrites>;
const gatewayLog: string[] = [];
const logs = captureConsole();
type Role = 'admin' | 'operator' | 'visitor';
const peers = {} as Record<Role, Peer>;
const tokens = {} as Record<Role, string>;

/**
 * (Re)opens a role's socket. A long run leaves one socket idle for minutes while another is fuzzed, and the gateway
 * closes a connection after 10 idle minutes, as API Gateway does.
 */
async function openPeer(role: Role): Promise<Peer> {
  if (!peers[role]?.open) {
    peers[role] = await connect(`${stack.gateway.wsUrl}?token=${encodeURIComponent(tokens[role])}`, {
      origin: WIDGET_ORIGIN,
    });
  }
  return peers[role];
}
/** Requests that returned a next page, with their cursor. */
const replays: Record<Role, Array<{ action: string; input: Record<string, unknown>; cursor: string }>> = {
  admin: [],
  operator: [],
  visitor: [],
};
/** Real ids of the seeded world, so generated frames reach past validation into the use cases. */
const known = emptyKnownIds();
const { anyValue, plausible } = generatorsFor(known);

beforeAll(async () => {
  await useTestTable();
  // The fuzzer tests what frames do, not how fast they may come (R5 has its own tests): limits out of its way.
  await replaceSettings(
    seedingAdmin,
    settingsSchema.parse({
      limits: {
        operatorActions: { perSecond: 1000, burst: 10_000 },
        visitorMessages: { perSecond: 1000, burst: 10_000 },
      },
    }),
  );
  fake = await startFakeChannels();
  Object.assign(process.env, fake.env());
  stack = await startAuthGateway({ log: (line) => gatewayLog.push(line) });
  const first = await seedGroup('First line');
  const second = await seedGroup('Second line');
  const widget = await seedWidgetChannel(first.groupId);
  const api = await createChannel(seedingAdmin, {
    kind: 'api',
    name: 'CRM',
    defaultGroupId: first.groupId,
    enabled: true,
    settings: { callbackUrl: `${fake.url}/api-callback/crm` },
    overrides: {},
  });
  const category = await createCategory(seedingAdmin, { name: 'Billing' });
  const ada = await seedOperator({ name: 'Ada', role: 'admin' });
  const olga = await seedOperator({ name: 'Olga', groupIds: [first.groupId] });
  const sam = await seedOperator({ name: 'Sam', role: 'supervisor' });
  for (const user of ['u1', 'u2', 'u3']) {
    const { ticket } = await ingestClientMessage({
      channelId: api.channelId,
      externalUserId: user,
      name: `Client ${user}`,
      clientType: 'crm',
      kind: 'text',
      text: 'hello',
      externalMessageId: `seed-${user}`,
      receivedAt: new Date(),
    });
    if (!ticket) throw new Error('seed ticket was not opened');
    known.tickets.push(ticket.ticketId);
    known.clients.push(ticket.clientId);
  }
  await runTicketCommand(actorOf(olga), known.tickets[0] as string, { type: 'take' });
  known.operators.push(ada.operatorId, olga.operatorId, sam.operatorId);
  known.groups.push(first.groupId, second.groupId);
  known.other.push(category.categoryId, widget.channelId, api.channelId);

  const session = await fetch(`${stack.gateway.httpUrl}/widget/${widget.channelId}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Vera' }),
  });
  const { visitorToken, clientId } = (await session.json()) as { visitorToken: string; clientId: string };
  known.clients.push(clientId);
  tokens.admin = await stack.tokens.mintAccessToken(ada.operatorId, { expiresInSeconds: 4 * 3600 });
  tokens.operator = await stack.tokens.mintAccessToken(olga.operatorId, { expiresInSeconds: 4 * 3600 });
  tokens.visitor = visitorToken;
  for (const role of ['admin', 'operator', 'visitor'] as const) await openPeer(role);
  expect((await peers.visitor.call('chat.send', { text: 'I need help' })).ok).toBe(true);
  expect((await peers.visitor.call('chat.send', { text: 'Hello?' })).ok).toBe(true);
  // Real cursors, to be replayed tampered: the pagination code must refuse them, not hand them to DynamoDB.
  const pages: Array<[Role, string, Record<string, unknown>]> = [
    ['admin', 'list', { tab: 'all', limit: 1 }],
    ['admin', 'history', { ticketId: known.tickets[0], limit: 1 }],
    ['operator', 'list', { tab: 'unassigned', limit: 1 }],
    ['operator', 'list', { tab: 'mine', limit: 1 }],
    ['visitor', 'chat.history', { limit: 1 }],
  ];
  for (const [role, action, input] of pages) {
    const reply = await peers[role].call(action, input);
    const cursor = (reply.data as { nextCursor?: string } | undefined)?.nextCursor;
    if (cursor) replays[role].push({ action, input, cursor });
  }
  for (const role of ['admin', 'operator', 'visitor'] as const) expect(replays[role].length).toBeGreaterThan(0);
  writes = recordWrites();
});

afterAll(async () => {
  logs.restore();
  if (process.env.RESILIENCE_VERBOSE)
    process.stdout.write(`fuzzed frames answered ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
  await Promise.all(Object.values(peers).map((peer) => peer.close()));
  await stack?.gateway.close();
  await fake?.stop();
});

// ---- generators ---------------------------------------------------------------------------------------------------

const ACTION_NAMES = webSocketRoutes.map((route) => route.routeKey);
const schemas: Record<string, unknown> = {
  ...Object.fromEntries(Object.entries(operatorActions).map(([name, action]) => [name, action.schema])),
  ...visitorActions,
};
/** The input fields each action's schema declares (every schema is a strict object). */
function fieldsOf(action: string): string[] {
  const shape = (schemas[action] as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}
const FIELD_NAMES = [...new Set(ACTION_NAMES.flatMap(fieldsOf)), 'requestId', '__proto__', 'constructor'];

/** A frame shaped like the action's schema: its own fields, sometimes missing, mistyped or joined by strangers. */
const guidedFrame = fc
  .constantFrom(...ACTION_NAMES.filter((name) => !name.startsWith('$')))
  .chain((action) => {
    const fields = Object.fromEntries(
      fieldsOf(action).map((field) => [
        field,
        fc.oneof({ weight: 6, arbitrary: plausible(field) }, { weight: 1, arbitrary: anyValue }),
      ]),
    );
    return fc.record({
      action: fc.constant(action),
      requestId: fc.string({ minLength: 1, maxLength: 20 }),
      input: fc.record(fields, { requiredKeys: [] }),
      stranger: fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), anyValue), { freq: 8 }),
    });
  })
  .map(({ action, requestId, input, stranger }) =>
    JSON.stringify({ ...input, ...(stranger ? { [stranger[0]]: stranger[1] } : {}), action, requestId }),
  );

const objectFrame = fc
  .record(
    {
      action: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...ACTION_NAMES) },
        { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
      ),
      requestId: fc.oneof(
        { weight: 10, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
        { weight: 1, arbitrary: fc.string({ minLength: 60, maxLength: 80 }) },
      ),
      fields: fc.dictionary(
        fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELD_NAMES) }, fc.string({ maxLength: 12 })),
        anyValue,
        { maxKeys: 5 },
      ),
    },
    { requiredKeys: ['fields'] },
  )
  .map(({ fields, ...head }) => JSON.stringify({ ...fields, ...head }));

const rawFrame = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '',
    'null',
    '[]',
    '{}',
    '""',
    '{"action":"$connect","requestId":"x"}',
    '{"action":"$disconnect","requestId":"x"}',
    '{"action":"$default"}',
    '{"action":null,"requestId":null}',
    '{"action":"take","requestId":"x","ticketId":{"S":"x"}}',
    '{"action":"take","requestId":"x","ticketId":"x"',
    `${'['.repeat(3000)}${']'.repeat(3000)}`,
    '{"action":"counters","requestId":"x","__proto__":{"admin":true}}',
  ),
);

/** A real request for the next page, its cursor decoded, tampered with (lengths, separators, types) and re-encoded. */
const replayedFrame = (role: Role) =>
  fc
    .constant(null)
    .chain(() => fc.constantFrom(...replays[role]))
    .chain(({ action, input, cursor }) =>
      mutationsOf(
        JSON.parse(Buffer.from(cursor, 'base64url').toString()),
        fc.oneof(
          anyValue,
          fc.string({ minLength: 900, maxLength: 1600 }),
          fc.constantFrom('', '#', 'x#', 'x#cl_x.1', '0#cl_a.b.7', '~', 'Q#ALL', true, null),
        ),
      ).map((tampered) =>
        JSON.stringify({
          ...input,
          cursor: Buffer.from(JSON.stringify(tampered) ?? '').toString('base64url'),
          action,
          requestId: 'replay',
        }),
      ),
    );

/** A frame that would end the fuzzing visitor's session for good (chat.end; tested in test/e2e/security.test.ts). */
const endsSession = (raw: string) => /"action":"chat\.end"/.test(raw);

const frameArbFor = (role: Role) =>
  fc
    .oneof({ weight: 8, arbitrary: frameArb }, { weight: 2, arbitrary: replayedFrame(role) })
    .filter((raw) => Buffer.byteLength(raw) <= MAX_FRAME_BYTES && (role !== 'visitor' || !endsSession(raw)));

const frameArb = fc
  .oneof(
    { weight: 6, arbitrary: guidedFrame },
    { weight: 3, arbitrary: objectFrame },
    { weight: 1, arbitrary: rawFrame },
  )
  .filter((raw) => Buffer.byteLength(raw) <= MAX_FRAME_BYTES);

// ---- the property -------------------------------------------------------------------------------------------------

/** One fuzzed frame: an answer in the vocabulary, nothing written when refused, and the socket still serves. */
async function checkFrame(peer: Peer, raw: string, probe: () => Promise<Frame>): Promise<void> {
  peer.skipAll();
  const mark = writes.mark();
  peer.send(raw);
  const reply = await peer.nextReply();
  const outcome = reply.ok === true ? 'ok' : (reply.error?.code ?? 'none');
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  expect(reply.message, `gateway answered ${JSON.stringify(reply)} to ${raw.slice(0, 300)}`).toBeUndefined();
  expect(reply.type).toBe('reply');
  if (reply.ok !== true) {
    expect(CLIENT_ERROR_CODES, `${JSON.stringify(reply.error)} for ${raw.slice(0, 300)}`).toContain(reply.error?.code);
    expect(writes.since(mark), `a refused frame wrote: ${raw.slice(0, 300)}`).toEqual([]);
  }
  expect(peer.open).toBe(true);
  const followUp = await probe();
  expect(followUp.ok, JSON.stringify(followUp)).toBe(true);
}

const perCaseMs = 60;
/** How the fuzzed frames were answered, printed with RESILIENCE_VERBOSE=1 to see how deep the generators reach. */
const outcomes = new Map<string, number>();

describe('R1 fuzzing of WebSocket actions (every action of the route table)', () => {
  it('L2: tampered history cursors found by the fuzzer are refused as invalid, not failed in DynamoDB', async () => {
    const pk = keys.client(known.clients[3] as string).pk;
    const ticketPk = keys.client(known.clients[0] as string).pk;
    const cursorOf = (key: Record<string, string>) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const cursor of [
      cursorOf({ pk }),
      cursorOf({ pk, sk: 'M#', extra: 'x' }),
      cursorOf({ pk, sk: '' }),
      cursorOf({ pk, sk: `M#${'9'.repeat(1100)}` }),
    ]) {
      expect((await peers.visitor.call('chat.history', { cursor })).error?.code).toBe('invalid');
    }
    const history = await peers.admin.call('history', {
      ticketId: known.tickets[0],
      cursor: cursorOf({ pk: ticketPk, sk: 'ZZZ' }),
    });
    expect(history.error?.code).toBe('invalid');
  });

  it('the write recorder sees what the gateway’s handlers write', async () => {
    const mark = writes.mark();
    expect((await peers.admin.call('take', { ticketId: known.tickets[1] })).ok).toBe(true);
    expect(writes.since(mark).length).toBeGreaterThan(0);
  });

  it.each([
    ['an admin', 'admin'],
    ['an operator', 'operator'],
  ] as const)(
    'R1: frames from %s get ok or a vocabulary error, refused ones write nothing, the socket stays usable',
    async (_who, role) => {
      const peer = await openPeer(role);
      await fc.assert(
        fc.asyncProperty(frameArbFor(role), (raw) => checkFrame(peer, raw, () => peer.call('counters'))),
        runsOf(sizes.fuzzRuns),
      );
    },
    timeoutFor(sizes.fuzzRuns, perCaseMs),
  );

  it(
    'R1/CH1: frames from a widget visitor get ok or a vocabulary error, refused ones write nothing',
    async () => {
      const peer = await openPeer('visitor');
      await fc.assert(
        fc.asyncProperty(frameArbFor('visitor'), (raw) =>
          checkFrame(peer, raw, () => peer.call('chat.history', { limit: 1 })),
        ),
        runsOf(sizes.fuzzRuns),
      );
    },
    timeoutFor(sizes.fuzzRuns, perCaseMs),
  );

  it('T1/T12: after the fuzzing the table still holds together and no handler failed', async () => {
    expect(await invariantViolations()).toEqual([]);
    expect(gatewayLog.filter((line) => line.includes('failed'))).toEqual([]);
    expect(logs.errors).toEqual([]);
  });
});
