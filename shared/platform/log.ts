// Structured logs (OP1): one JSON object per line, carrying the ids of the request it belongs to, so CloudWatch Logs
// Insights can follow a request, a connection, a ticket or an operator. Never log secrets, tokens or message texts:
// records take ids, codes, counts and outcomes only.
import { AsyncLocalStorage } from 'node:async_hooks';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The ids a request is known by; every line written while it runs carries them. */
export interface LogContext {
  /** Lambda's request id (awsRequestId). */
  requestId?: string;
  /** API Gateway's own request id, when it differs: it is the one in the access logs. */
  apiRequestId?: string;
  connectionId?: string;
  ticketId?: string;
  operatorId?: string;
  clientId?: string;
  channelId?: string;
  /** `GET /tickets/{ticketId}`, a WebSocket route key, `schedule timers`, `authorize $connect`. */
  route?: string;
}

export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

/** Receives each record as one JSON line (without the newline). */
export type LogSink = (line: string) => void;

interface RequestScope {
  context: LogContext;
  /** Metric values gathered while the request runs; flushed as one EMF document (shared/platform/metrics.ts). */
  metrics: Map<string, MetricEntry>;
  /** What the adapters learnt of the result (an error code); it goes on the request's closing line. */
  outcome: LogFields;
}

export interface MetricEntry {
  name: string;
  unit: 'Count' | 'Milliseconds';
  value: number;
  /** Sum for counts, max for durations: what the alarm on it reads. */
  aggregate: 'sum' | 'max';
  channelKind?: string;
}

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };
const scope = new AsyncLocalStorage<RequestScope>();

// Written with process.stdout rather than console: Lambda's JSON log format re-wraps console calls, and a line that is
// already JSON passes through unchanged, so EMF documents stay readable by CloudWatch.
const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

let sink: LogSink = process.env.SWITCHBOARD_LOG === 'off' ? () => undefined : stdoutSink;

function threshold(): number {
  const level = (process.env.AWS_LAMBDA_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  return RANK[level] ?? RANK.INFO;
}

/** Sends every record to `next` instead (the local stack's log file, a test's capture); returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

/** Writes one line as is (an EMF document is already complete JSON). */
export function writeLine(record: Record<string, unknown>): void {
  sink(JSON.stringify(record));
}

/** Runs `work` as one request: lines written inside carry `context`; a request inside another joins the outer one. */
export function runInRequestScope<T>(context: LogContext, work: () => Promise<T>): Promise<T> {
  const outer = scope.getStore();
  if (outer) {
    Object.assign(outer.context, definedOnly(context));
    return work();
  }
  return scope.run({ context: definedOnly(context), metrics: new Map(), outcome: {} }, work);
}

/** True inside a request: a handler wrapped twice (a route inside a resource's dispatcher) logs once. */
export function inRequestScope(): boolean {
  return scope.getStore() !== undefined;
}

/** Adds ids learnt while the request runs (the ticket an action turned out to touch). */
export function addLogContext(context: LogContext): void {
  const current = scope.getStore();
  if (current) Object.assign(current.context, definedOnly(context));
}

/** Notes part of the request's outcome (an error code, a count) for its closing line. */
export function noteOutcome(fields: LogFields): void {
  const current = scope.getStore();
  if (current) Object.assign(current.outcome, definedOnly(fields));
}

export function currentOutcome(): LogFields {
  return { ...scope.getStore()?.outcome };
}

export function currentLogContext(): LogContext {
  return { ...scope.getStore()?.context };
}

/** The metrics of the running request, or undefined outside one (then a metric is written at once). */
export function currentMetrics(): Map<string, MetricEntry> | undefined {
  return scope.getStore()?.metrics;
}

function write(level: LogLevel, message: string, fields?: LogFields): void {
  if (RANK[level] < threshold()) return;
  writeLine({
    timestamp: new Date().toISOString(),
    level,
    message,
    ...scope.getStore()?.context,
    ...definedOnly(fields ?? {}),
  });
}

/** What an error may say in a log: its class, code and message, never a request body or a token it held. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      errorName: error.name,
      ...(typeof code === 'string' ? { errorCode: code } : {}),
      errorMessage: error.message.slice(0, 500),
      // Stack frames name code, never data; the first few place the fault.
      errorStack: error.stack?.split('\n').slice(1, 6).join('\n'),
    };
  }
  return { errorMessage: String(error).slice(0, 200) };
}

export const log = {
  debug: (message: string, fields?: LogFields) => write('DEBUG', message, fields),
  info: (message: string, fields?: LogFields) => write('INFO', message, fields),
  warn: (message: string, fields?: LogFields) => write('WARN', message, fields),
  error: (message: string, fields?: LogFields) => write('ERROR', message, fields),
};

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
