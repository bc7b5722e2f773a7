// Injected AWS faults (DynamoDB throttling and conflicts, a GoneException storm): retried, nothing lost or doubled.
import {
  ApiGatewayManagementApiClient,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, startGateway } from '../../infra/local/gateway';
import type { OperatorActor } from '../../shared/domain/actors';
import { DomainError } from '../../shared/domain/errors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { connectionIdsOf, findConnection, recordConnection } from '../../shared/realtime/connections';
import { eventsIn } from '../../shared/realtime/event-frames';
import { clientIdFor } from '../../shared/store/clients';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { readClientHead } from '../../shared/store/tickets';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { type IngestResult, ingestClientMessage } from '../../shared/use-cases/ingest';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { useTestTable } from '../support/table';
import { captureConsole, counterRecountViolations, invariantViolations, scanTable } from './harness';
import { sizes, timeoutFor } from './scale';

const seedingAdmin: OperatorActor = { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] };

let gateway: LocalGateway;
let channelId: string;
let groupId: string;
let anna: Operator;
let boris: Operator;
const logs = captureConsole();

beforeAll(async () => {
  await useTestTable();
  // Pushes go to a real management endpoint; these tests' connections have no socket behind them.
  gateway = await startGateway({ httpRoutes: [], webSocketRoutes: [], log: () => {} });
  process.env.WS_MANAGEMENT_ENDPOINT = gateway.managementEndpoint;
  resetClients();
  groupId = (await createGroup(seedingAdmin, { name: 'First line', strategy: 'manual' })).groupId;
  channelId = (
    await createChannel(seedingAdmin, {
      kind: 'api',
      name: 'CRM',
      defaultGroupId: groupId,
      enabled: true,
      settings: { callbackUrl: 'http://127.0.0.1:9/unused' },
      overrides: {},
    })
  ).channelId;
  const operator = (name: string) =>
    insertOperator({
      name,
      email: `${name}@faults.example.com`,
      role: 'operator',
      groupIds: [groupId],
      capacity: 50,
      enabled: true,
    });
  anna = await operator('anna');
  boris = await operator('boris');
});

afterAll(async () => {
  logs.restore();
  await gateway?.close();
});

/** A service error as the SDK deserializes it, so its retry logic classifies it as it would the real one. */
function serviceError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 },
    ...extra,
  });
}

interface FaultCounts {
  calls: number;
  throttled: number;
  conflicts: number;
}

/**
 * Fails a fraction of DynamoDB calls below the SDK's retry middleware: ProvisionedThroughputExceededException (the
 * SDK retries it with backoff) and, for transactions, TransactionCanceledException with a TransactionConflict reason
 * (our transactWrite retries it). Returns the counts and a function that stops the injection.
 */
function injectDynamoFaults(rates: Readonly<{ throttle: number; conflict: number }>): {
  counts: FaultCounts;
  stop(): void;
} {
  const counts: FaultCounts = { calls: 0, throttled: 0, conflicts: 0 };
  const client = dynamo();
  const name = 'resilienceFaults';
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.calls++;
      if (Math.random() < rates.throttle) {
        counts.throttled++;
        throw serviceError('ProvisionedThroughputExceededException', 'Injected: throughput exceeded');
      }
      const items = (args.input as { TransactItems?: unknown[] }).TransactItems;
      if (context.commandName === 'TransactWriteItemsCommand' && items && Math.random() < rates.conflict) {
        counts.conflicts++;
        const conflicted = Math.floor(Math.random() * items.length);
        throw serviceError('TransactionCanceledException', 'Injected: transaction cancelled', {
          CancellationReasons: items.map((_, index) =>
            index === conflicted
              ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
              : { Code: 'None' },
          ),
        });
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name },
  );
  return { counts, stop: () => client.middlewareStack.remove(name) };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T);
      }
    }),
  );
  return results;
}

const inbound = (user: string, externalMessageId: string) => ({
  channelId,
  externalUserId: user,
  name: `Client ${user}`,
  clientType: 'crm' as const,
  kind: 'text' as const,
  text: `message ${externalMessageId}`,
  externalMessageId,
  receivedAt: new Date(),
});

describe('DynamoDB throttling and transaction conflicts', () => {
  it(
    'CH2/T1/T12: every message is stored exactly once; a delivery that fails leaves nothing half-written',
    async () => {
      const users = Array.from({ length: Math.max(4, Math.ceil(sizes.faultMessages / 5)) }, (_, i) => `fault-u${i}`);
      const deliveries = Array.from({ length: sizes.faultMessages }, (_, i) => ({
        user: users[i % users.length] as string,
        externalMessageId: `fault-${i}`,
      }));
      const rates = { throttle: 0.15, conflict: 0.2 };
      const faults = injectDynamoFaults(rates);
      const deliver = (delivery: (typeof deliveries)[number]) =>
        ingestClientMessage(inbound(delivery.user, delivery.externalMessageId)).catch((error: Error) => error);
      const half = Math.floor(deliveries.length / 2);
      let outcomes: Array<IngestResult | Error>;
      try {
        // First what the SDK's retries absorb, then a storm that outlasts them: some deliveries fail for good.
        outcomes = await inParallel(deliveries.slice(0, half), 8, deliver);
        Object.assign(rates, { throttle: 0.45, conflict: 0.4 });
        outcomes.push(...(await inParallel(deliveries.slice(half), 8, deliver)));
        Object.assign(rates, { throttle: 0.15, conflict: 0.2 });
        // Operators work the tickets while the faults go on; a command that fails must change nothing.
        const tickets = [
          ...new Set(outcomes.flatMap((outcome) => (outcome instanceof Error ? [] : [outcome.ticket?.ticketId]))),
        ];
        await inParallel(tickets, 6, async (ticketId) => {
          if (!ticketId) return;
          for (const [who, type] of [
            [anna, 'take'],
            [boris, 'take'],
            [anna, 'close'],
          ] as const) {
            await runTicketCommand(actorOf(who), ticketId, { type }).catch((error: unknown) => {
              if (
                !(error instanceof DomainError) &&
                (error as Error).name !== 'ProvisionedThroughputExceededException'
              ) {
                throw error;
              }
            });
          }
        });
      } finally {
        faults.stop();
      }
      if (process.env.RESILIENCE_VERBOSE) {
        const failures = outcomes.filter((outcome) => outcome instanceof Error).length;
        process.stdout.write(`dynamo faults ${JSON.stringify({ ...faults.counts, failedDeliveries: failures })}\n`);
      }
      expect(faults.counts.throttled).toBeGreaterThan(0);
      expect(faults.counts.conflicts).toBeGreaterThan(0);
      expect(outcomes.some((outcome) => outcome instanceof Error)).toBe(true);

      // Nothing half-written: a channel message is stored with its dedupe record, or neither exists.
      const items = await scanTable();
      const stored = new Set(
        items.filter((item) => item.type === 'message' && item.externalId).map((item) => item.externalId as string),
      );
      const remembered = new Set(
        items.filter((item) => item.type === 'inboundDedupe').map((item) => (item.pk as string).split('#').pop()),
      );
      expect([...stored].sort()).toEqual([...remembered].sort());
      expect(await invariantViolations()).toEqual([]);

      // The channel redelivers what was not acknowledged (and, being a channel, some of what was).
      const failed = deliveries.filter((_, index) => outcomes[index] instanceof Error);
      const redeliveries = await inParallel([...failed, ...deliveries.slice(0, 5)], 8, (delivery) =>
        ingestClientMessage(inbound(delivery.user, delivery.externalMessageId)),
      );
      expect(redeliveries.slice(failed.length).every((result) => result.duplicate)).toBe(true);

      const messages = (await scanTable()).filter((item) => item.type === 'message' && item.externalId);
      const perId = new Map<string, number>();
      for (const message of messages)
        perId.set(message.externalId as string, (perId.get(message.externalId as string) ?? 0) + 1);
      expect(perId.size).toBe(deliveries.length);
      expect([...perId.values()].every((count) => count === 1)).toBe(true);
      for (const user of users.slice(0, 5)) {
        const head = await readClientHead(clientIdFor(channelId, user));
        expect(head.client?.ticketCount).toBeGreaterThan(0);
      }
      expect(await invariantViolations()).toEqual([]);
      expect(await counterRecountViolations([anna.operatorId, boris.operatorId])).toEqual([]);
    },
    timeoutFor(sizes.faultMessages, 250, 60_000),
  );
});

describe('GoneException storm on the management API', () => {
  const management = mockClient(ApiGatewayManagementApiClient);
  afterAll(() => management.restore());

  it(
    'R3: gone connections are removed on their first failed push, live ones receive every message, nothing fails',
    async () => {
      const total = sizes.goneConnections;
      const old = new Date(Date.now() - 10 * 60_000).toISOString();
      const ids = Array.from({ length: total }, (_, i) => `storm-${i}=`);
      const gone = new Set(ids.filter((_, i) => i % 4 !== 0));
      // Young connections answer Gone while their $connect is still running: they must be left alone.
      const young = ids.slice(0, 4).map((id) => `${id}young`);
      for (const id of young) gone.add(id);
      await inParallel([...ids, ...young], 16, (connectionId) =>
        recordConnection({
          connectionId,
          principal: `operator#${anna.operatorId}`,
          audiences: [`group#${groupId}`],
          connectedAt: connectionId.endsWith('young') ? new Date().toISOString() : old,
        }),
      );
      const received = new Map<string, number>();
      const throttled = new Set<string>();
      management.on(PostToConnectionCommand).callsFake(async (input: { ConnectionId: string; Data: Uint8Array }) => {
        if (gone.has(input.ConnectionId)) throw new GoneException({ message: 'Gone', $metadata: {} });
        // The client's message among the change's events (its ticket, a timeline note…), one WebSocket message.
        const frame = eventsIn(
          JSON.parse(Buffer.from(input.Data).toString()) as {
            event?: string;
            data?: { message?: { author?: { kind?: string }; externalId?: string } };
          },
        ).find((event) => event.event === 'message.created' && event.data?.message?.author?.kind === 'client');
        const clientMessage = frame !== undefined;
        const key = `${input.ConnectionId} ${frame?.data?.message?.externalId}`;
        // A live connection throttled now and then: logged, not retried, nothing else affected.
        if (Math.random() < 0.02) {
          if (clientMessage) throttled.add(key);
          throw new LimitExceededException({ message: 'Slow down', $metadata: {} });
        }
        if (clientMessage) received.set(key, (received.get(key) ?? 0) + 1);
        return {};
      });

      const messages = Array.from({ length: 12 }, (_, i) => inbound(`storm-user-${i % 3}`, `storm-${i}`));
      const results = await Promise.all(messages.map((message) => ingestClientMessage(message)));
      expect(results.every((result) => !result.duplicate && result.message)).toBe(true);

      const live = ids.filter((id) => !gone.has(id));
      expect((await connectionIdsOf(`group#${groupId}`)).sort()).toEqual([...live, ...young].sort());
      for (const id of ids.filter((id) => gone.has(id)).slice(0, 20)) expect(await findConnection(id)).toBeUndefined();
      // Every live connection got every client message exactly once, unless that one post was throttled.
      for (const connectionId of live) {
        for (const message of messages) {
          const key = `${connectionId} ${message.externalMessageId}`;
          expect(received.get(key) ?? (throttled.has(key) ? 'throttled' : 0), key).toBe(
            throttled.has(key) ? 'throttled' : 1,
          );
        }
      }
      expect(await invariantViolations()).toEqual([]);
    },
    timeoutFor(sizes.goneConnections, 50, 60_000),
  );
});
