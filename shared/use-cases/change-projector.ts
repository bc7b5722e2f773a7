// The change-stream projector: each output (the search index today; outgoing webhooks and reports later) turns a
// batch of committed table changes into its own writes. Every output runs as its own stream consumer (its own Lambda
// event source mapping, its own position locally), so one failing output retries alone and never delays another.
import { createHash } from 'node:crypto';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { durationMetric, METRIC } from '../platform/metrics';
import { type Change, changesOf } from '../store/change-stream';

export interface ProjectionBatch {
  changes: readonly Change[];
  /** Stable for the same records, so a redelivered batch can overwrite what its first delivery wrote. */
  batchId: string;
  /** The latest stream time in the batch: a deterministic "now" for what the output writes. */
  at: string;
}

export interface ChangeOutput {
  readonly name: string;
  /** Throws to have the batch retried (bisected, then given up to the failure destination). */
  project(batch: ProjectionBatch): Promise<unknown>;
}

export function projectionBatchOf(event: DynamoDBStreamEvent): ProjectionBatch {
  const changes = changesOf(event);
  const sequences = changes.map((change) => change.sequence);
  const batchId = createHash('sha256')
    .update(`${sequences[0] ?? ''}:${sequences.at(-1) ?? ''}:${sequences.length}`)
    .digest('base64url')
    .slice(0, 12);
  const at = changes.reduce((latest, change) => (change.at > latest ? change.at : latest), '');
  return { changes, batchId, at: at || new Date(0).toISOString() };
}

/** Runs one output over one stream batch; the handler of each output's consumer is this call. */
export function projectChanges(output: ChangeOutput, event: DynamoDBStreamEvent): Promise<unknown> {
  const batch = projectionBatchOf(event);
  // OP2: one lag metric for every output (its alarm costs the same however many outputs there are); a record without
  // its creation time (never from Lambda) says nothing about lag.
  const times = batch.changes.map((change) => Date.parse(change.at)).filter((time) => time > 0);
  if (times.length > 0) durationMetric(METRIC.streamLag, Date.now() - Math.min(...times));
  return output.project(batch);
}
