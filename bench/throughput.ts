// Sustained ingest: a bounded burst from many clients, then a read-back proving each message is stored exactly once.
import { clientIdFor } from '../shared/store/clients';
import { keys } from '../shared/store/keys';
import { historyPage } from '../shared/store/messages';
import { type Bench, sendClientMessage } from './harness';
import { type Distribution, distributionOf, runPool } from './stats';

export interface ThroughputResult {
  path: 'webhook' | 'ingestClientMessage';
  planned: number;
  clients: number;
  concurrency: number;
  /** Messages sent before the time bound (the rest were not started). */
  sent: number;
  acknowledged: number;
  /** Answers other than 200, by status. */
  refused: Record<string, number>;
  seconds: number;
  messagesPerSecond: number;
  /** Acknowledged but not found in the client's history. */
  lost: number;
  /** Stored more than once. */
  duplicates: number;
  /** Request → response while under load. */
  response: Distribution;
  /** CPU of this one Node process (gateway, every handler, the SDK clients and the load generator) per message. */
  nodeCpuMsPerMessage: number;
}

const MESSAGES = 3000;
const CLIENTS = 300;
const CONCURRENCY = 24;
const TIME_BOUND_MS = 20_000;

export async function measureThroughput(bench: Bench): Promise<ThroughputResult> {
  const acknowledged = new Set<string>();
  const refused: Record<string, number> = {};
  const times: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + TIME_BOUND_MS;
  let finished = started;
  const sent = await runPool(
    MESSAGES,
    CONCURRENCY,
    async (i) => {
      const messageId = `tp-${i}`;
      const userId = `tp-${i % CLIENTS}`;
      const before = performance.now();
      try {
        const outcome = await sendClientMessage(bench, {
          messageId,
          userId,
          name: `Client ${userId}`,
          text: `Message ${i}`,
        });
        if (outcome.status === 200) acknowledged.add(messageId);
        else refused[outcome.status] = (refused[outcome.status] ?? 0) + 1;
        times.push(outcome.doneAt - before);
        finished = Math.max(finished, outcome.doneAt);
      } catch (error) {
        const reason = (error as Error).name || 'error';
        refused[reason] = (refused[reason] ?? 0) + 1;
      }
    },
    () => performance.now() > deadline,
  );
  const seconds = (finished - started) / 1000;
  const used = process.cpuUsage(cpu);

  // Read back: every client's whole history, counting its client-authored messages by channel message id.
  const stored = new Map<string, number>();
  await runPool(CLIENTS, 8, async (client) => {
    const clientId = clientIdFor(bench.demo.channels.api, `tp-${client}`);
    let cursor: string | undefined;
    do {
      const page = await historyPage(clientId, keys.clientMessagesPrefix(), { limit: 100, cursor, viewer: 'operator' });
      for (const message of page.items) {
        if (message.author.kind === 'client' && message.externalId) {
          stored.set(message.externalId, (stored.get(message.externalId) ?? 0) + 1);
        }
      }
      cursor = page.nextCursor;
    } while (cursor);
  });
  const lost = [...acknowledged].filter((id) => !stored.has(id)).length;
  const duplicates = [...stored.values()].filter((count) => count > 1).length;
  return {
    path: bench.webhookRoute ? 'webhook' : 'ingestClientMessage',
    planned: MESSAGES,
    clients: CLIENTS,
    concurrency: CONCURRENCY,
    sent,
    acknowledged: acknowledged.size,
    refused,
    seconds,
    messagesPerSecond: acknowledged.size / seconds,
    lost,
    duplicates,
    response: distributionOf(times),
    nodeCpuMsPerMessage: (used.user + used.system) / 1000 / Math.max(1, acknowledged.size),
  };
}
