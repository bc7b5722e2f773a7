// Webhook → operator frame latency: one signed `api` message at a time until its `message.created` frame arrives.
import { type Bench, type OperatorSocket, sendClientMessage } from './harness';
import { type Distribution, distributionOf } from './stats';

export interface LatencyResult {
  /** `webhook` or, when the route was not served, `ingestClientMessage` (no HTTP hop). */
  path: 'webhook' | 'ingestClientMessage';
  messages: number;
  clients: number;
  /** Request sent → operator frame, every message. */
  frame: Distribution;
  /** The same, split by whether the message opened a ticket. */
  frameOpening: Distribution;
  frameExisting: Distribution;
  /** Request sent → HTTP response (the handler's whole run, fan-out included). */
  response: Distribution;
  responseOpening: Distribution;
  responseExisting: Distribution;
  /** Raw request → frame times in ms, for the chart. */
  samples: number[];
}

const WARM_UP = 30;
const MESSAGES = 1000;
const CLIENTS = 100;

export async function measureLatency(bench: Bench, operator: OperatorSocket): Promise<LatencyResult> {
  for (let i = 0; i < WARM_UP; i++) await timeOne(bench, operator, `lat-warm-${i % 10}`, `lat-warm-${i}`);
  const all: number[] = [];
  const opening: number[] = [];
  const existing: number[] = [];
  const response: number[] = [];
  const responseOpening: number[] = [];
  const responseExisting: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const client = i % CLIENTS;
    const timing = await timeOne(bench, operator, `lat-${client}`, `lat-msg-${i}`);
    all.push(timing.frame);
    response.push(timing.response);
    if (i < CLIENTS) {
      opening.push(timing.frame);
      responseOpening.push(timing.response);
    } else {
      existing.push(timing.frame);
      responseExisting.push(timing.response);
    }
  }
  return {
    path: bench.webhookRoute ? 'webhook' : 'ingestClientMessage',
    messages: MESSAGES,
    clients: CLIENTS,
    frame: distributionOf(all),
    frameOpening: distributionOf(opening),
    frameExisting: distributionOf(existing),
    response: distributionOf(response),
    responseOpening: distributionOf(responseOpening),
    responseExisting: distributionOf(responseExisting),
    samples: all,
  };
}

async function timeOne(bench: Bench, operator: OperatorSocket, userId: string, messageId: string) {
  const arrived = operator.waitFor(
    (frame) =>
      frame.event === 'message.created' &&
      (frame.data?.message as { externalId?: string } | undefined)?.externalId === messageId,
  );
  const started = performance.now();
  const sent = await sendClientMessage(bench, {
    messageId,
    userId,
    name: `Client ${userId}`,
    text: 'My card is blocked, can you help?',
  });
  if (sent.status !== 200) throw new Error(`webhook answered ${sent.status} for ${messageId}`);
  const { at } = await arrived;
  return { frame: at - started, response: sent.doneAt - started };
}
