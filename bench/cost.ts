// The cost model: $ per million client messages (two operators receiving each) and $ per month for an idle tenant.

import { ALARM_METRICS } from '../infra/constructs/monitoring';
import type { RecordingTotals } from './meter';
import { type Prices, prices } from './prices';

export interface CostLine {
  item: string;
  /** Per client message (per month for idle lines). */
  quantity: number;
  unitPrice: number;
  /** Dollars per million client messages (per month for idle lines). */
  dollars: number;
  basis: string;
}

export interface Scenario {
  name: string;
  lines: CostLine[];
  total: number;
}

export interface CostResult {
  pricesTakenOn: string;
  recipients: number;
  perMillionMessages: Scenario[];
  idlePerMonth: Scenario;
  /** One operator connected 8 hours a day, 22 days a month: WebSocket connection minutes only. */
  operatorOnlinePerMonth: number;
  notModeled: string[];
}

export interface CostInputs {
  /** The inbound message as measured through the webhook, with the recipients who were connected. */
  message: RecordingTotals;
  /** The same for a message that opens a ticket. */
  opening: RecordingTotals;
  /** Estimated billed duration of the webhook function (the local request time, p50). */
  webhookMs: number;
  openingMs: number;
  /** One timers sweep with nothing due. */
  sweep: RecordingTotals;
  sweepMs: number;
  /** The demo tenant's table size (base items plus their GSI copies). */
  tableBytes: number;
}

const RECIPIENTS = 2;
const FUNCTION_GB = 0.5;
const MINUTES_PER_MONTH = 30 * 24 * 60;
const MILLION = 1e6;

export function costModel(inputs: CostInputs, p: Prices = prices): CostResult {
  const scenario = (name: string, totals: RecordingTotals, ms: number): Scenario => {
    // Frames per recipient as measured (message.created, ticket.updated, the assignee's counters), scaled to two.
    const frames = totals.recipients ? (totals.posts / totals.recipients) * RECIPIENTS : 0;
    const lines: CostLine[] = [
      line('HTTP API request (webhook)', 1, p.apiGateway.httpPerRequest, 'one webhook call'),
      line('Lambda requests', 1, p.lambda.perRequest, 'the webhook function; fan-out runs inside it'),
      line(
        'Lambda GB-seconds (arm64, 512 MB)',
        FUNCTION_GB * (Math.ceil(ms) / 1000),
        p.lambda.perGbSecond,
        `${Math.ceil(ms)} ms billed: the local request time p50, an estimate`,
      ),
      line(
        'DynamoDB write request units',
        totals.writeUnits,
        p.dynamoDb.perWriteRequestUnit,
        `counted by rule: ${totals.writeUnitsTable} table (transactional ×2) + ${totals.writeUnitsIndexes} GSI`,
      ),
      line(
        'DynamoDB read request units',
        totals.readUnits,
        p.dynamoDb.perReadRequestUnit,
        'as DynamoDB Local reports them (ReturnConsumedCapacity)',
      ),
      line(
        'WebSocket messages',
        frames,
        p.apiGateway.webSocketPerMessage,
        `${totals.posts} posts to ${totals.recipients} operators measured, scaled to ${RECIPIENTS}`,
      ),
    ];
    return { name, lines, total: sum(lines) };
  };

  const sweepsPerMonth = MINUTES_PER_MONTH;
  const gb = inputs.tableBytes / 1024 ** 3;
  const idle: CostLine[] = [
    line(
      'Timer sweeps: Lambda requests',
      sweepsPerMonth,
      p.lambda.perRequest,
      'every minute (EventBridge rule)',
      false,
    ),
    line(
      'Timer sweeps: EventBridge schedule',
      sweepsPerMonth,
      p.eventBridge.perScheduledRuleEvent,
      "a scheduled rule's events on the default bus are not charged",
      false,
    ),
    line(
      'Timer sweeps: Lambda GB-seconds',
      sweepsPerMonth * FUNCTION_GB * (Math.ceil(inputs.sweepMs) / 1000),
      p.lambda.perGbSecond,
      `${Math.ceil(inputs.sweepMs)} ms per sweep, local estimate`,
      false,
    ),
    line(
      'Timer sweeps: DynamoDB reads',
      sweepsPerMonth * inputs.sweep.readUnits,
      p.dynamoDb.perReadRequestUnit,
      `${inputs.sweep.readUnits} RRU per sweep`,
      false,
    ),
    line(
      'Timer sweeps: DynamoDB writes',
      sweepsPerMonth * inputs.sweep.writeUnits,
      p.dynamoDb.perWriteRequestUnit,
      `${inputs.sweep.writeUnits} WRU per sweep`,
      false,
    ),
    line('DynamoDB storage', gb, p.dynamoDb.storagePerGbMonth, `${inputs.tableBytes} bytes (demo tenant)`, false),
    line('DynamoDB point-in-time recovery', gb, p.dynamoDb.pitrPerGbMonth, 'same size', false),
    line('WebSocket connection minutes', 0, p.apiGateway.webSocketPerConnectionMinute, 'nobody connected', false),
    line('S3 storage', 0, p.s3.standardPerGbMonth, 'no attachments', false),
    line(
      'CloudWatch alarms',
      ALARM_METRICS,
      p.cloudWatch.perAlarmMetricMonth,
      `metrics read by the stack's alarms (one stream lag for every change-stream output)`,
      false,
    ),
    line('Custom metrics', 0, p.cloudWatch.perCustomMetricMonth, 'none published while nothing happens', false),
  ];
  return {
    pricesTakenOn: p.takenOn,
    recipients: RECIPIENTS,
    perMillionMessages: [
      scenario('text message to an open ticket', inputs.message, inputs.webhookMs),
      scenario('text message that opens a ticket', inputs.opening, inputs.openingMs),
    ],
    idlePerMonth: { name: 'idle deployment, per month', lines: idle, total: sum(idle) },
    operatorOnlinePerMonth: 8 * 60 * 22 * p.apiGateway.webSocketPerConnectionMinute,
    notModeled: [
      'CloudWatch Logs ingestion and storage',
      'X-Ray traces (tracing is active; sampled)',
      'KMS requests for the AWS-managed table key',
      'data transfer out',
      'operator actions (take, reply, lists) and the replies sent to channels',
      'free tiers',
    ],
  };
}

function line(item: string, quantity: number, unitPrice: number, basis: string, perMessage = true): CostLine {
  return { item, quantity, unitPrice, dollars: quantity * unitPrice * (perMessage ? MILLION : 1), basis };
}

const sum = (lines: readonly CostLine[]) => lines.reduce((total, entry) => total + entry.dollars, 0);
