import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo } from '../../shared/platform/aws-clients';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { getOperatorCounters, getTicket, readClientHead } from '../../shared/store/tickets';
import { fireDueTimers } from '../../shared/store/timers';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { AUTO_CLOSE_TIMER } from '../../shared/use-cases/auto-close';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { timerJobs } from '../../shared/use-cases/timer-jobs';
import { clientText } from '../support/channels';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let tableName: string;
let channelId: string;
let anna: Operator;

const at = (iso: string) => new Date(iso);
const inbound = (user: string, text: string, when: string): InboundMessage =>
  clientText(channelId, user, text, at(when));

async function timersOf(ticketId: string): Promise<string[]> {
  const due: string[] = [];
  for (const hour of ['2026-06-01T10']) {
    const { Items = [] } = await dynamo().send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `TIMERS#${hour}` },
      }),
    );
    for (const item of Items) if (item.id === ticketId && item.kind === AUTO_CLOSE_TIMER) due.push(item.due);
  }
  return due.sort();
}

beforeAll(async () => {
  ({ tableName } = await useTestTable());
  const group = await createGroup(admin, { name: 'Line', strategy: 'manual' });
  channelId = (
    await createChannel(admin, {
      kind: 'api',
      name: 'CRM',
      defaultGroupId: group.groupId,
      enabled: true,
      settings: { callbackUrl: 'http://127.0.0.1:9/cb' },
      overrides: { autoCloseMinutes: 30 },
    })
  ).channelId;
  anna = await insertOperator({
    name: 'Anna',
    email: 'anna@close.example.com',
    role: 'operator',
    groupIds: [group.groupId],
    capacity: 5,
    enabled: true,
  });
  await dynamo().send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.settings(), settings: { autoClose: { inProgressMinutes: 60, unassignedDays: 30 } } },
    }),
  );
});

describe('T11 auto-close', () => {
  it('closes an in_progress ticket after the channel’s silence period; a later message moves the deadline', async () => {
    const { ticket } = await ingestClientMessage(inbound('silent', 'hello', '2026-06-01T10:00:00Z'));
    const id = ticket?.ticketId as string;
    await runTicketCommand(actorOf(anna), id, { type: 'take' }, at('2026-06-01T10:00:05Z'));
    // The channel's 30-minute override wins over the deployment's 60 minutes.
    expect(await timersOf(id)).toContain('2026-06-01T10:30:00.000Z');
    await ingestClientMessage(inbound('silent', 'still there?', '2026-06-01T10:10:00Z'));

    // At 10:30 the ticket has been silent only 20 minutes: the timer moves to 10:40 instead of closing.
    await fireDueTimers(at('2026-06-01T10:30:30Z'), timerJobs);
    expect((await getTicket(id)).status).toBe('in_progress');
    expect(await timersOf(id)).toContain('2026-06-01T10:40:00.000Z');

    await fireDueTimers(at('2026-06-01T10:41:00Z'), timerJobs);
    const closed = await getTicket(id);
    expect(closed).toMatchObject({ status: 'closed', closedAt: '2026-06-01T10:41:00.000Z' });
    expect(closed.closedBy).toBeUndefined();
    const notes = await historyPage(closed.clientId, keys.ticketMessagesPrefix(closed.number), {
      limit: 10,
      viewer: 'operator',
    });
    expect(notes.items[0]?.note?.code).toBe('auto_closed');
    expect((await getOperatorCounters(anna.operatorId)).inProgress).toBe(0);
    // T8: the client's next message opens a new ticket.
    const next = await ingestClientMessage(inbound('silent', 'back again', '2026-06-01T11:00:00Z'));
    expect(next.opened).toBe(true);
  });

  it('a client message racing the auto-close is never lost', async () => {
    for (let round = 0; round < 5; round++) {
      const user = `racer-${round}`;
      const { ticket } = await ingestClientMessage(inbound(user, 'start', '2026-06-01T10:00:00Z'));
      await runTicketCommand(actorOf(anna), ticket?.ticketId as string, { type: 'take' }, at('2026-06-01T10:00:01Z'));
      await Promise.all([
        fireDueTimers(at('2026-06-01T10:31:00Z'), timerJobs),
        ingestClientMessage(inbound(user, 'wait!', '2026-06-01T10:31:00Z')),
      ]);
      const head = await readClientHead(ticket?.clientId as string);
      const history = await historyPage(ticket?.clientId as string, 'M#', { limit: 50, viewer: 'operator' });
      const clientTexts = history.items.filter((m) => m.author.kind === 'client').map((m) => m.text);
      expect(clientTexts).toContain('wait!');
      const wait = history.items.find((m) => m.text === 'wait!');
      const landedIn = await getTicket(wait?.ticketId as string);
      // Either it landed before the close (and the close then waited), or it opened a new open ticket.
      if (landedIn.ticketId === ticket?.ticketId) expect(landedIn.status).toBe('in_progress');
      else expect(head.latest?.ticketId).toBe(landedIn.ticketId);
    }
  });
});
