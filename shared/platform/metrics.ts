// Custom metrics (OP2) in CloudWatch's embedded metric format: values gathered during a request are written as one
// JSON log line at its end, and CloudWatch turns that line into metrics — no API call, no client in the bundle.
// Nothing is written when nothing happened, so an idle tenant publishes no custom metric (each costs per month).
import { currentMetrics, type MetricEntry, writeLine } from './log';

export const METRICS_NAMESPACE = 'Switchboard';

/** Every metric the functions publish; the stack's alarms and dashboard name them from here. */
export const METRIC = {
  /** Client messages stored, per channel kind. */
  messagesIn: 'MessagesIn',
  /** Replies a channel accepted, per channel kind. */
  messagesOut: 'MessagesOut',
  /** Replies marked `failed` (the channel refused them or stayed unreachable), per channel kind. */
  deliveryFailures: 'DeliveryFailures',
  /** Webhook requests refused for a bad or missing signature, per channel kind. */
  signaturesRefused: 'SignaturesRefused',
  /** Frames posted to WebSocket connections. */
  fanOutPosts: 'FanOutPosts',
  /** Posts that found the connection gone (its record is removed). */
  goneConnections: 'GoneConnections',
  /** Posts that failed otherwise (throttling, service errors); not retried. */
  fanOutFailures: 'FanOutFailures',
  /** How late the oldest timer of a sweep fired, after its due time. */
  timerLag: 'TimerLag',
  timersFired: 'TimersFired',
  timersFailed: 'TimersFailed',
  /** Work that can never complete by itself: timers of an unknown kind, jobs that keep failing. */
  undeliverableWork: 'UndeliverableWork',
  /** Requests that ended in an unexpected error (a 5xx, a thrown handler); Lambda's own Errors metric is per function. */
  functionErrors: 'FunctionErrors',
  /** SLA deadlines missed (S1–S3); emitted where a ticket's SLA state turns `breached`. */
  slaBreaches: 'SlaBreaches',
  /**
   * How far a change-stream output is behind: the age of the oldest record of the batch it is handed (every output
   * publishes it, so one alarm covers them all, whatever their number).
   */
  streamLag: 'StreamLag',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Set by the stack on every function; dimensions keep tenants apart in a shared account. */
export const TENANT_ENV = 'SWITCHBOARD_TENANT';

export function countMetric(name: MetricName, value = 1, channelKind?: string): void {
  record({ name, unit: 'Count', value, aggregate: 'sum', ...(channelKind ? { channelKind } : {}) });
}

/** A duration; a request keeps the largest it saw. */
export function durationMetric(name: MetricName, milliseconds: number): void {
  record({ name, unit: 'Milliseconds', value: Math.max(0, Math.round(milliseconds)), aggregate: 'max' });
}

function record(entry: MetricEntry): void {
  const metrics = currentMetrics();
  if (!metrics) {
    flushMetrics([entry]);
    return;
  }
  const key = `${entry.name}\u0000${entry.channelKind ?? ''}`;
  const existing = metrics.get(key);
  if (!existing) metrics.set(key, { ...entry });
  else
    existing.value = entry.aggregate === 'sum' ? existing.value + entry.value : Math.max(existing.value, entry.value);
}

/** Writes the gathered values: one EMF document per channel kind (a dimension value is one per document). */
export function flushMetrics(entries: Iterable<MetricEntry> = currentMetrics()?.values() ?? []): void {
  const byKind = new Map<string, MetricEntry[]>();
  for (const entry of entries) {
    const kind = entry.channelKind ?? '';
    byKind.set(kind, [...(byKind.get(kind) ?? []), entry]);
  }
  const tenant = process.env[TENANT_ENV] ?? 'local';
  for (const [kind, group] of byKind) {
    writeLine({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            // Per tenant always; per tenant and channel kind too where a kind applies (alarms read the first).
            Dimensions: kind ? [['Tenant'], ['Tenant', 'ChannelKind']] : [['Tenant']],
            Metrics: group.map(({ name, unit }) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      Tenant: tenant,
      ...(kind ? { ChannelKind: kind } : {}),
      ...Object.fromEntries(group.map(({ name, value }) => [name, value])),
    });
  }
  currentMetrics()?.clear();
}
