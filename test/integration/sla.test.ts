// SLA marks (S1–S4) on DynamoDB Local with an injected clock: the clock starts at the waiting client message, the
// timers mark the ticket at the 30-second steps, a reply clears it, reassignment keeps it, a stale or repeated timer
// changes nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { SLA_TIMER } from '../../shared/domain/ticket-change';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { settingsSchema } from '../../shared/store/settings';
import { getTicket } from '../../shared/store/tickets';
import { fireDueTimers } from '../../shared/store/timers';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { replaceSettings } from '../../shared/use-cases/admin/settings';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { sendOperatorMessage } from '../../shared/use-cases/operator-replies';
import { slaAudiences, slaMarkJob } from '../../shared/use-cases/sla-marks';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { rowOf } from '../../shared/use-cases/ticket-lists';
import { timerJobs } from '../../shared/use-cases/timer-jobs';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let anna: Operator;
let channelId: string;
let slowChannelId: string;
let secondLine: string;

const plus = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);

async function clientWrites(user: string, text: string, at: Date, channel = channelId): Promise<string> {
  const { ticket } = await ingestClientMessage({
    channelId: channel,
    externalUserId: user,
    name: user,
    clientType: 'channel',
    kind: 'text',
    text,
    receivedAt: at,
  });
  return ticket?.ticketId as string;
}

async function notesOf(ticketId: string): Promise<string[]> {
  const ticket = await getTicket(ticketId);
  const page = await historyPage(ticket.clientId, keys.ticketMessagesPrefix(ticket.number), {
    limit: 100,
    viewer: 'operator',
  });
  return page.items
    .map((message) => message.note?.code)
    .filter((code): code is NonNullable<typeof code> => code?.startsWith('sla_') ?? false)
    .reverse();
}

beforeAll(async () => {
  await useTestTable();
  const first = (await createGroup(admin, { name: 'First line', strategy: 'manual' })).groupId;
  secondLine = (await createGroup(admin, { name: 'Second line', strategy: 'manual' })).groupId;
  anna = await insertOperator({
    name: 'Anna',
    email: 'anna@sla.example.com',
    role: 'supervisor',
    groupIds: [first, secondLine],
    capacity: 20,
    enabled: true,
  });
  const channel = (kind: string, name: string) =>
    createChannel(admin, {
      kind: 'api',
      name,
      defaultGroupId: first,
      enabled: true,
      settings: { callbackUrl: `http://127.0.0.1:9/${kind}` },
      overrides: {},
    });
  channelId = (await channel('fast', 'CRM')).channelId;
  slowChannelId = (await channel('slow', 'Partner')).channelId;
  await replaceSettings(
    admin,
    settingsSchema.parse({
      sla: {
        enabled: true,
        default: { warningSeconds: 30, deadlineSeconds: 60 },
        perChannel: { [slowChannelId]: { deadlineSeconds: 120 } },
      },
    }),
  );
});

describe('S2–S4: SLA marks', () => {
  it('S3/S4: an unanswered message turns the ticket warning at 30 s and breached at 60 s, each a timeline note', async () => {
    const t0 = new Date();
    const ticketId = await clientWrites('sla-steps', 'Where is my parcel?', t0);
    const opened = await getTicket(ticketId);
    expect(rowOf(opened)).toMatchObject({
      sla: 'ok',
      slaWarnAt: plus(t0, 30).toISOString(),
      slaDueAt: plus(t0, 60).toISOString(),
    });
    await fireDueTimers(plus(t0, 29), timerJobs);
    expect((await getTicket(ticketId)).sla?.mark).toBeUndefined();
    await fireDueTimers(plus(t0, 30), timerJobs);
    expect(rowOf(await getTicket(ticketId)).sla).toBe('warning');
    await fireDueTimers(plus(t0, 45), timerJobs);
    expect(rowOf(await getTicket(ticketId)).sla).toBe('warning');
    await fireDueTimers(plus(t0, 60), timerJobs);
    expect(rowOf(await getTicket(ticketId)).sla).toBe('breached');
    expect(await notesOf(ticketId)).toEqual(['sla_warning', 'sla_breached']);
  });

  it('S2/S3: an operator reply clears the mark and stops the clock; the next client message starts a new one', async () => {
    const t0 = new Date();
    const ticketId = await clientWrites('sla-reply', 'Hello?', t0);
    await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
    await fireDueTimers(plus(t0, 31), timerJobs);
    expect(rowOf(await getTicket(ticketId)).sla).toBe('warning');
    await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Here, how can I help?' });
    const answered = await getTicket(ticketId);
    expect(rowOf(answered)).toMatchObject({ sla: null, slaWarnAt: null, slaDueAt: null });
    // The deadline timer of the answered clock is gone: nothing is marked at 60 s.
    await fireDueTimers(plus(t0, 61), timerJobs);
    expect(await notesOf(ticketId)).toEqual(['sla_warning']);
    const t1 = plus(t0, 90);
    await clientWrites('sla-reply', 'One more thing', t1);
    expect((await getTicket(ticketId)).sla).toMatchObject({
      since: t1.toISOString(),
      dueAt: plus(t1, 60).toISOString(),
    });
  });

  it('S2: transfer and assignment keep the clock running from the first waiting message', async () => {
    const t0 = new Date();
    const ticketId = await clientWrites('sla-transfer', 'Card blocked', t0);
    await clientWrites('sla-transfer', 'Please hurry', plus(t0, 10));
    await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
    await runTicketCommand(actorOf(anna), ticketId, { type: 'transfer', groupId: secondLine });
    expect((await getTicket(ticketId)).sla).toMatchObject({ since: t0.toISOString() });
    await fireDueTimers(plus(t0, 30), timerJobs);
    expect(rowOf(await getTicket(ticketId)).sla).toBe('warning');
  });

  it('S1: a channel override without a warning threshold marks only the deadline, at its own time', async () => {
    const t0 = new Date();
    const ticketId = await clientWrites('sla-slow', 'No rush', t0, slowChannelId);
    expect((await getTicket(ticketId)).sla).toEqual({ since: t0.toISOString(), dueAt: plus(t0, 120).toISOString() });
    await fireDueTimers(plus(t0, 60), timerJobs);
    expect(rowOf(await getTicket(ticketId)).sla).toBe('ok');
    await fireDueTimers(plus(t0, 120), timerJobs);
    expect(rowOf(await getTicket(ticketId)).sla).toBe('breached');
    expect(await notesOf(ticketId)).toEqual(['sla_breached']);
  });

  it('S3/OP3: a timer delivered twice makes one transition and one note', async () => {
    const t0 = new Date();
    const ticketId = await clientWrites('sla-twice', 'Anyone?', t0);
    const timer = {
      kind: SLA_TIMER,
      id: ticketId,
      due: plus(t0, 30).toISOString(),
      payload: { since: t0.toISOString() },
    };
    await Promise.all([slaMarkJob(timer, plus(t0, 30)), slaMarkJob(timer, plus(t0, 30))]);
    expect(await notesOf(ticketId)).toEqual(['sla_warning']);
  });

  it('S3: a late timer after the reply changes nothing', async () => {
    const t0 = new Date();
    const ticketId = await clientWrites('sla-late', 'Hi', t0);
    await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
    await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Hi, on it' });
    const before = await getTicket(ticketId);
    await slaMarkJob(
      { kind: SLA_TIMER, id: ticketId, due: plus(t0, 30).toISOString(), payload: { since: t0.toISOString() } },
      plus(t0, 300),
    );
    expect((await getTicket(ticketId)).seq).toBe(before.seq);
    expect(await notesOf(ticketId)).toEqual([]);
  });

  it('S4: the notification goes to the assignee, or to the group while the ticket is unassigned', () => {
    expect(slaAudiences({ status: 'in_progress', assigneeId: 'op_1', groupId: 'grp_1' })).toEqual(['operator#op_1']);
    expect(slaAudiences({ status: 'unassigned', groupId: 'grp_1' })).toEqual(['group#grp_1', 'ungrouped']);
  });
});
