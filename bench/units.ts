// DynamoDB cost per operation (ingest, take, reply, list page, history page) through its real adapter, metered.
import { forgetKeptChannel } from '../shared/store/channels';
import { ingestClientMessage } from '../shared/use-cases/ingest';
import { type Bench, type OperatorSocket, sendClientMessage } from './harness';
import { callLog, type Recording, type RecordingTotals, totalsOf } from './meter';

export interface OperationUnits {
  key: string;
  label: string;
  /** How the operation entered: the adapter it went through, or the use case called directly. */
  via: string;
  reps: number;
  /** The largest value of each figure over the repetitions. */
  totals: RecordingTotals;
  /** Items read by Query calls alone (a list or history page, without the adapter's lookups). */
  queryItemsRead: number;
  /** The last repetition's calls, in order. */
  log: string[];
}

export interface UnitsResult {
  pageSize: number;
  operations: OperationUnits[];
}

export const LIST_PAGE_SIZE = 25;
const REPS = 5;

export async function measureUnits(
  bench: Bench,
  desk: { anna: OperatorSocket; supervisor: OperatorSocket },
): Promise<UnitsResult> {
  const { anna, supervisor } = desk;
  const operations: OperationUnits[] = [];
  const via = bench.webhookRoute ? 'webhook' : 'ingestClientMessage (no webhook route)';
  let serial = 0;
  const text = 'Hello, my card is blocked and I cannot pay for my order.';
  const say = async (userId: string) => {
    const sent = await sendClientMessage(bench, {
      messageId: `units-${++serial}`,
      userId,
      name: `Client ${userId}`,
      text,
    });
    if (sent.status !== 200) throw new Error(`the webhook answered ${sent.status}`);
  };
  /** The ingest use case alone, called as the webhook calls it. */
  const ingest = (userId: string) =>
    ingestClientMessage({
      channelId: bench.demo.channels.api,
      externalUserId: userId,
      name: `Client ${userId}`,
      clientType: 'crm',
      kind: 'text',
      text,
      externalMessageId: `units-${++serial}`,
      receivedAt: new Date(),
    });
  /** `prepare` runs before each repetition, unmetered. */
  const measure = async (
    key: string,
    label: string,
    how: string,
    run: (rep: number) => Promise<unknown>,
    prepare?: () => Promise<unknown>,
  ) => {
    const recordings: Recording[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      await prepare?.();
      const { recording } = await bench.meter.measure(() => run(rep), 30);
      recordings.push(recording);
    }
    operations.push(summaryOf(key, label, how, recordings));
  };

  // A ticket id per client, learnt from the operators' frames.
  const ticketIds = new Map<string, string>();
  const stopWatching = supervisor.onFrame((frame) => {
    if (frame.event !== 'ticket.created') return;
    const ticket = frame.data?.ticket as { ticketId: string; clientName: string } | undefined;
    if (ticket) ticketIds.set(ticket.clientName, ticket.ticketId);
  });
  const ticketFor = async (userId: string) => {
    for (let waited = 0; waited < 5_000; waited += 10) {
      const id = ticketIds.get(`Client ${userId}`);
      if (id) return id;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no ticket.created for ${userId}`);
  };

  try {
    await measure('ingestNew', 'inbound text, opens a ticket', via, (rep) => say(`units-new-${rep}`));

    await say('units-open');
    await measure('ingestExisting', 'inbound text, open unassigned ticket, channel kept', via, () => say('units-open'));
    // An instance that has not kept the channel (cold, or past CHANNEL_CACHE_MS) reads it before verifying.
    await measure(
      'ingestColdChannel',
      'inbound text, open unassigned ticket, channel read',
      via,
      () => say('units-open'),
      async () => forgetKeptChannel(bench.demo.channels.api),
    );

    await measure(
      'ingestUseCase',
      'inbound text, open unassigned ticket — ingest use case only',
      'ingestClientMessage',
      () => ingest('units-open'),
    );

    for (let rep = 0; rep < REPS; rep++) await say(`units-take-${rep}`);
    const taken = await Promise.all(Array.from({ length: REPS }, (_, rep) => ticketFor(`units-take-${rep}`)));
    await measure('take', 'take', 'operator WebSocket', (rep) => anna.call('take', { ticketId: taken[rep] }));

    const mine = taken[0] as string;
    // Each repetition starts from a ticket the operator has read, so the message moves the operator's unread badge.
    const markRead = () => anna.call('markRead', { ticketId: mine });
    const inProgress = 'inbound text, ticket in progress (operator had read it)';
    await measure('ingestInProgress', `${inProgress}, channel kept`, via, () => say('units-take-0'), markRead);
    await measure(
      'ingestUseCaseInProgress',
      `${inProgress} — ingest use case only`,
      'ingestClientMessage',
      () => ingest('units-take-0'),
      markRead,
    );

    await measure('reply', 'operator reply', 'operator WebSocket', () =>
      anna.call('message.send', { ticketId: mine, text: 'Let me check that for you.' }),
    );

    await measure('listPage', `list page (Unassigned tab, ${LIST_PAGE_SIZE} rows)`, 'operator WebSocket', async () => {
      const reply = await anna.call('list', { tab: 'unassigned', limit: LIST_PAGE_SIZE });
      const items = (reply.data?.items as unknown[] | undefined) ?? [];
      if (items.length !== LIST_PAGE_SIZE) throw new Error(`the Unassigned tab had ${items.length} rows`);
    });
    await measure('listPageAll', `list page (All tab, ${LIST_PAGE_SIZE} rows)`, 'operator WebSocket', async () => {
      const reply = await supervisor.call('list', { tab: 'all', limit: LIST_PAGE_SIZE });
      const items = (reply.data?.items as unknown[] | undefined) ?? [];
      if (items.length !== LIST_PAGE_SIZE) throw new Error(`the All tab had ${items.length} rows`);
    });

    for (let i = 0; i < LIST_PAGE_SIZE + 5; i++) await say('units-long');
    const long = await ticketFor('units-long');
    await measure('historyPage', `history page (${LIST_PAGE_SIZE} messages)`, 'operator WebSocket', async () => {
      const reply = await anna.call('history', { ticketId: long, limit: LIST_PAGE_SIZE });
      const items = (reply.data?.items as unknown[] | undefined) ?? [];
      if (items.length !== LIST_PAGE_SIZE) throw new Error(`the history page had ${items.length} messages`);
    });
  } finally {
    stopWatching();
  }
  return { pageSize: LIST_PAGE_SIZE, operations };
}

function summaryOf(key: string, label: string, via: string, recordings: readonly Recording[]): OperationUnits {
  const queryItems = recordings.map((recording) =>
    recording.calls.filter((call) => call.operation === 'Query').reduce((total, call) => total + call.itemsRead, 0),
  );
  return {
    key,
    label,
    via,
    reps: recordings.length,
    totals: maxTotals(recordings),
    queryItemsRead: Math.max(...queryItems),
    log: callLog(recordings.at(-1) as Recording),
  };
}

function maxTotals(recordings: readonly Recording[]): RecordingTotals {
  const all = recordings.map(totalsOf);
  const first = all[0] as RecordingTotals;
  const keys = Object.keys(first) as Array<keyof RecordingTotals>;
  return Object.fromEntries(
    keys.map((key) => [key, Math.max(...all.map((totals) => totals[key]))]),
  ) as unknown as RecordingTotals;
}
