// The HTTP API under fuzzing: every route of the route table with generated methods, paths, headers and bodies.
import http from 'node:http';
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { httpRoutes } from '../../infra/routes';
import type { OperatorActor } from '../../shared/domain/actors';
import { actorOf, type Operator } from '../../shared/store/operators';
import { DEFAULT_SETTINGS } from '../../shared/store/settings';
import { createCategory } from '../../shared/use-cases/admin/categories';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import {
  type AuthGateway,
  seedGroup,
  seedOperator,
  seedWidgetChannel,
  startAuthGateway,
} from '../support/operator-auth';
import { useTestTable } from '../support/table';
import { emptyKnownIds, generatorsFor, hugeString, lazyPick, mutationsOf } from './generators';
import { CLIENT_ERROR_CODES, captureConsole, invariantViolations, recordWrites } from './harness';
import { runsOf, sizes, timeoutFor } from './scale';

const seedingAdmin: OperatorActor = { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] };

let stack: AuthGateway;
let fake: FakeChannels;
let writes: ReturnType<typeof recordWrites>;
let ada: Operator;
let olga: Operator;
let sam: Operator;
const gatewayLog: string[] = [];
const logs = captureConsole();
const known = emptyKnownIds();
const { anyValue, plausible, cursorLike, idLike } = generatorsFor(known);
/** GET requests that returned a next page, with their cursor. */
const replays: Array<{ path: string; cursor: string }> = [];
/** Authorization header values: real tokens of each role, and ones that prove nothing. */
const authorizations: Record<string, string | undefined> = {};

beforeAll(async () => {
  await useTestTable();
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
  ada = await seedOperator({ name: 'Ada', role: 'admin' });
  olga = await seedOperator({ name: 'Olga', groupIds: [first.groupId] });
  sam = await seedOperator({ name: 'Sam', role: 'supervisor' });
  for (const user of ['u1', 'u2', 'u3']) {
    const { ticket } = await ingestClientMessage({
      channelId: api.channelId,
      externalUserId: user,
      name: `Client ${user}`,
      clientType: 'crm',
      kind: 'text',
      text: 'hello',
      receivedAt: new Date(),
    });
    if (!ticket) throw new Error('seed ticket was not opened');
    known.tickets.push(ticket.ticketId);
    known.clients.push(ticket.clientId);
  }
  await runTicketCommand(actorOf(olga), known.tickets[0] as string, { type: 'take' });
  known.operators.push(olga.operatorId, sam.operatorId);
  known.groups.push(first.groupId, second.groupId);
  known.other.push(category.categoryId, widget.channelId, api.channelId);
  const bearer = async (operatorId: string) =>
    `Bearer ${await stack.tokens.mintAccessToken(operatorId, { expiresInSeconds: 4 * 3600 })}`;
  Object.assign(authorizations, {
    admin: await bearer(ada.operatorId),
    operator: await bearer(olga.operatorId),
    supervisor: await bearer(sam.operatorId),
    stranger: await bearer('op_nobody'),
    expired: `Bearer ${await stack.tokens.mintAccessToken(olga.operatorId, { expiresInSeconds: -60 })}`,
    garbage: 'Bearer not.a.jwt',
    basic: 'Basic YWRhOnNlY3JldA==',
    none: undefined,
  });
  // Real next-page requests, to be replayed with their cursor tampered.
  for (const path of [
    '/admin/operators?limit=1',
    '/admin/groups?limit=1',
    '/admin/channels?limit=1',
    '/tickets?tab=all&limit=1',
    `/tickets/${encodeURIComponent(known.tickets[0] as string)}/messages?limit=1`,
  ]) {
    const response = await send({ method: 'GET', path, headers: { authorization: authorizations.admin as string } });
    const cursor = (JSON.parse(response.text) as { nextCursor?: string }).nextCursor;
    if (cursor) replays.push({ path, cursor });
  }
  expect(replays.length).toBeGreaterThan(3);
  writes = recordWrites();
});

afterAll(async () => {
  logs.restore();
  await stack?.gateway.close();
  await fake?.stop();
});

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** node:http rather than fetch: fetch refuses GET bodies and some methods, and the gateway must cope with them. */
function send(request: RawRequest): Promise<{ status: number; text: string }> {
  const url = new URL(stack.gateway.httpUrl);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

// ---- generators ---------------------------------------------------------------------------------------------------

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const parameterOf = (segment: string) => /^\{(\w+)\}$/.exec(segment)?.[1];

/** A value for a path parameter: a real id of the right kind, another kind's, or something odd (encoded). */
function pathValue(parameter: string): fc.Arbitrary<string> {
  const pool: Record<string, () => string[]> = {
    ticketId: () => known.tickets,
    clientId: () => known.clients,
    operatorId: () => known.operators,
    groupId: () => known.groups,
    channelId: () => known.other,
    categoryId: () => known.other,
  };
  return fc
    .oneof(
      { weight: 5, arbitrary: lazyPick(pool[parameter] ?? (() => known.other)) },
      { weight: 3, arbitrary: idLike },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 300 }) },
    )
    .map((value) => (value === '' ? 'x' : encodeURIComponent(value)));
}

const pathOf = (template: string) =>
  fc
    .tuple(
      ...template
        .split('/')
        .slice(1)
        .map((segment) => {
          const parameter = parameterOf(segment);
          return parameter ? pathValue(parameter) : fc.constant(segment);
        }),
    )
    .map((segments) => `/${segments.join('/')}`);

const queryString = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom('limit', 'cursor', 'tab', 'status', 'groupId', 'operatorId', 'afterSeq', 'kind'),
      fc.string({ maxLength: 8 }),
    ),
    fc.oneof(fc.string({ maxLength: 30 }), cursorLike, plausible('limit').map(String)),
    { maxKeys: 4 },
  )
  .map((query) => {
    const text = new URLSearchParams(query).toString();
    return text ? `?${text}` : '';
  });

const bodyOf = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc
      .dictionary(
        fc.constantFrom('operatorId', 'groupId', 'categoryId', 'text', 'typing', 'name', 'email', 'role', 'x'),
        anyValue,
        { maxKeys: 4 },
      )
      .map((body) => Buffer.from(JSON.stringify(body))),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((text) => Buffer.from(text)) },
  { weight: 1, arbitrary: hugeString.map((text) => Buffer.from(JSON.stringify({ text }))) },
);

const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
const headersOf = fc
  .record({
    auth: fc.constantFrom('admin', 'operator', 'supervisor', 'stranger', 'expired', 'garbage', 'basic', 'none'),
    contentType: fc.option(
      fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; x=y'),
    ),
    extra: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,10}$/), headerValue, { maxKeys: 2 }),
  })
  .map(({ auth, contentType, extra }) => ({
    ...extra,
    ...(authorizations[auth] ? { authorization: authorizations[auth] as string } : {}),
    ...(contentType ? { 'content-type': contentType } : {}),
  }));

/** A real next-page request with its cursor decoded, tampered with and re-encoded: refused with a 400, never a 500. */
const replayedRequest = fc
  .constant(null)
  .chain(() => fc.constantFrom(...replays))
  .chain(({ path, cursor }) =>
    mutationsOf(
      JSON.parse(Buffer.from(cursor, 'base64url').toString()),
      fc.oneof(anyValue, fc.string({ minLength: 900, maxLength: 1500 }), fc.constantFrom('', '#', 'x#', '~', 'A')),
    ).map(
      (tampered): RawRequest => ({
        method: 'GET',
        path: `${path}&cursor=${Buffer.from(JSON.stringify(tampered) ?? '').toString('base64url')}`,
        headers: { authorization: authorizations.admin as string },
      }),
    ),
  );

const routeRequest = fc
  .constantFrom(...httpRoutes)
  .chain((route) =>
    fc.record({
      method: fc.oneof({ weight: 5, arbitrary: fc.constant(route.method as string) }, fc.constantFrom(...METHODS)),
      path: pathOf(route.path),
      query: queryString,
      headers: headersOf,
      body: bodyOf,
    }),
  )
  .map(
    ({ method, path, query, headers, body }): RawRequest => ({
      method,
      path: `${path}${query}`,
      headers,
      ...(body && method !== 'HEAD' ? { body } : {}),
    }),
  );

/** Admin routes (O4) as an admin, with mutations of a valid body for the route. */
function adminExample(method: string, path: string): unknown | undefined {
  const group = known.groups[0] as string;
  const examples: Record<string, unknown> = {
    'POST /admin/operators': {
      name: 'Nina',
      email: 'nina@example.com',
      role: 'operator',
      groupIds: [group],
      capacity: 3,
    },
    'PATCH /admin/operators/{operatorId}': { name: 'Olga P.', groupIds: [group], capacity: 4, enabled: true },
    'POST /admin/groups': { name: 'Third line', strategy: 'least_busy' },
    'PATCH /admin/groups/{groupId}': { name: 'First line, renamed', strategy: 'round_robin' },
    'POST /admin/channels': {
      kind: 'api',
      name: 'ERP',
      defaultGroupId: group,
      settings: { callbackUrl: 'https://erp.example/cb' },
      overrides: { autoCloseMinutes: 90 },
    },
    'PATCH /admin/channels/{channelId}': { name: 'CRM 2', overrides: {}, settings: {} },
    'POST /admin/categories': { name: 'Refunds' },
    'PATCH /admin/categories/{categoryId}': { name: 'Refunds 2' },
    'PUT /admin/settings': JSON.parse(JSON.stringify(DEFAULT_SETTINGS)),
  };
  return examples[`${method} ${path}`];
}

const adminRequest = fc
  .constantFrom(...httpRoutes.filter((route) => route.path.startsWith('/admin/')))
  .chain((route) => {
    const example = adminExample(route.method, route.path);
    return fc.record({
      method: fc.constant(route.method as string),
      // The calling admin is not among the known operators: a fuzzed patch demoting it would end the run's reach.
      path: pathOf(route.path),
      body:
        example === undefined
          ? bodyOf
          : mutationsOf(example, anyValue).map((body) =>
              body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
            ),
      query: queryString,
    });
  })
  .map(
    ({ method, path, body, query }): RawRequest => ({
      method,
      path: `${path}${query}`,
      headers: { authorization: authorizations.admin as string, 'content-type': 'application/json' },
      ...(body ? { body } : {}),
    }),
  );

// ---- the properties -----------------------------------------------------------------------------------------------

const statuses = new Map<number, number>();

/** No 5xx; an error body in the vocabulary; a refused request wrote nothing. */
async function checkRequest(request: RawRequest): Promise<number> {
  const mark = writes.mark();
  const { status, text } = await send(request);
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const what = `${request.method} ${request.path.slice(0, 200)} ${request.body?.toString().slice(0, 200) ?? ''}`;
  expect(status, `${what} → ${status} ${text.slice(0, 300)}`).toBeLessThan(500);
  if (status >= 400) {
    expect(writes.since(mark), `refused ${what} wrote`).toEqual([]);
    const error = (JSON.parse(text || 'null') as { error?: { code?: string } } | null)?.error;
    // Gateway refusals (401 before the handler, 404 for no route) carry API Gateway's own `{message}`.
    if (error) expect(CLIENT_ERROR_CODES).toContain(error.code);
  }
  return status;
}

afterAll(() => {
  if (process.env.RESILIENCE_VERBOSE)
    process.stdout.write(`fuzzed HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
});

const perCaseMs = 60;

describe('HTTP API fuzzing (every route of the route table)', () => {
  it('O4: ids longer than any id, found by the fuzzer, are refused with a 400 instead of failing in DynamoDB', async () => {
    const long = 'x'.repeat(2100);
    const olgaPath = `/admin/operators/${olga.operatorId}`;
    const cases: Array<[string, string, unknown?]> = [
      ['POST', '/admin/operators', { name: 'N', email: 'n@example.com', groupIds: [long] }],
      ['PATCH', olgaPath, { groupIds: [long] }],
      [
        'POST',
        '/admin/channels',
        { kind: 'api', name: 'c', defaultGroupId: long, settings: { callbackUrl: 'https://a.example/cb' } },
      ],
      ['PUT', '/admin/settings', { privacyConsent: { enabled: false, excludedChannelIds: [long] } }],
      [
        'PUT',
        '/admin/settings',
        { sla: { default: { deadlineSeconds: 60 }, perChannel: { [long]: { deadlineSeconds: 60 } } } },
      ],
      ['GET', `/admin/groups/${long}`],
      ['GET', `/admin/operators/${long}`],
      ['GET', `/admin/channels/${long}`],
      ['PATCH', `/admin/categories/${long}`, { name: 'z' }],
      ['POST', `/widget/${long}/session`, {}],
      ['POST', `/channels/${long}/webhook`, {}],
    ];
    for (const [method, path, body] of cases) {
      const request: RawRequest = {
        method,
        path,
        headers: { authorization: authorizations.admin as string, 'content-type': 'application/json' },
        ...(body ? { body: Buffer.from(JSON.stringify(body)) } : {}),
      };
      expect(await checkRequest(request), `${method} ${path.slice(0, 40)}`).toBe(400);
    }
  });

  it(
    'R1/O4: generated methods, paths, headers and bodies never get a 5xx, and refused ones write nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 9, arbitrary: routeRequest }, replayedRequest), async (request) => {
          await checkRequest(request);
        }),
        runsOf(sizes.fuzzRuns),
      );
    },
    timeoutFor(sizes.fuzzRuns, perCaseMs),
  );

  it(
    'O4: admin routes called by an admin with mutated bodies answer 2xx or 4xx only',
    async () => {
      await fc.assert(
        fc.asyncProperty(adminRequest, async (request) => {
          expect([2, 4]).toContain(Math.floor((await checkRequest(request)) / 100));
        }),
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
