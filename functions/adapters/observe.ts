// The one wrapper every Lambda handler passes through (OP1, OP2): it opens the request's log scope with its ids
// (request, connection, ticket, operator, route), writes one info line with the outcome and duration when it ends,
// and flushes the request's metrics. It reads ids from the event only; bodies, tokens and texts are never logged.
import type { Context } from 'aws-lambda';
import {
  currentOutcome,
  errorFields,
  inRequestScope,
  type LogContext,
  type LogFields,
  log,
  runInRequestScope,
} from '../../shared/platform/log';
import { countMetric, flushMetrics, METRIC } from '../../shared/platform/metrics';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/** Marks a handler as observed, so a test can check every entry of the route table is. */
export const OBSERVED = Symbol.for('switchboard.observed');

/** The observed handler; the context is optional so a local caller (the stream poller, a bench) may leave it out. */
export function observe<E, R>(handler: Handler<E, R>): (event: E, context?: Context) => Promise<R> {
  const observed = (event: E, context?: Context): Promise<R> =>
    inRequestScope()
      ? handler(event, context as Context)
      : runInRequestScope({ requestId: context?.awsRequestId, ...contextOf(event) }, async () => {
          const started = Date.now();
          try {
            const result = await handler(event, context as Context);
            const fields = { ...outcomeOf(result, event as { Records?: unknown[] }), ...currentOutcome() };
            if (fields.outcome === 'error') countMetric(METRIC.functionErrors);
            log.info('request', { ...fields, durationMs: Date.now() - started });
            return result;
          } catch (error) {
            // The authorizer's deliberate 'Unauthorized' is API Gateway's way to answer 401, not a failure.
            const refused = error instanceof Error && error.message === 'Unauthorized';
            if (!refused) {
              countMetric(METRIC.functionErrors);
              log.error('request failed', errorFields(error));
            }
            log.info('request', {
              outcome: refused ? 'unauthorized' : 'error',
              ...currentOutcome(),
              durationMs: Date.now() - started,
            });
            throw error;
          } finally {
            flushMetrics();
          }
        });
  return Object.assign(observed, { [OBSERVED]: true });
}

interface EventShape {
  routeKey?: string;
  type?: string;
  methodArn?: string;
  source?: string;
  'detail-type'?: string;
  resources?: string[];
  Records?: Array<{ eventSource?: string }>;
  pathParameters?: Record<string, string | undefined> | null;
  requestContext?: {
    requestId?: string;
    routeKey?: string;
    connectionId?: string;
    authorizer?: {
      operatorId?: unknown;
      clientId?: unknown;
      channelId?: unknown;
      jwt?: { claims?: Record<string, unknown> };
    } | null;
  };
}

/** The ids an API Gateway, authorizer or EventBridge event carries, whatever its kind. */
function contextOf(event: unknown): LogContext {
  const e = (event ?? {}) as EventShape;
  const rc = e.requestContext ?? {};
  const authorizer = rc.authorizer ?? {};
  const path = e.pathParameters ?? {};
  const context: LogContext = {
    apiRequestId: rc.requestId,
    connectionId: rc.connectionId,
    operatorId: stringOf(authorizer.operatorId) ?? stringOf(authorizer.jwt?.claims?.username),
    clientId: stringOf(authorizer.clientId) ?? path.clientId,
    channelId: stringOf(authorizer.channelId) ?? path.channelId,
    ticketId: path.ticketId,
  };
  if (e.type === 'REQUEST' && e.methodArn) context.route = 'authorize $connect';
  else if (typeof e.routeKey === 'string') context.route = e.routeKey;
  else if (rc.routeKey) context.route = rc.routeKey;
  else if (e.source === 'aws.events' || e['detail-type'] === 'Scheduled Event') context.route = 'schedule';
  else if (e.Records?.[0]?.eventSource === 'aws:dynamodb') context.route = 'stream';
  return context;
}

interface ResultShape {
  statusCode?: number;
  policyDocument?: { Statement?: Array<{ Effect?: string }> };
  fired?: number;
  failed?: number;
}

function outcomeOf(result: unknown, event?: { Records?: unknown[] }): LogFields {
  const r = (result ?? {}) as ResultShape;
  if (typeof r.statusCode === 'number') {
    const status = r.statusCode;
    return { outcome: status >= 500 ? 'error' : status >= 400 ? 'refused' : 'ok', status };
  }
  const effect = r.policyDocument?.Statement?.[0]?.Effect;
  if (Array.isArray(event?.Records)) return { outcome: 'ok', records: event.Records.length };
  if (effect) return { outcome: effect === 'Allow' ? 'allowed' : 'denied' };
  if (typeof r.fired === 'number') return { outcome: 'ok', ...(r as LogFields) };
  return { outcome: 'ok' };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
