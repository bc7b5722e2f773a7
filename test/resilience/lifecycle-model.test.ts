// T1–T12 model-based: fast-check command sequences on a ticket model vs. the real use cases, with a virtual clock.
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiSignatureHeaders } from '../../shared/channels/api';
import type { OperatorActor } from '../../shared/domain/actors';
import { DomainError } from '../../shared/domain/errors';
import { clientIdFor } from '../../shared/store/clients';
import { actorOf, type Operator } from '../../shared/store/operators';
import { settingsSchema } from '../../shared/store/settings';
import { readClientHead } from '../../shared/store/tickets';
import { fireDueTimers } from '../../shared/store/timers';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { replaceSettings } from '../../shared/use-cases/admin/settings';
import { receiveWebhook } from '../../shared/use-cases/channel-webhook';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { markRead } from '../../shared/use-cases/operator-replies';
import { type CommandRequest, runTicketCommand, startOutbound } from '../../shared/use-cases/ticket-commands';
import { syncTicket } from '../../shared/use-cases/ticket-reads';
import { timerJobs } from '../../shared/use-cases/timer-jobs';
import { type AuthGateway, seedOperator, startAuthGateway } from '../support/operator-auth';
import { connect, type Peer } from '../support/peer';
import {
  captureConsole,
  counterRecountViolations,
  dropTable,
  freshTable,
  invariantViolations,
  scanTable,
  sleep,
} from './harness';
import { runsOf, sizes, timeoutFor } from './scale';

const seedingAdmin: OperatorActor = { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] };
/** T11 periods of the model's world: the channel's own in-progress period, the tenant's unassigned one. */
const IN_PROGRESS_MS = 30 * 60_000;
const UNASSIGNED_MS = 86_400_000;
/** CH2: redeliveries are only deduplicated within a week; the model redelivers well inside it. */
const REDELIVERY_WINDOW_MS = 6 * 86_400_000;
const USERS = ['u0', 'u1', 'u2', 'u3'] as const;
const OPERATORS = ['anna', 'boris', 'carl', 'olga', 'sue'] as const;
type OperatorName = (typeof OPERATORS)[number];
type GroupName = 'A' | 'B';
type Status = 'unassigned' | 'in_progress' | 'closed';
type Outcome = 'ok' | 'forbidden' | 'conflict' | 'not_found';

// ---- the model ----------------------------------------------------------------------------------------------------

interface ModelTicket {
  ticketId: string;
  status: Status;
  group: GroupName;
  assignee?: OperatorName;
  closedBy?: OperatorName;
  lastMessageAt: number;
  unread: number;
  /** When it last became in progress (taken, assigned, started): a take within T4's race window hears who won. */
  inProgressSince?: number;
}

interface ModelClient {
  exists: boolean;
  latest?: ModelTicket;
  ticketCount: number;
  clientMessages: number;
}

interface Model {
  clients: ModelClient[];
  deliveries: { user: number; messageId: string; at: number }[];
}

/** Who the model's operators are: groups and whether they are staff (supervisor). */
const ROSTER: Record<OperatorName, { groups: GroupName[]; staff: boolean }> = {
  anna: { groups: ['A'], staff: false },
  boris: { groups: ['A'], staff: false },
  carl: { groups: ['B'], staff: false },
  olga: { groups: [], staff: false },
  sue: { groups: [], staff: true },
};

/** T4/X1: how long after a take its loser still hears who won (a later take of a hidden ticket is forbidden). */
const TAKE_RACE_WINDOW_MS = 60_000;

/** L1 as the model sees it. */
function canSee(who: OperatorName, ticket: Pick<ModelTicket, 'status' | 'group' | 'assignee' | 'closedBy'>): boolean {
  const { groups, staff } = ROSTER[who];
  if (staff || ticket.assignee === who || ticket.closedBy === who) return true;
  return ticket.status === 'unassigned' && (groups.length === 0 || groups.includes(ticket.group));
}

type TicketAction = 'view' | 'take' | 'assign' | 'transfer' | 'close' | 'unassign';

function authorized(who: OperatorName, action: TicketAction, ticket: ModelTicket): boolean {
  if (!canSee(who, ticket)) return false;
  if (ROSTER[who].staff || action === 'view' || action === 'take') return true;
  if (action === 'unassign') return ticket.status === 'in_progress' && ticket.assignee === who;
  return ticket.status === 'unassigned' || ticket.assignee === who;
}

type Request =
  | { type: 'take' }
  | { type: 'assign'; to: OperatorName }
  | { type: 'transfer'; group: GroupName }
  | { type: 'unassign' }
  | { type: 'close' };

/** The model's answer to a ticket command: the outcome and, when it succeeds, the ticket after it. */
function predict(
  who: OperatorName,
  ticket: ModelTicket,
  request: Request,
  now: number,
): { outcome: Outcome; after?: ModelTicket } {
  const offered: ModelTicket = { ...ticket, status: 'unassigned' };
  delete offered.assignee;
  // T4/X1: a take is judged on the ticket as offered only while its take is recent; an older owner stays hidden.
  const justTaken = ticket.status === 'in_progress' && (ticket.inProgressSince ?? 0) >= now - TAKE_RACE_WINDOW_MS;
  const base = request.type === 'take' && (ticket.status !== 'in_progress' || justTaken) ? offered : ticket;
  if (!authorized(who, request.type, base)) return { outcome: 'forbidden' };
  if (ticket.status === 'closed') return { outcome: 'conflict' };
  switch (request.type) {
    case 'take':
      if (ticket.status === 'in_progress') return { outcome: 'conflict' };
      return { outcome: 'ok', after: { ...ticket, status: 'in_progress', assignee: who, inProgressSince: now } };
    case 'assign': {
      const shares = ROSTER[request.to].groups.some((group) => ROSTER[who].groups.includes(group));
      if (!ROSTER[who].staff && request.to !== who && !shares) return { outcome: 'forbidden' };
      if (ticket.assignee === request.to) return { outcome: 'conflict' };
      return { outcome: 'ok', after: { ...ticket, status: 'in_progress', assignee: request.to, inProgressSince: now } };
    }
    case 'transfer': {
      if (ticket.group === request.group && ticket.assignee === undefined) return { outcome: 'conflict' };
      const after: ModelTicket = { ...ticket, status: 'unassigned', group: request.group };
      delete after.assignee;
      return { outcome: 'ok', after };
    }
    case 'unassign': {
      if (ticket.status !== 'in_progress') return { outcome: 'conflict' };
      const after: ModelTicket = { ...ticket, status: 'unassigned' };
      delete after.assignee;
      return { outcome: 'ok', after };
    }
    case 'close':
      return { outcome: 'ok', after: { ...ticket, status: 'closed', closedBy: who, unread: 0 } };
  }
}

const deadlineOf = (ticket: ModelTicket) =>
  ticket.lastMessageAt + (ticket.status === 'in_progress' ? IN_PROGRESS_MS : UNASSIGNED_MS);

// ---- the real world -----------------------------------------------------------------------------------------------

interface World {
  tableName: string;
  clock: number;
  operators: Record<OperatorName, Operator>;
  groups: Record<GroupName, string>;
  channelId: string;
  secret: string;
  supervisor: Peer;
  nextMessage: number;
  /** Timers found due yet left unfired by a sweep: T11 broken. */
  stuckTimers: string[];
}

let stack: AuthGateway;
let endpoint: string;
const logs = captureConsole();

beforeAll(async () => {
  endpoint = inject('dynamoEndpoint');
  await freshTable(endpoint);
  stack = await startAuthGateway();
});

afterAll(async () => {
  logs.restore();
  await stack?.gateway.close();
});

async function newWorld(): Promise<World> {
  const tableName = await freshTable(endpoint);
  const groups = {
    A: (await createGroup(seedingAdmin, { name: 'First line', strategy: 'manual' })).groupId,
    B: (await createGroup(seedingAdmin, { name: 'Second line', strategy: 'manual' })).groupId,
  };
  const channel = await createChannel(seedingAdmin, {
    kind: 'api',
    name: 'CRM',
    defaultGroupId: groups.A,
    enabled: true,
    settings: { callbackUrl: 'http://127.0.0.1:9/unused' },
    overrides: { autoCloseMinutes: IN_PROGRESS_MS / 60_000 },
  });
  await replaceSettings(
    seedingAdmin,
    settingsSchema.parse({ autoClose: { inProgressMinutes: 60, unassignedDays: UNASSIGNED_MS / 86_400_000 } }),
  );
  const operators = {} as Record<OperatorName, Operator>;
  for (const name of OPERATORS) {
    operators[name] = await seedOperator({
      name,
      role: ROSTER[name].staff ? 'supervisor' : 'operator',
      groupIds: ROSTER[name].groups.map((group) => groups[group]),
    });
  }
  const token = await stack.tokens.mintAccessToken(operators.sue.operatorId);
  const supervisor = await connect(`${stack.gateway.wsUrl}?token=${encodeURIComponent(token)}`);
  return {
    tableName,
    clock: Date.now(),
    operators,
    groups,
    channelId: channel.channelId,
    secret: channel.webhookSecret,
    supervisor,
    nextMessage: 0,
    stuckTimers: [],
  };
}

const clientOf = (world: World, user: number) => clientIdFor(world.channelId, USERS[user] as string);
const actor = (world: World, who: OperatorName) => actorOf(world.operators[who]);

/** Runs a use case and turns a domain refusal into its code; anything else is a failure of the test. */
async function outcomeOf<T>(work: Promise<T>): Promise<{ outcome: Outcome; value?: T }> {
  try {
    return { outcome: 'ok', value: await work };
  } catch (error) {
    if (error instanceof DomainError && ['forbidden', 'conflict', 'not_found'].includes(error.code)) {
      return { outcome: error.code as Outcome };
    }
    throw error;
  }
}

/**
 * Moves the virtual clock, firing every timer due on the way as the minutely `timers` schedule would: each at its due
 * time (or at the last sweep, whichever is later). A due timer that a sweep does not fire is recorded as stuck.
 */
async function advance(model: Model, world: World, byMs: number): Promise<void> {
  const target = world.clock + byMs;
  let cursor = world.clock;
  const stuck = new Set<string>();
  for (;;) {
    const due = (await scanTable())
      .filter((item) => item.type === 'timer' && Date.parse(item.due as string) <= target)
      .filter((item) => !stuck.has(`${item.pk}/${item.sk}`))
      .sort((a, b) => Date.parse(a.due as string) - Date.parse(b.due as string));
    const next = due[0];
    if (!next) break;
    const at = Math.max(Date.parse(next.due as string), cursor);
    await fireDueTimers(new Date(at), timerJobs);
    cursor = at;
    const left = (await scanTable()).some((item) => item.pk === next.pk && item.sk === next.sk);
    if (left) {
      stuck.add(`${next.pk}/${next.sk}`);
      world.stuckTimers.push(`${next.id} due ${next.due}, swept at ${new Date(at).toISOString()}`);
    }
  }
  world.clock = target;
  for (const client of model.clients) {
    const ticket = client.latest;
    if (ticket && ticket.status !== 'closed' && deadlineOf(ticket) <= target) {
      client.latest = { ...ticket, status: 'closed', unread: 0 };
    }
  }
}

/** The client as stored against the model's view of it. */
async function expectClientMatches(model: Model, world: World, user: number, context: string): Promise<void> {
  const expected = model.clients[user] as ModelClient;
  const { client, latest } = await readClientHead(clientOf(world, user));
  const name = (operatorId: string | undefined) =>
    OPERATORS.find((who) => world.operators[who].operatorId === operatorId);
  const group = (groupId: string | undefined) =>
    groupId === world.groups.A ? 'A' : groupId === world.groups.B ? 'B' : groupId;
  expect(
    {
      exists: client !== undefined,
      ticketCount: client?.ticketCount ?? 0,
      ticketId: latest?.ticketId,
      status: latest?.status,
      group: group(latest?.groupId),
      assignee: name(latest?.assigneeId),
      unread: latest?.unreadCount,
    },
    context,
  ).toEqual({
    exists: expected.exists,
    ticketCount: expected.ticketCount,
    ticketId: expected.latest?.ticketId,
    status: expected.latest?.status,
    group: expected.latest?.group,
    assignee: expected.latest?.assignee,
    unread: expected.latest?.unread,
  });
}

// ---- commands -----------------------------------------------------------------------------------------------------

type Body = (model: Model, world: World) => Promise<void>;

/** Every command first lets `gapMs` of virtual time pass (timers fire), then acts. */
class Step implements fc.AsyncCommand<Model, World> {
  constructor(
    private readonly label: string,
    private readonly gapMs: number,
    private readonly body: Body,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, world: World): Promise<void> {
    await advance(model, world, this.gapMs);
    await this.body(model, world);
  }
  toString(): string {
    return `${this.label} (+${Math.round(this.gapMs / 1000)}s)`;
  }
}

/** T1: a client message; the open ticket gets it, or a new unassigned one opens in the default group. */
function expectMessage(model: Model, world: World, user: number, ticketId: string | undefined, opened: boolean) {
  const client = model.clients[user] as ModelClient;
  const wasOpen = client.latest !== undefined && client.latest.status !== 'closed';
  expect(opened, `${USERS[user]}: opened`).toBe(!wasOpen);
  client.exists = true;
  client.clientMessages++;
  if (wasOpen && client.latest) {
    client.latest = { ...client.latest, unread: client.latest.unread + 1, lastMessageAt: world.clock };
  } else {
    client.ticketCount++;
    client.latest = {
      ticketId: ticketId as string,
      status: 'unassigned',
      group: 'A',
      lastMessageAt: world.clock,
      unread: 1,
    };
  }
}

function webhookRequest(world: World, user: number, messageId: string) {
  const rawBody = Buffer.from(
    JSON.stringify({
      type: 'message',
      messageId,
      user: { id: USERS[user], name: `Client ${USERS[user]}` },
      text: 'hi',
    }),
  );
  const receivedAt = new Date(world.clock);
  return {
    method: 'POST' as const,
    headers: apiSignatureHeaders(world.secret, rawBody, receivedAt),
    query: {},
    rawBody,
    receivedAt,
    sourceIp: '127.0.0.1',
  };
}

async function deliver(
  world: World,
  user: number,
  messageId: string,
): Promise<{ messages: number; duplicates: number }> {
  const response = await receiveWebhook(world.channelId, webhookRequest(world, user, messageId));
  expect(response.status).toBe(200);
  return JSON.parse(response.body ?? '{}') as { messages: number; duplicates: number };
}

const gap = fc.integer({ min: 1, max: 400 }).map((seconds) => seconds * 1000);
const userArb = fc.nat(USERS.length - 1);
const operatorArb = fc.constantFrom(...OPERATORS);

const messageCommand = fc.record({ gap, user: userArb, viaWebhook: fc.boolean() }).map(
  ({ gap, user, viaWebhook }) =>
    new Step(`message ${USERS[user]}${viaWebhook ? ' (webhook)' : ''}`, gap, async (model, world) => {
      if (viaWebhook) {
        const messageId = `m-${++world.nextMessage}`;
        expect(await deliver(world, user, messageId)).toMatchObject({ messages: 1, duplicates: 0 });
        model.deliveries.push({ user, messageId, at: world.clock });
        const wasOpen = model.clients[user]?.latest && model.clients[user]?.latest?.status !== 'closed';
        const { latest } = await readClientHead(clientOf(world, user));
        expectMessage(model, world, user, latest?.ticketId, !wasOpen);
      } else {
        const result = await ingestClientMessage({
          channelId: world.channelId,
          externalUserId: USERS[user] as string,
          name: `Client ${USERS[user]}`,
          clientType: 'crm',
          kind: 'text',
          text: 'hello',
          receivedAt: new Date(world.clock),
        });
        expectMessage(model, world, user, result.ticket?.ticketId, result.opened);
      }
      await expectClientMatches(model, world, user, 'after a message');
    }),
);

/** CH2: a channel redelivers a message it already delivered: acknowledged, stored once. */
const redeliverCommand = fc.record({ gap, pick: fc.nat() }).map(
  ({ gap, pick }) =>
    new Step(`redeliver #${pick}`, gap, async (model, world) => {
      const fresh = model.deliveries.filter((delivery) => world.clock - delivery.at < REDELIVERY_WINDOW_MS);
      const delivery = fresh[pick % Math.max(fresh.length, 1)];
      if (!delivery) return;
      expect(await deliver(world, delivery.user, delivery.messageId)).toMatchObject({ messages: 0, duplicates: 1 });
      await expectClientMatches(model, world, delivery.user, 'after a redelivery');
    }),
);

/** CH2: the same new message delivered twice at once: one is stored, the other acknowledged as a duplicate. */
const doubleDeliveryCommand = fc.record({ gap, user: userArb }).map(
  ({ gap, user }) =>
    new Step(`double delivery ${USERS[user]}`, gap, async (model, world) => {
      const messageId = `m-${++world.nextMessage}`;
      const wasOpen = model.clients[user]?.latest && model.clients[user]?.latest?.status !== 'closed';
      const answers = await Promise.all([deliver(world, user, messageId), deliver(world, user, messageId)]);
      expect(answers.map((answer) => answer.messages).sort()).toEqual([0, 1]);
      model.deliveries.push({ user, messageId, at: world.clock });
      const { latest } = await readClientHead(clientOf(world, user));
      expectMessage(model, world, user, latest?.ticketId, !wasOpen);
      await expectClientMatches(model, world, user, 'after a double delivery');
    }),
);

const requestArb: fc.Arbitrary<Request> = fc.oneof(
  fc.constant({ type: 'take' as const }),
  operatorArb.map((to) => ({ type: 'assign' as const, to })),
  fc.constantFrom<GroupName>('A', 'B').map((group) => ({ type: 'transfer' as const, group })),
  fc.constant({ type: 'unassign' as const }),
  fc.constant({ type: 'close' as const }),
);

function toCommandRequest(world: World, request: Request): CommandRequest {
  switch (request.type) {
    case 'assign':
      return { type: 'assign', operatorId: world.operators[request.to].operatorId };
    case 'transfer':
      return { type: 'transfer', groupId: world.groups[request.group] };
    default:
      return request;
  }
}

/** T4–T8: one operator command on the client's latest ticket, with the outcome the model predicts. */
const ticketCommand = fc.record({ gap, user: userArb, who: operatorArb, request: requestArb }).map(
  ({ gap, user, who, request }) =>
    new Step(`${who} ${JSON.stringify(request)} on ${USERS[user]}`, gap, async (model, world) => {
      const client = model.clients[user] as ModelClient;
      if (!client.latest) return;
      const expected = predict(who, client.latest, request, world.clock);
      const { outcome } = await outcomeOf(
        runTicketCommand(
          actor(world, who),
          client.latest.ticketId,
          toCommandRequest(world, request),
          new Date(world.clock),
        ),
      );
      expect(outcome, `${who} ${request.type} on ${JSON.stringify(client.latest)}`).toBe(expected.outcome);
      if (expected.after) client.latest = expected.after;
      await expectClientMatches(model, world, user, `after ${who} ${request.type}`);
    }),
);

/** T4: several operators take the same ticket at once: at most one wins, the others are told why not. */
const raceTakeCommand = fc
  .record({ gap, user: userArb, takers: fc.array(operatorArb, { minLength: 2, maxLength: 4 }) })
  .map(
    ({ gap, user, takers }) =>
      new Step(`race take ${takers.join('+')} on ${USERS[user]}`, gap, async (model, world) => {
        const client = model.clients[user] as ModelClient;
        const ticket = client.latest;
        if (!ticket) return;
        const results = await Promise.all(
          takers.map((who) =>
            outcomeOf(runTicketCommand(actor(world, who), ticket.ticketId, { type: 'take' }, new Date(world.clock))),
          ),
        );
        const alone = takers.map((who) => predict(who, ticket, { type: 'take' }, world.clock).outcome);
        const winners = results.flatMap((result, index) => (result.outcome === 'ok' ? [index] : []));
        expect(winners.length, `takes ${JSON.stringify(results)}`).toBe(alone.includes('ok') ? 1 : 0);
        results.forEach((result, index) => {
          if (winners.includes(index)) expect(alone[index]).toBe('ok');
          else expect(result.outcome, `${takers[index]}`).toBe(alone[index] === 'ok' ? 'conflict' : alone[index]);
        });
        const winner = winners[0] === undefined ? undefined : takers[winners[0]];
        if (winner) {
          client.latest = { ...ticket, status: 'in_progress', assignee: winner, inProgressSince: world.clock };
        }
        await expectClientMatches(model, world, user, 'after a take race');
      }),
  );

/** T8/T11: a close racing client messages loses none of them: each lands before the close or in one new ticket. */
const raceCloseCommand = fc
  .record({ gap, user: userArb, who: operatorArb, messages: fc.integer({ min: 1, max: 4 }) })
  .map(
    ({ gap, user, who, messages }) =>
      new Step(`race close by ${who} with ${messages} messages on ${USERS[user]}`, gap, async (model, world) => {
        const client = model.clients[user] as ModelClient;
        const ticket = client.latest;
        if (!ticket || predict(who, ticket, { type: 'close' }, world.clock).outcome !== 'ok') return;
        const at = new Date(world.clock);
        const [closed, ...ingested] = await Promise.all([
          outcomeOf(runTicketCommand(actor(world, who), ticket.ticketId, { type: 'close' }, at)),
          ...Array.from({ length: messages }, () =>
            outcomeOf(
              ingestClientMessage({
                channelId: world.channelId,
                externalUserId: USERS[user] as string,
                name: `Client ${USERS[user]}`,
                clientType: 'crm',
                kind: 'text',
                text: 'are you there?',
                receivedAt: at,
              }),
            ),
          ),
        ]);
        expect(closed?.outcome).toBe('ok');
        expect(ingested.map((result) => result.outcome)).toEqual(ingested.map(() => 'ok'));
        // The model adopts where the messages landed; the invariants check nothing was lost or misplaced.
        const { client: stored, latest } = await readClientHead(clientOf(world, user));
        const reopened = latest?.ticketId !== ticket.ticketId;
        expect((stored?.ticketCount ?? 0) - client.ticketCount).toBe(reopened ? 1 : 0);
        client.ticketCount = stored?.ticketCount ?? client.ticketCount;
        client.clientMessages += messages;
        client.latest = reopened
          ? {
              ticketId: latest?.ticketId as string,
              status: 'unassigned',
              group: 'A',
              lastMessageAt: world.clock,
              unread: latest?.unreadCount ?? 0,
            }
          : { ...ticket, status: 'closed', closedBy: who, unread: 0, lastMessageAt: world.clock };
        await expectClientMatches(model, world, user, 'after a close race');
      }),
  );

/** T9: an operator starts an outbound dialog. */
const startCommand = fc.record({ gap, user: userArb, who: operatorArb }).map(
  ({ gap, user, who }) =>
    new Step(`${who} starts ${USERS[user]}`, gap, async (model, world) => {
      const client = model.clients[user] as ModelClient;
      const latest = client.latest;
      const { groups } = ROSTER[who];
      // X1: whether the client may be seen is answered before whether it has an open ticket.
      const expected: Outcome = !client.exists
        ? 'not_found'
        : latest && !canSee(who, latest) && !groups.includes(latest.group) && groups.length > 0
          ? 'forbidden'
          : latest && latest.status !== 'closed'
            ? 'conflict'
            : 'ok';
      const { outcome, value } = await outcomeOf(
        startOutbound(actor(world, who), clientOf(world, user), new Date(world.clock)),
      );
      expect(outcome).toBe(expected);
      if (value) {
        client.ticketCount++;
        client.latest = {
          ticketId: value.ticketId,
          status: 'in_progress',
          group: latest?.group ?? 'A',
          assignee: who,
          lastMessageAt: world.clock,
          unread: 0,
          inProgressSince: world.clock,
        };
      }
      await expectClientMatches(model, world, user, `after ${who} starts`);
    }),
);

/** M6: an operator who can see the ticket reads it. */
const readCommand = fc.record({ gap, user: userArb, who: operatorArb }).map(
  ({ gap, user, who }) =>
    new Step(`${who} reads ${USERS[user]}`, gap, async (model, world) => {
      const client = model.clients[user] as ModelClient;
      if (!client.latest) return;
      const expected: Outcome = canSee(who, client.latest) ? 'ok' : 'forbidden';
      const { outcome } = await outcomeOf(markRead(actor(world, who), client.latest.ticketId));
      expect(outcome).toBe(expected);
      if (outcome === 'ok') client.latest = { ...client.latest, unread: 0 };
      await expectClientMatches(model, world, user, `after ${who} reads`);
    }),
);

/** T11: time passes (31 minutes, 2 hours or a day); the timers fire on the way. */
const timeCommand = fc.constantFrom(31 * 60, 2 * 3600, 25 * 3600).map(
  (seconds) =>
    new Step(`time passes`, seconds * 1000, async (model, world) => {
      for (const user of USERS.keys()) await expectClientMatches(model, world, user, 'after time passed');
    }),
);

const commands = fc.commands(
  [
    messageCommand,
    messageCommand,
    redeliverCommand,
    doubleDeliveryCommand,
    ticketCommand,
    ticketCommand,
    ticketCommand,
    raceTakeCommand,
    raceCloseCommand,
    startCommand,
    readCommand,
    timeCommand,
  ],
  // fast-check's default size stops at about 10 commands; lifecycles need longer sequences.
  { maxCommands: sizes.modelMaxCommands, size: 'medium' },
);

// ---- the run's invariants -----------------------------------------------------------------------------------------

/** R2: the supervisor saw every change of every ticket, its sequence numbers without a gap. */
async function eventGaps(world: World): Promise<string[]> {
  const tickets = (await scanTable()).filter((item) => item.type === 'ticket');
  const deadline = Date.now() + 5_000;
  for (;;) {
    const gaps: string[] = [];
    for (const ticket of tickets) {
      const seen = new Set(
        world.supervisor.frames
          .filter((frame) => frame.type === 'event' && frame.data?.ticketId === ticket.ticketId)
          .map((frame) => frame.data?.seq),
      );
      const missing = Array.from({ length: ticket.seq as number }, (_, index) => index + 1).filter(
        (seq) => !seen.has(seq),
      );
      if (missing.length) gaps.push(`ticket ${ticket.ticketId} (seq ${ticket.seq}): no event for seq ${missing}`);
    }
    if (!gaps.length || Date.now() > deadline) return gaps;
    await sleep(50);
  }
}

/**
 * R2: every message and note of a ticket has a seq of its own, none ahead of the ticket's, and later changes take
 * larger seqs (the timeline's notes, written on the model's clock, come in seq order).
 */
async function seqViolations(): Promise<string[]> {
  const items = await scanTable();
  const violations: string[] = [];
  for (const ticket of items.filter((item) => item.type === 'ticket')) {
    const own = items
      .filter((item) => item.type === 'message' && item.ticketId === ticket.ticketId)
      .sort((a, b) => (a.seq as number) - (b.seq as number));
    const seqs = own.map((message) => message.seq as number);
    if (new Set(seqs).size !== seqs.length) violations.push(`ticket ${ticket.ticketId}: seqs repeat (${seqs})`);
    if (seqs.some((seq) => seq < 1 || seq > (ticket.seq as number))) {
      violations.push(`ticket ${ticket.ticketId}: seqs ${seqs} outside 1..${ticket.seq}`);
    }
    const notes = own.filter((message) => message.kind === 'system').map((message) => message.createdAt as string);
    if (notes.some((at, index) => index > 0 && at < (notes[index - 1] as string))) {
      violations.push(`ticket ${ticket.ticketId}: a later note has an earlier seq (${notes})`);
    }
  }
  return violations;
}

/** R2: `sync` from any seq of any ticket returns exactly the messages and notes changed after it, in seq order. */
async function syncViolations(world: World): Promise<string[]> {
  const items = await scanTable();
  const violations: string[] = [];
  const staff = actor(world, 'sue');
  for (const ticket of items.filter((item) => item.type === 'ticket')) {
    const ticketId = ticket.ticketId as string;
    const own = items.filter((item) => item.type === 'message' && item.ticketId === ticketId);
    for (let afterSeq = 0; afterSeq <= (ticket.seq as number); afterSeq++) {
      const expected = own
        .filter((message) => (message.seq as number) > afterSeq)
        .sort((a, b) => (a.seq as number) - (b.seq as number))
        .map((message) => message.messageId);
      const got: string[] = [];
      let after = afterSeq;
      for (;;) {
        const reply = await syncTicket(staff, ticketId, after);
        got.push(...reply.messages.map((message) => message.messageId));
        if (!reply.more || reply.nextAfterSeq === undefined) break;
        after = reply.nextAfterSeq;
      }
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        violations.push(`ticket ${ticketId}: sync after ${afterSeq} gave ${got.length}, expected ${expected.length}`);
      }
    }
  }
  return violations;
}

async function clientMessageCounts(world: World): Promise<number[]> {
  const items = await scanTable();
  return USERS.map(
    (_, user) =>
      items.filter(
        (item) =>
          item.type === 'message' &&
          item.clientId === clientOf(world, user) &&
          (item.author as { kind?: string } | undefined)?.kind === 'client',
      ).length,
  );
}

describe('T1–T12 lifecycle against a model', () => {
  it('T11: a ticket taken after its silence already ran out still closes (its timer is not written into the past)', async () => {
    const world = await newWorld();
    try {
      const model: Model = {
        clients: USERS.map(() => ({ exists: false, ticketCount: 0, clientMessages: 0 })),
        deliveries: [],
      };
      const script = [
        new Step('message u0', 1_000, async (m, w) => {
          const result = await ingestClientMessage({
            channelId: w.channelId,
            externalUserId: 'u0',
            name: 'Client u0',
            clientType: 'crm',
            kind: 'text',
            text: 'hello',
            receivedAt: new Date(w.clock),
          });
          expectMessage(m, w, 0, result.ticket?.ticketId, result.opened);
        }),
        new Step('anna takes u0 two hours later', 2 * 3600_000, async (m, w) => {
          const ticket = m.clients[0]?.latest as ModelTicket;
          await runTicketCommand(actor(w, 'anna'), ticket.ticketId, { type: 'take' }, new Date(w.clock));
          (m.clients[0] as ModelClient).latest = {
            ...ticket,
            status: 'in_progress',
            assignee: 'anna',
            inProgressSince: w.clock,
          };
        }),
        new Step('a minute passes', 60_000, async (m, w) => {
          await expectClientMatches(m, w, 0, 'a minute after the take');
        }),
      ];
      for (const step of script) await step.run(model, world);
      expect(model.clients[0]?.latest?.status).toBe('closed');
      expect(world.stuckTimers).toEqual([]);
    } finally {
      await world.supervisor.close();
    }
  });

  it(
    'T1/T4/T8/T11/T12/CH2/R2: generated command sequences keep the model and every invariant (seq unique and increasing per ticket; sync from any seq returns exactly the rest)',
    async () => {
      await fc.assert(
        fc.asyncProperty(commands, async (sequence) => {
          const world = await newWorld();
          try {
            const model: Model = {
              clients: USERS.map(() => ({ exists: false, ticketCount: 0, clientMessages: 0 })),
              deliveries: [],
            };
            await fc.asyncModelRun(() => ({ model, real: world }), sequence);
            expect(world.stuckTimers, 'T11: timers the schedule would never fire').toEqual([]);
            expect(
              await invariantViolations({
                autoClose: { inProgressMinutes: IN_PROGRESS_MS / 60_000, unassignedDays: 1 },
              }),
            ).toEqual([]);
            expect(await counterRecountViolations(OPERATORS.map((who) => world.operators[who].operatorId))).toEqual([]);
            expect(await clientMessageCounts(world)).toEqual(model.clients.map((client) => client.clientMessages));
            expect(await eventGaps(world)).toEqual([]);
            expect(await seqViolations(), 'R2: seq unique and increasing per ticket').toEqual([]);
            expect(await syncViolations(world), 'R2: sync from any seq returns exactly the rest').toEqual([]);
          } finally {
            await world.supervisor.close();
            // Its $disconnect has run (the close waited for it); nothing else uses the run's table.
            await sleep(50);
            await dropTable(endpoint, world.tableName);
          }
        }),
        runsOf(sizes.modelRuns),
      );
      expect(logs.errors).toEqual([]);
    },
    timeoutFor(sizes.modelRuns * sizes.modelMaxCommands, 400, 60_000),
  );
});
