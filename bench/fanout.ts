// Fan-out cost against connected operators: our audience Queries versus the AWS sample's Scan-everything broadcast.
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  type DynamoDBClient,
  ScanCommand,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { localDynamoClient } from '../infra/local/table';
import type { OperatorActor } from '../shared/domain/actors';
import type { Ticket } from '../shared/domain/ticket-rules';
import { management } from '../shared/platform/aws-clients';
import { pushToAudiences } from '../shared/realtime/fanout';
import { ticketAudiences } from '../shared/realtime/ticket-events';
import { insertOperator } from '../shared/store/operators';
import { createGroup } from '../shared/use-cases/admin/groups';
import { type Bench, OperatorSocket } from './harness';
import { type RecordingTotals, totalsOf } from './meter';
import { runPool } from './stats';

export interface FanOutPoint {
  connected: number;
  ours: FanOutCost;
  baseline: FanOutCost;
}

export interface FanOutCost {
  queries: number;
  itemsRead: number;
  readUnits: number;
  posts: number;
  delivered: number;
  ms: number;
}

export interface FanOutResult {
  /** Operators who may see the ticket (its group, supervisors, admins). */
  visible: number;
  others: number;
  groupsOfOthers: number;
  points: FanOutPoint[];
  connectSeconds: number;
}

/** Operator counts at which both fan-outs are measured. */
const STEPS = [5, 50, 100, 250, 500, 1000];
const OTHER_GROUPS = 199;
const CONNECT_CONCURRENCY = 16;
const SAMPLE_TABLE = 'bench-sample-connections';

const seeder: OperatorActor = { kind: 'operator', operatorId: 'bench', role: 'admin', groupIds: [] };

export async function measureFanOut(bench: Bench): Promise<FanOutResult> {
  const { demo } = bench;
  const total = STEPS.at(-1) as number;
  // Visible: Anna (First line), the supervisor and the admin (staff), and two more First line operators.
  const firstLine = await Promise.all(
    [1, 2].map((n) =>
      insertOperator({
        name: `First line ${n}`,
        email: `first-${n}@bench.switchboard.local`,
        role: 'operator',
        groupIds: [demo.groups.firstLine],
        capacity: 5,
        enabled: true,
      }),
    ),
  );
  const visible = [
    demo.operators.anna,
    demo.operators.supervisor,
    demo.operators.admin,
    ...firstLine.map((o) => o.operatorId),
  ];
  // The others sit in groups of five, so the presence events of their own connects stay small.
  const groups: string[] = [];
  await runPool(OTHER_GROUPS, 8, async (i) => {
    groups[i] = (await createGroup(seeder, { name: `Bench group ${i}`, strategy: 'manual' })).groupId;
  });
  const others: string[] = [];
  await runPool(total - visible.length, 8, async (i) => {
    const operator = await insertOperator({
      name: `Bench operator ${i}`,
      email: `bench-${i}@bench.switchboard.local`,
      role: 'operator',
      groupIds: [groups[i % OTHER_GROUPS] as string],
      capacity: 5,
      enabled: true,
    });
    others[i] = operator.operatorId;
  });

  const ticket: Ticket = {
    ticketId: 'cl_bench_fanout.1',
    number: 1,
    clientId: 'cl_bench_fanout',
    clientName: 'Olga',
    channelId: demo.channels.api,
    status: 'unassigned',
    groupId: demo.groups.firstLine,
    openedAt: new Date().toISOString(),
    statusChangedAt: new Date().toISOString(),
    lastMessageAt: new Date().toISOString(),
    lastMessagePreview: 'My card is blocked',
    lastMessageFromOperator: false,
    unreadCount: 1,
    messageCount: 1,
    seq: 2,
  };
  const frame = { type: 'event', event: 'ticket.updated', data: { ticketId: ticket.ticketId, seq: 2, ticket } };

  const sample = localDynamoClient(bench.stack.urls.dynamoDb);
  bench.meter.attachDynamo(sample);
  const sockets: OperatorSocket[] = [];
  const points: FanOutPoint[] = [];
  let connectMs = 0;
  try {
    await sample.send(
      new CreateTableCommand({
        TableName: SAMPLE_TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
      }),
    );
    const everyone = [...visible, ...others];
    let recorded = new Set<string>();
    for (const step of STEPS) {
      const from = sockets.length;
      const connectStarted = performance.now();
      await runPool(step - from, CONNECT_CONCURRENCY, async (i) => {
        sockets[from + i] = await OperatorSocket.connect(bench, everyone[from + i] as string, false);
      });
      connectMs += performance.now() - connectStarted;
      // The sample's connections table: one item per live connection, written by its $connect.
      const live = bench.stack.gateway.connectionIds().filter((id) => !recorded.has(id));
      await fillSampleTable(sample, live);
      recorded = new Set([...recorded, ...live]);

      const ours = await bench.meter.measure(() => pushToAudiences(ticketAudiences(ticket), frame));
      const baseline = await bench.meter.measure(() => sampleBroadcast(sample, frame));
      points.push({
        connected: bench.stack.gateway.connectionIds().length,
        ours: costOf(
          totalsOf(ours.recording),
          ours.result.delivered,
          ours.recording.calls.length,
          spanOf(ours.recording),
        ),
        baseline: costOf(
          totalsOf(baseline.recording),
          baseline.result,
          baseline.recording.calls.length,
          spanOf(baseline.recording),
        ),
      });
    }
  } finally {
    await runPool(sockets.length, 32, async (i) => {
      await sockets[i]?.close();
    });
    sample.destroy();
  }
  return {
    visible: visible.length,
    others: others.length,
    groupsOfOthers: OTHER_GROUPS,
    points,
    connectSeconds: connectMs / 1000,
  };
}

/**
 * The AWS sample (aws-samples/simple-websockets-chat-app, sendmessage): Scan the whole connections table, then post
 * the frame to every connection at once. Paginated here (the sample is not), which only helps it past 1 MB.
 */
async function sampleBroadcast(client: DynamoDBClient, frame: unknown): Promise<number> {
  const connectionIds: string[] = [];
  let startKey: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const page = await client.send(new ScanCommand({ TableName: SAMPLE_TABLE, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) if (item.connectionId?.S) connectionIds.push(item.connectionId.S);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const data = Buffer.from(JSON.stringify(frame));
  const results = await Promise.allSettled(
    connectionIds.map((ConnectionId) => management().send(new PostToConnectionCommand({ ConnectionId, Data: data }))),
  );
  return results.filter((result) => result.status === 'fulfilled').length;
}

async function fillSampleTable(client: DynamoDBClient, connectionIds: readonly string[]): Promise<void> {
  for (let i = 0; i < connectionIds.length; i += 25) {
    const batch = connectionIds.slice(i, i + 25);
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [SAMPLE_TABLE]: batch.map((id) => ({ PutRequest: { Item: { connectionId: { S: id } } } })),
        },
      }),
    );
  }
}

function costOf(totals: RecordingTotals, delivered: number, queries: number, ms: number): FanOutCost {
  return { queries, itemsRead: totals.itemsRead, readUnits: totals.readUnits, posts: totals.posts, delivered, ms };
}

function spanOf(recording: {
  calls: Array<{ start: number; end: number }>;
  posts: Array<{ start: number; end: number }>;
}) {
  const all = [...recording.calls, ...recording.posts];
  if (all.length === 0) return 0;
  return Math.max(...all.map((entry) => entry.end)) - Math.min(...all.map((entry) => entry.start));
}
