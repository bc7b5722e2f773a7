// Counted costs that `npm run bench` reports (round trips, items read, write units), asserted; never timings.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Meter, totalsOf } from '../../bench/meter';
import { handler as webhook } from '../../functions/http/channel-webhook';
import { type LocalGateway, startGateway } from '../../infra/local/gateway';
import { apiSignatureHeaders } from '../../shared/channels/api';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { forgetKeptChannel } from '../../shared/store/channels';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { markRead } from '../../shared/use-cases/operator-replies';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { listTickets } from '../../shared/use-cases/ticket-lists';
import { httpEvent, lambdaContext } from '../support/http-event';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-admin', role: 'admin', groupIds: [] };
const PAGE = 10;
let gateway: LocalGateway;
let meter: Meter;
let channelId: string;
let webhookSecret: string;
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
  const created = await createChannel(admin, {
    kind: 'api',
    name: 'CRM',
    defaultGroupId: group.groupId,
    enabled: true,
    settings: { callbackUrl: 'http://127.0.0.1:9/cb' },
    overrides: {},
  } as Parameters<typeof createChannel>[1]);
  channelId = created.channelId;
  webhookSecret = created.webhookSecret;
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

  it('T1/R2 a text message to an open unassigned ticket takes 3 round trips: its audiences are read after the write', async () => {
    const { recording } = await meter.measure(() => ingestClientMessage(inbound('u0')));
    const totals = totalsOf(recording);
    // Client head Query → one transaction → the audiences' Queries side by side: staff and operators in no group (one
    // partition) and the group; nobody has ever watched this client, so its watchers (C9) are not read. Read after the
    // write, so a connection made during the transaction either is among them or syncs (R2) after the message is
    // there: it cannot miss both.
    expect(totals.roundTrips).toBe(3);
    expect(recording.calls.map((call) => call.operation)).toEqual(['Query', 'TransactWriteItems', 'Query', 'Query']);
    const write = recording.calls[1];
    for (const audience of recording.calls.slice(2))
      expect(audience.start).toBeGreaterThanOrEqual(write?.end as number);
  });

  it('T1/T12 a text message to a ticket in progress takes 3 round trips: the moved counters are read after the write', async () => {
    const { ticket } = await ingestClientMessage(inbound('taken'));
    await runTicketCommand(anna, ticket?.ticketId as string, { type: 'take' });
    await markRead(anna, ticket?.ticketId as string);
    // Unread goes 0 → 1, so the assignee's badge moves and fresh counters (including this message) are pushed to it.
    const { recording } = await meter.measure(() => ingestClientMessage(inbound('taken')));
    expect(totalsOf(recording).roundTrips).toBe(3);
    const write = recording.calls.find((call) => call.operation === 'TransactWriteItems');
    const counters = recording.calls.find((call) => call.operation === 'GetItem');
    expect(counters?.start).toBeGreaterThanOrEqual(write?.end as number);
    // A further message leaves the badge where it is: no counters to read, still 3 (the audiences after the write).
    const { recording: again } = await meter.measure(() => ingestClientMessage(inbound('taken')));
    expect(totalsOf(again).roundTrips).toBe(3);
    expect(again.calls.map((call) => call.operation)).not.toContain('GetItem');
  });

  it('T1/T3 a first message reads the settings once: consent, the SLA thresholds and auto-close periods share the read', async () => {
    let settingsReads = 0;
    const name = `settingsReads${Date.now()}`;
    dynamo().middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Key?: { pk?: string } };
        if (input.Key?.pk === keys.settings().pk) settingsReads++;
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      const opened = await ingestClientMessage(inbound(`first-${Date.now()}`));
      expect(opened.opened).toBe(true);
    } finally {
      dynamo().middlewareStack.remove(name);
    }
    expect(settingsReads).toBe(1);
  });

  it('CH1/T1 the whole signed webhook request: 4 round trips with its channel read, 3 with the channel kept', async () => {
    const post = (userId: string) => {
      const body = JSON.stringify({ type: 'message', messageId: `w-${++serial}`, user: { id: userId }, text: 'Hi' });
      return webhook(
        {
          ...httpEvent('POST /channels/{channelId}/webhook', { pathParameters: { channelId } }),
          headers: { 'content-type': 'application/json', ...apiSignatureHeaders(webhookSecret, body) },
          body,
        } as APIGatewayProxyEventV2,
        lambdaContext,
      );
    };
    await ingestClientMessage(inbound('hooked'));
    forgetKeptChannel(channelId);
    // Channel BatchGet → the client head Query → the transaction → the audiences' Queries. A plain message writes no
    // replay guard: its dedupe item (CH2) already makes a replay a duplicate.
    const cold = await meter.measure(() => post('hooked'));
    expect(cold.result).toMatchObject({ statusCode: 200 });
    expect(totalsOf(cold.recording).roundTrips).toBe(4);
    const kept = await meter.measure(() => post('hooked'));
    expect(kept.result).toMatchObject({ statusCode: 200 });
    expect(totalsOf(kept.recording).roundTrips).toBe(3);
    const operations = kept.recording.calls.map((call) => call.operation);
    expect(operations.slice(0, 2)).toEqual(['Query', 'TransactWriteItems']);
    expect(operations).not.toContain('PutItem');
  });

  /** Write units by the sizing rules (1 KB steps, ×2 in a transaction, a moved index entry is a delete plus a put). */
  const writeUnitsOf = async (message: InboundMessage) => {
    const { recording } = await meter.measure(() => ingestClientMessage(message));
    const totals = totalsOf(recording);
    return { table: totals.writeUnitsTable, indexes: totals.writeUnitsIndexes, total: totals.writeUnits };
  };

  it('T1/L1 a text message to an open unassigned ticket costs 9 write units: one list entry moves', async () => {
    // One transaction of 3 items under 1 KB (dedupe guard, ticket, message: 2 units each); the ticket's one list entry
    // (Q#unassigned#<group>) moves to the new last-message time (a delete and a put); the message's seq-index entry
    // (R2) is one more. Before the per-(status, group) lists the ticket moved in four indexes: 6 + 9 = 15.
    expect(await writeUnitsOf(inbound('u1'))).toEqual({ table: 6, indexes: 3, total: 9 });
  });

  it('T1/T12/L1 a text message to a ticket in progress costs 13 write units: its Mine and its list entry move', async () => {
    const { ticket } = await ingestClientMessage(inbound('taken-units'));
    await runTicketCommand(anna, ticket?.ticketId as string, { type: 'take' });
    await markRead(anna, ticket?.ticketId as string);
    // The transaction adds the assignee's counters (its unread badge moves, T12): 4 items × 2. The ticket moves in
    // Mine and in Q#in_progress#<group> (2 × 2) and the message enters the seq index (1). Before: 8 + 9 = 17.
    expect(await writeUnitsOf(inbound('taken-units'))).toEqual({ table: 8, indexes: 5, total: 13 });
  });

  it('T1/T2/L1 a text message that opens a ticket costs 19 write units', async () => {
    // One transaction of 8 items (dedupe guard, client, ticket, ticket number, ticket counter, the opening note (T10)
    // and the message, the auto-close timer: 2 units each; with SLA on, its timer adds 2). Index entries: the ticket's
    // one list entry and the two messages' seq entries. Before: 16 + 6 = 22.
    expect(await writeUnitsOf(inbound('new-units'))).toEqual({ table: 16, indexes: 3, total: 19 });
  });
});
