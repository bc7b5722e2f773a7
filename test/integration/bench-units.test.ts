// Counted costs that `npm run bench` reports (round trips, items read, write units), asserted; never timings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Meter, totalsOf } from '../../bench/meter';
import { type LocalGateway, startGateway } from '../../infra/local/gateway';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { markRead } from '../../shared/use-cases/operator-replies';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { listTickets } from '../../shared/use-cases/ticket-lists';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-admin', role: 'admin', groupIds: [] };
const PAGE = 10;
let gateway: LocalGateway;
let meter: Meter;
let channelId: string;
let anna: OperatorActor;
let serial = 0;

const inbound = (userId: string): InboundMessage => ({
  channelId,
  externalUserId: userId,
  name: `Client ${userId}`,
  clientType: 'crm',
  kind: 'text',
  text: 'My card is blocked, can you help?',
  externalMessageId: `m-${++serial}`,
  receivedAt: new Date(),
});

beforeAll(async () => {
  const { tableName, endpoint } = await useTestTable();
  // Fan-out posts need a management endpoint; no socket is connected, so they find no recipients.
  gateway = await startGateway({ httpRoutes: [], webSocketRoutes: [], log: () => undefined });
  process.env.WS_MANAGEMENT_ENDPOINT = gateway.managementEndpoint;
  resetClients();
  meter = new Meter(endpoint, tableName);
  meter.attachDynamo(dynamo());
  const group = await createGroup(admin, { name: 'First line', strategy: 'manual' });
  anna = { kind: 'operator', operatorId: 'op-anna', role: 'operator', groupIds: [group.groupId] };
  channelId = (
    await createChannel(admin, {
      kind: 'api',
      name: 'CRM',
      defaultGroupId: group.groupId,
      enabled: true,
      settings: { callbackUrl: 'http://127.0.0.1:9/cb' },
      overrides: {},
    } as Parameters<typeof createChannel>[1])
  ).channelId;
  for (let i = 0; i < 2 * PAGE + 5; i++) await ingestClientMessage(inbound(`u${i}`));
  for (let i = 0; i < PAGE + 5; i++) await ingestClientMessage(inbound('long'));
});

afterAll(async () => {
  meter.destroy();
  await gateway.close();
});

describe('Bench counts (L2, M5, T1)', () => {
  it('L2/M10 every page of the Unassigned tab reads at most its size plus one item, and its drafts in one BatchGet', async () => {
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { result, recording } = await meter.measure(() =>
        listTickets(anna, { tab: 'unassigned', limit: PAGE, cursor }),
      );
      const totals = totalsOf(recording);
      // The target is size + 2; one Query of `limit + 1` is what is spent, plus one BatchGet of the reader's drafts
      // (M10), which reads nothing here because Anna has none.
      expect(totals.itemsRead).toBeLessThanOrEqual(PAGE + 1);
      expect(totals.calls).toBe(2);
      cursor = result.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
  });

  it('M5 a history page reads its size plus one item (to group the oldest entry)', async () => {
    const head = await ingestClientMessage(inbound('long'));
    const prefix = keys.ticketMessagesPrefix(head.ticket?.number ?? 0);
    const { result, recording } = await meter.measure(() =>
      historyPage(head.clientId, prefix, { limit: PAGE, viewer: 'operator' }),
    );
    expect(result.items).toHaveLength(PAGE);
    expect(totalsOf(recording).itemsRead).toBe(PAGE + 1);
  });

  it('T1 a text message to an open unassigned ticket takes 3 sequential DynamoDB round trips in the ingest use case', async () => {
    const { recording } = await meter.measure(() => ingestClientMessage(inbound('u0')));
    const totals = totalsOf(recording);
    // Client head Query → one transaction → the audiences' Queries side by side (staff, the group, operators in no
    // group, the client's watchers (C9)). Through the webhook the channel's GetItem comes first (bench: 4).
    expect(totals.roundTrips).toBe(3);
    expect(recording.calls.map((call) => call.operation)).toEqual([
      'Query',
      'TransactWriteItems',
      'Query',
      'Query',
      'Query',
      'Query',
    ]);
  });

  it('T1/T12 a text message to a ticket in progress still takes 3 round trips: the counters are read with the audiences', async () => {
    const { ticket } = await ingestClientMessage(inbound('taken'));
    await runTicketCommand(anna, ticket?.ticketId as string, { type: 'take' });
    await markRead(anna, ticket?.ticketId as string);
    // Unread goes 0 → 1, so the assignee's badge moves and fresh counters are pushed to it.
    const { recording } = await meter.measure(() => ingestClientMessage(inbound('taken')));
    expect(totalsOf(recording).roundTrips).toBe(3);
    expect(recording.calls.map((call) => call.operation)).toContain('GetItem');
  });

  it('T1 write units of a text message to an open ticket, by the sizing rules', async () => {
    const { recording } = await meter.measure(() => ingestClientMessage(inbound('u1')));
    const totals = totalsOf(recording);
    // Target ≤ 8 is missed: the transaction writes 3 small items (dedupe, ticket, message: 2 units each) and the
    // ticket's sort key in its 4 list indexes is its last message time, so each index takes a delete and a put; the
    // message's entry in the seq index (R2: sync by seq) is one more.
    expect(totals.writeUnitsTable).toBe(6);
    expect(totals.writeUnitsIndexes).toBe(9);
  });
});
