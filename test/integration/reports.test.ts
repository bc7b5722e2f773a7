// RP1 reports on DynamoDB Local with an injected clock: a scripted day of tickets projected by the real stream consumer
// through the local stream poller, every figure recounted from the tickets' timelines and messages; a redelivered
// batch; a year's range counted in items read; who may read reports; JSON and CSV; write units per message.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Meter, totalsOf } from '../../bench/meter';
import { handler as reportsHttpHandler } from '../../functions/http/reports';
import { handler as reportsStreamHandler } from '../../functions/stream/reports';
import { type StreamPoller, startStreamPoller } from '../../infra/local/stream-poller';
import { runAsFunction } from '../../infra/local/table-grants';
import { streamConsumers } from '../../infra/routes';
import type { OperatorActor } from '../../shared/domain/actors';
import type { DomainError } from '../../shared/domain/errors';
import type { Message } from '../../shared/domain/messages';
import { DailyFigures, DURATION_BUCKETS, durationBucket, type ReportDimension } from '../../shared/domain/reports';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { ticketMessages } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { addToReports } from '../../shared/store/reports';
import { settingsSchema } from '../../shared/store/settings';
import { getTicket, type Ticket } from '../../shared/store/tickets';
import { fireDueTimers } from '../../shared/store/timers';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { replaceSettings } from '../../shared/use-cases/admin/settings';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { sendOperatorMessage } from '../../shared/use-cases/operator-replies';
import { buildReport, type ReportResult } from '../../shared/use-cases/reports';
import { tagMessages } from '../../shared/use-cases/tags';
import { runTicketCommand, startOutbound } from '../../shared/use-cases/ticket-commands';
import { timerJobs } from '../../shared/use-cases/timer-jobs';
import { clientText, createApiChannel } from '../support/channels';
import { httpEvent, lambdaContext } from '../support/http-event';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
const reportsRow = streamConsumers.find((consumer) => consumer.name === 'reports');
// A day ahead of the real clock: timers written in the past are moved to the present (they must fire), so the
// scripted day's SLA and auto-close timers are ahead of it as they would be.
const DAY = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
const DEADLINE_SECONDS = 60;
const at = (time: string) => new Date(`${DAY}T${time}Z`);

let first: string;
let second: string;
let shop: string;
let bank: string;
let anna: Operator;
let boris: Operator;
let sue: Operator;
let poller: StreamPoller;
let meter: Meter;
/** Every batch the reports consumer was handed, to deliver again. */
const delivered: DynamoDBStreamEvent[] = [];
/** Items the report reads returned (Queries of report days). */
const reads = { reportItems: 0 };
const ticketIds: string[] = [];

async function clientWrites(channelId: string, user: string, text: string, when: Date): Promise<Ticket> {
  const { ticket } = await ingestClientMessage(clientText(channelId, user, text, when));
  if (!ticket) throw new Error('no ticket');
  if (!ticketIds.includes(ticket.ticketId)) ticketIds.push(ticket.ticketId);
  return ticket;
}

const projected = () => poller.drain(['reports']);

beforeAll(async () => {
  const { endpoint, tableName } = await useTestTable({ stream: true });
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  dynamo().middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const input = args.input as { KeyConditionExpression?: string };
      const output = result.output as { Items?: Array<Record<string, unknown>> };
      if (input.KeyConditionExpression?.includes('sk BETWEEN')) {
        reads.reportItems += (output.Items ?? []).filter((item) => item.type === 'report').length;
      }
      return result;
    },
    { step: 'initialize', name: 'reportReadMeter' },
  );
  meter = new Meter(endpoint, tableName);
  meter.attachDynamo(dynamo());
  first = (await createGroup(admin, { name: 'First line', strategy: 'manual' })).groupId;
  second = (await createGroup(admin, { name: 'Second line', strategy: 'manual' })).groupId;
  const channel = (name: string, groupId: string) => createApiChannel(admin, name, groupId);
  shop = await channel('Shop', first);
  bank = await channel('Bank', second);
  const person = (name: string, role: Operator['role'], groupIds: string[]) =>
    insertOperator({ name, email: `${name}@reports.example.com`, role, groupIds, capacity: 50, enabled: true });
  anna = await person('anna', 'operator', [first]);
  boris = await person('boris', 'operator', [second]);
  sue = await person('sue', 'supervisor', []);
  await replaceSettings(
    admin,
    settingsSchema.parse({
      autoClose: { inProgressMinutes: 120 },
      sla: { enabled: true, default: { warningSeconds: 30, deadlineSeconds: DEADLINE_SECONDS } },
    }),
  );
  poller = await startStreamPoller({
    endpoint,
    tableName,
    consumers: [
      {
        name: 'reports',
        batchSize: reportsRow?.batchSize ?? 1000,
        retryAttempts: reportsRow?.retryAttempts ?? 2,
        // As the function runs in AWS: held to its table grants (X2).
        handle: async (event) => {
          await runAsFunction('functions/stream/reports.ts', () => reportsStreamHandler(event));
          delivered.push(event);
        },
      },
    ],
    intervalMs: 0,
  });
  await scriptedDay();
  await projected();
});

afterAll(() => {
  poller?.stop();
  meter?.destroy();
  management.restore();
});

/**
 * One day: Ivan's ticket breaches its SLA before Anna answers, gets a second answer in time, two tagged messages and
 * is closed by Anna; Petr's ticket is answered by Boris after a warning, transferred to First line, taken and answered
 * by Anna and closed automatically; Olga's ticket is answered and closed by Anna; Anna starts an outbound dialog.
 */
async function scriptedDay(): Promise<void> {
  const a = actorOf(anna);
  const b = actorOf(boris);
  const ivan = await clientWrites(shop, 'ivan', 'Hello, my card is blocked', at('09:00:00'));
  await runTicketCommand(a, ivan.ticketId, { type: 'take' }, at('09:00:20'));
  await fireDueTimers(at('09:00:30'), timerJobs);
  await fireDueTimers(at('09:01:00'), timerJobs);
  const sorry = await sendOperatorMessage(a, ivan.ticketId, { text: 'Sorry for the wait' }, at('09:02:00'));
  await clientWrites(shop, 'ivan', 'I need a refund', at('09:05:00'));
  await sendOperatorMessage(a, ivan.ticketId, { text: 'Refund on its way' }, at('09:05:20'));
  const ivanMessages = await ticketMessages(ivan.clientId, ivan.number);
  const refund = ivanMessages.find((message) => message.text === 'I need a refund') as Message;
  await tagMessages(
    a,
    { ticketId: ivan.ticketId, messageIds: [refund.messageId, sorry.messageId], tag: 'Refund' },
    at('09:06:00'),
  );
  await runTicketCommand(a, ivan.ticketId, { type: 'close' }, at('09:10:00'));

  const petr = await clientWrites(bank, 'petr', 'Where is my transfer?', at('10:00:00'));
  await fireDueTimers(at('10:00:30'), timerJobs);
  await runTicketCommand(b, petr.ticketId, { type: 'take' }, at('10:00:40'));
  await sendOperatorMessage(b, petr.ticketId, { text: 'Checking' }, at('10:00:50'));
  await runTicketCommand(b, petr.ticketId, { type: 'transfer', groupId: first }, at('10:02:00'));
  await runTicketCommand(a, petr.ticketId, { type: 'take' }, at('10:03:00'));
  await clientWrites(bank, 'petr', 'Any news about the delivery?', at('10:04:00'));
  await sendOperatorMessage(a, petr.ticketId, { text: 'Tomorrow' }, at('10:04:10'));
  const news = (await ticketMessages(petr.clientId, petr.number)).find((m) =>
    m.text?.startsWith('Any news'),
  ) as Message;
  await tagMessages(a, { ticketId: petr.ticketId, messageIds: [news.messageId], tag: 'Delivery' }, at('10:04:20'));

  const olga = await clientWrites(shop, 'olga', 'Can I change my address?', at('11:00:00'));
  await runTicketCommand(a, olga.ticketId, { type: 'take' }, at('11:00:10'));
  await sendOperatorMessage(a, olga.ticketId, { text: 'Yes, which one?' }, at('11:00:25'));
  await runTicketCommand(a, olga.ticketId, { type: 'close' }, at('11:30:00'));

  const started = await startOutbound(a, ivan.clientId, at('12:00:00'));
  ticketIds.push(started.ticketId);
  await sendOperatorMessage(a, started.ticketId, { text: 'Your refund has arrived' }, at('12:01:00'));
  await runTicketCommand(a, started.ticketId, { type: 'close' }, at('12:05:00'));
  // Petr's ticket has been silent for the in-progress period since Anna's answer: it closes automatically.
  await fireDueTimers(at('12:04:30'), timerJobs);
}

interface Expected {
  ticketsOpened: number;
  closedByOperators: number;
  closedAutomatically: number;
  clientMessages: number;
  operatorMessages: number;
  firstResponse: number[];
  resolution: number[];
  sla: { warnings: number; breaches: number; answers: number; answersInTime: number };
  tags: Record<string, number>;
}

const empty = (): Expected => ({
  ticketsOpened: 0,
  closedByOperators: 0,
  closedAutomatically: 0,
  clientMessages: 0,
  operatorMessages: 0,
  firstResponse: new Array(DURATION_BUCKETS).fill(0),
  resolution: new Array(DURATION_BUCKETS).fill(0),
  sla: { warnings: 0, breaches: 0, answers: 0, answersInTime: 0 },
  tags: {},
});

/**
 * The figures recounted from the timelines alone: each ticket's messages and notes replayed in order, the group and
 * assignee followed through the notes, every figure put on the operator, group, channel and tenant it concerns.
 */
async function recount(): Promise<{ figures: Map<string, Expected>; firstResponses: number[]; resolutions: number[] }> {
  const figures = new Map<string, Expected>();
  const firstResponses: number[] = [];
  const resolutions: number[] = [];
  for (const ticketId of ticketIds) {
    const ticket = await getTicket(ticketId);
    // In the order they were written: ids are time-ordered (a later change, a tagging, gives a message a later seq).
    const messages = (await ticketMessages(ticket.clientId, ticket.number)).sort((x, y) =>
      x.messageId < y.messageId ? -1 : 1,
    );
    let group = ticket.groupId;
    let assignee: string | undefined;
    let openedAt = '';
    let replied = false;
    let waitingSince: string | undefined;
    const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
    const bump = (operatorId: string | undefined, change: (figure: Expected) => void) => {
      for (const key of [`operator:${operatorId}`, `group:${group}`, `channel:${ticket.channelId}`, 'tenant:all']) {
        if (key === 'operator:undefined') continue;
        const figure = figures.get(key) ?? empty();
        change(figure);
        figures.set(key, figure);
      }
    };
    for (const message of messages) {
      const note = message.note;
      const params = note?.params ?? {};
      if (note?.code === 'opened') {
        group = params.groupId as string;
        assignee = params.operatorId;
        openedAt = message.createdAt;
        bump(assignee, (f) => f.ticketsOpened++);
      } else if (note?.code === 'started') {
        assignee = params.by;
        openedAt = message.createdAt;
        replied = true;
        bump(assignee, (f) => f.ticketsOpened++);
      } else if (note?.code === 'taken' || note?.code === 'assigned') assignee = params.operatorId;
      else if (note?.code === 'transferred') {
        group = params.groupId as string;
        assignee = undefined;
      } else if (note?.code === 'returned') assignee = undefined;
      else if (note?.code === 'closed' || note?.code === 'auto_closed') {
        const closer = note.code === 'closed' ? params.by : assignee;
        const took = seconds(openedAt, message.createdAt);
        resolutions.push(took);
        bump(closer, (f) => {
          if (note.code === 'closed') f.closedByOperators++;
          else f.closedAutomatically++;
          f.resolution[durationBucket(took)] = (f.resolution[durationBucket(took)] ?? 0) + 1;
        });
        waitingSince = undefined;
      } else if (note?.code === 'sla_warning') bump(assignee, (f) => f.sla.warnings++);
      else if (note?.code === 'sla_breached') bump(assignee, (f) => f.sla.breaches++);
      else if (message.author.kind === 'client') {
        bump(assignee, (f) => f.clientMessages++);
        waitingSince ??= message.createdAt;
      } else if (message.author.kind === 'operator') {
        const author = message.author.operatorId;
        bump(author, (f) => f.operatorMessages++);
        if (!replied) {
          const took = seconds(openedAt, message.createdAt);
          firstResponses.push(took);
          bump(author, (f) => {
            f.firstResponse[durationBucket(took)] = (f.firstResponse[durationBucket(took)] ?? 0) + 1;
          });
          replied = true;
        }
        if (waitingSince) {
          const inTime = seconds(waitingSince, message.createdAt) <= DEADLINE_SECONDS;
          bump(author, (f) => {
            f.sla.answers++;
            if (inTime) f.sla.answersInTime++;
          });
          waitingSince = undefined;
        }
      }
      for (const tag of message.tags ?? []) {
        const by = message.author.kind === 'operator' ? message.author.operatorId : assignee;
        bump(by, (f) => {
          f.tags[tag] = (f.tags[tag] ?? 0) + 1;
        });
      }
    }
  }
  return { figures, firstResponses, resolutions };
}

const rowsOf = (report: ReportResult) =>
  new Map(
    report.rows.map((row) => [
      `${report.by}:${row.id}`,
      {
        ticketsOpened: row.ticketsOpened,
        closedByOperators: row.closedByOperators,
        closedAutomatically: row.closedAutomatically,
        clientMessages: row.clientMessages,
        operatorMessages: row.operatorMessages,
        firstResponse: row.firstResponse.buckets,
        resolution: row.resolution.buckets,
        sla: {
          warnings: row.sla.warnings,
          breaches: row.sla.breaches,
          answers: row.sla.answers,
          answersInTime: row.sla.answersInTime,
        },
        tags: row.tags,
      } satisfies Expected,
    ]),
  );

const dayReport = (by: ReportDimension) => buildReport(actorOf(sue), { from: DAY, to: DAY, by });

async function allRows(): Promise<Map<string, Expected>> {
  const rows = new Map<string, Expected>();
  for (const by of ['operator', 'group', 'channel', 'tenant'] as const) {
    for (const [key, row] of rowsOf(await dayReport(by))) rows.set(key, row);
  }
  return rows;
}

describe('RP1 reports', () => {
  it('RP1/S3/M7: after a scripted day every figure per operator, group, channel and tenant equals a recount from the timeline', async () => {
    const { figures } = await recount();
    const rows = await allRows();
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(figures));
    // The script's own story, so the recount cannot agree with the reports by both being empty.
    const tenant = rows.get('tenant:all');
    expect(tenant).toMatchObject({
      ticketsOpened: 4,
      closedByOperators: 3,
      closedAutomatically: 1,
      clientMessages: 5,
      operatorMessages: 6,
      sla: { warnings: 2, breaches: 1, answers: 5, answersInTime: 4 },
      tags: { Refund: 2, Delivery: 1 },
    });
    expect(rows.get(`operator:${anna.operatorId}`)).toMatchObject({ closedByOperators: 3, closedAutomatically: 1 });
    expect(rows.get(`group:${first}`)?.closedAutomatically).toBe(1);
    expect(rows.get(`group:${second}`)).toMatchObject({ ticketsOpened: 1, closedAutomatically: 0 });
  });

  it('RP1: median and p90 of first response and resolution fall in the bucket the report names', async () => {
    const { firstResponses, resolutions } = await recount();
    const [tenant] = (await dayReport('tenant')).rows;
    const nearestRank = (values: number[], share: number) =>
      [...values].sort((x, y) => x - y)[Math.max(1, Math.ceil(share * values.length)) - 1] as number;
    for (const [summary, values] of [
      [tenant?.firstResponse, firstResponses],
      [tenant?.resolution, resolutions],
    ] as const) {
      expect(summary?.count).toBe(values.length);
      for (const [range, share] of [
        [summary?.median, 0.5],
        [summary?.p90, 0.9],
      ] as const) {
        const truth = nearestRank(values, share);
        expect(truth).toBeGreaterThanOrEqual(range?.fromSeconds ?? Number.NaN);
        expect(truth).toBeLessThan(range?.toSeconds ?? Number.POSITIVE_INFINITY);
      }
    }
  });

  it('RP1: a batch delivered again adds nothing', async () => {
    const before = await allRows();
    expect(delivered.length).toBeGreaterThan(0);
    for (const event of delivered.splice(0)) await reportsStreamHandler(event);
    expect(Object.fromEntries(await allRows())).toEqual(Object.fromEntries(before));
  });

  it('RP1: a year per operator reads at most 365 items per operator, and the sums are the days added', async () => {
    const year = new DailyFigures();
    for (let day = 0; day < 365; day++) {
      const when = new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString();
      year.add(when, { groupId: first, channelId: shop, operatorId: anna.operatorId }, 'clientMessages', 2);
      year.add(when, { groupId: second, channelId: bank, operatorId: boris.operatorId }, 'operatorMessages');
    }
    await addToReports(year.all, 'year-seed', new Date().toISOString());
    reads.reportItems = 0;
    const report = await buildReport(actorOf(sue), { from: '2025-01-01', to: '2025-12-31', by: 'operator' });
    const members = 3; // anna, boris, sue
    expect(report.itemsRead).toBe(2 * 365);
    expect(reads.reportItems).toBeLessThanOrEqual(365 * members);
    expect(report.rows.find((row) => row.id === anna.operatorId)?.clientMessages).toBe(730);
    expect(report.rows.find((row) => row.id === boris.operatorId)?.operatorMessages).toBe(365);
    reads.reportItems = 0;
    const one = await buildReport(actorOf(sue), { from: '2025-01-01', to: '2025-12-31', by: 'group', id: first });
    expect(reads.reportItems).toBeLessThanOrEqual(365);
    expect(one.rows).toHaveLength(1);
    expect(one.rows[0]).toMatchObject({ id: first, name: 'First line', clientMessages: 730 });
  });

  it('RP1: bad ranges are refused with a stable reason', async () => {
    const refusal = (query: Record<string, string>) =>
      buildReport(actorOf(sue), { by: 'group', ...query }).then(
        () => undefined,
        (error: DomainError) => [error.code, error.details?.reason],
      );
    expect(await refusal({ from: '2025-01-01', to: '2026-01-02' })).toEqual(['invalid', 'range_too_long']);
    expect(await refusal({ from: '2025-03-02', to: '2025-03-01' })).toEqual(['invalid', 'range_reversed']);
    expect(await refusal({ from: '2025-02-30', to: '2025-03-01' })).toEqual(['invalid', 'bad_date']);
    expect(await refusal({ from: '2025-1-1', to: '2025-03-01' })).toEqual(['invalid', 'bad_date']);
    expect(await refusal({ from: '2024-01-01', to: '2024-12-31' })).toBeUndefined();
  });
});

describe('RP1 GET /reports', () => {
  const get = async (operatorId: string, query: Record<string, string>, accept?: string) => {
    const event = httpEvent('GET /reports', { operatorId, query });
    if (accept) event.headers.accept = accept;
    const result = await runAsFunction('functions/http/reports.ts', () => reportsHttpHandler(event, lambdaContext));
    return {
      status: result.statusCode,
      type: String(result.headers?.['content-type']),
      body: String(result.body ?? ''),
    };
  };

  it('RP1/X1: an operator is refused with 403; a supervisor and an admin get the report', async () => {
    const query = { from: DAY, to: DAY, by: 'operator' };
    const refused = await get(anna.operatorId, query);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toMatchObject({ code: 'forbidden', details: { reason: 'staff_only' } });
    const root = await insertOperator({
      name: 'root',
      email: 'root@reports.example.com',
      role: 'admin',
      groupIds: [],
      capacity: 1,
      enabled: true,
    });
    for (const operatorId of [sue.operatorId, root.operatorId]) {
      const answer = await get(operatorId, query);
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.body) as ReportResult;
      expect(body.rows.find((row) => row.id === anna.operatorId)).toMatchObject({ name: 'anna', closedByOperators: 3 });
    }
  });

  it('RP1: CSV with Accept: text/csv or format=csv, one line per row', async () => {
    const query = { from: DAY, to: DAY, by: 'group' };
    for (const answer of [
      await get(sue.operatorId, query, 'text/csv'),
      await get(sue.operatorId, { ...query, format: 'csv' }),
    ]) {
      expect(answer.status).toBe(200);
      expect(answer.type).toMatch(/^text\/csv/);
      const lines = answer.body.trim().split('\r\n');
      expect(lines[0]?.startsWith('id,name,day,ticketsOpened,')).toBe(true);
      expect(lines).toHaveLength(3);
      const firstLine = lines.find((line) => line.startsWith(`${first},`));
      expect(firstLine).toContain('First line');
      expect(firstLine).toContain('Refund=2');
      expect(firstLine).toContain('Delivery=1');
    }
  });

  it('RP1: a bad range over HTTP is 400 with its reason', async () => {
    const answer = await get(sue.operatorId, { from: '2026-03-10', to: '2026-03-09', by: 'operator' });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'invalid', details: { reason: 'range_reversed' } });
    const unknown = await get(sue.operatorId, { from: DAY, to: DAY, by: 'weekday' });
    expect(unknown.status).toBe(400);
  });
});

describe('RP1 write units', () => {
  it('RP1: at the bench sustained load the reports cost at most one write unit per message; one message per 10 s costs more', async () => {
    const window = reportsRow?.batchingWindowSeconds ?? 10;
    // The bench's sustained rate (9.8 msg/s, README) over one batching window: the messages one batch holds.
    const perBatch = Math.round(9.8 * window);
    const sustained = { messages: 0, writeUnits: 0 };
    const projectMetered = async (into: { writeUnits: number }) => {
      const { recording } = await meter.measure(() => projected());
      into.writeUnits += totalsOf(recording).writeUnits;
    };
    await projected();
    const start = at('14:00:00').getTime();
    for (let i = 0; i < 3 * perBatch; i++) {
      await clientWrites(i % 2 ? shop : bank, `load-${i % 60}`, `Message ${i}`, new Date(start + i * 100));
      sustained.messages++;
      if (sustained.messages % perBatch === 0) await projectMetered(sustained);
    }
    await projectMetered(sustained);
    const trickle = { messages: 0, writeUnits: 0 };
    for (let i = 0; i < 5; i++) {
      await clientWrites(shop, `quiet-${i}`, 'Hello?', new Date(start + 3_600_000 + i * 10_000));
      trickle.messages++;
      await projectMetered(trickle);
    }
    const perMessage = sustained.writeUnits / sustained.messages;
    console.log(
      `reports: ${perMessage.toFixed(3)} WCU per message sustained (${perBatch} per batch); ` +
        `${(trickle.writeUnits / trickle.messages).toFixed(1)} WCU per message at one per 10 s`,
    );
    expect(perMessage).toBeLessThanOrEqual(1);
    expect(trickle.writeUnits / trickle.messages).toBeGreaterThan(perMessage);
  });
});
