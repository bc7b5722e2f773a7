// Event fan-out (R2, R3): one frame to every live connection of some audiences. The cost follows the recipients (a
// Query per audience partition, a post per connection), never the number of connected operators; a connection that has gone
// away is removed and nothing else fails because of it.

import { errorFields, log } from '../platform/log';
import { countMetric, METRIC } from '../platform/metrics';
import type { Audience } from '../store/keys';
import { frameBytes, membersByAudience, pushFrameBytes } from './connections';

/** Posts in flight at once: enough to hide latency, few enough to stay clear of the management API's throttling. */
export const FAN_OUT_CONCURRENCY = 16;

export interface FanOutResult {
  /** Distinct connections the frame was addressed to. */
  recipients: number;
  delivered: number;
  /** Connections that had gone away; their records are removed. */
  gone: number;
  /** Posts that failed for another reason (throttling, a service error); logged, not retried. */
  failed: number;
}

export async function pushToAudiences(
  audiences: readonly Audience[],
  frame: unknown,
  concurrency = FAN_OUT_CONCURRENCY,
): Promise<FanOutResult> {
  return pushToConnections(await recipientsOf(audiences), frame, concurrency);
}

/** The distinct live connections of some audiences: one Query per audience partition. */
export async function recipientsOf(audiences: readonly Audience[]): Promise<string[]> {
  // A connection in several audiences (a supervisor in the group) gets the frame once.
  return [...new Set([...(await connectionsByAudience(audiences)).values()].flat())];
}

/** Each audience's live connections, all audience partitions queried at once. */
export async function connectionsByAudience(audiences: readonly Audience[]): Promise<Map<Audience, string[]>> {
  const members = await membersByAudience(audiences);
  return new Map([...members].map(([audience, list]) => [audience, list.map((member) => member.connectionId)]));
}

export async function pushToConnections(
  connectionIds: readonly string[],
  frame: unknown,
  concurrency = FAN_OUT_CONCURRENCY,
): Promise<FanOutResult> {
  const result: FanOutResult = { recipients: connectionIds.length, delivered: 0, gone: 0, failed: 0 };
  if (connectionIds.length === 0) return result;
  // Serialized once for every recipient.
  const data = frameBytes(frame);
  let next = 0;
  const worker = async () => {
    while (next < connectionIds.length) {
      const connectionId = connectionIds[next++] as string;
      try {
        result[await pushFrameBytes(connectionId, data)]++;
      } catch (error) {
        result.failed++;
        log.warn('push failed', { connectionId, ...errorFields(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, connectionIds.length) }, worker));
  if (result.recipients) countMetric(METRIC.fanOutPosts, result.recipients);
  if (result.gone) countMetric(METRIC.goneConnections, result.gone);
  if (result.failed) countMetric(METRIC.fanOutFailures, result.failed);
  return result;
}
