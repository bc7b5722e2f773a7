// OP1/OP2 at the adapter: one JSON line per request with its ids, outcome and duration, and the request's metrics as
// one embedded-metric-format document per channel kind — nothing at all for a request that counted nothing.
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { observe } from '../../functions/adapters/observe';
import { log, setLogSink } from '../../shared/platform/log';
import { countMetric, durationMetric, METRIC, TENANT_ENV } from '../../shared/platform/metrics';
import { projectChanges } from '../../shared/use-cases/change-projector';

let lines: Record<string, unknown>[];
let previous: ReturnType<typeof setLogSink>;

beforeEach(() => {
  lines = [];
  previous = setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  process.env[TENANT_ENV] = 'acme';
});
afterEach(() => {
  setLogSink(previous);
  delete process.env[TENANT_ENV];
});

const context = { awsRequestId: 'req-1' } as Context;
const httpEvent = {
  routeKey: 'POST /tickets/{ticketId}/take',
  pathParameters: { ticketId: 'c1.1' },
  requestContext: { requestId: 'api-1', authorizer: { jwt: { claims: { username: 'op-anna' } } } },
};

describe('Request log line (OP1)', () => {
  it('OP1: a request writes one INFO line with request, operator, ticket and route ids, outcome and duration', async () => {
    const handler = observe(async () => {
      log.warn('inside', { step: 1 });
      return { statusCode: 409 };
    });
    await handler(httpEvent, context);
    expect(lines).toHaveLength(2);
    const ids = {
      requestId: 'req-1',
      apiRequestId: 'api-1',
      operatorId: 'op-anna',
      ticketId: 'c1.1',
      route: 'POST /tickets/{ticketId}/take',
    };
    expect(lines[0]).toMatchObject({ level: 'WARN', message: 'inside', step: 1, ...ids });
    expect(lines[1]).toMatchObject({ level: 'INFO', message: 'request', outcome: 'refused', status: 409, ...ids });
    expect(typeof lines[1]?.durationMs).toBe('number');
    expect(typeof lines[1]?.timestamp).toBe('string');
  });

  it('OP1: a WebSocket action carries its connection id; a route inside a dispatcher logs once', async () => {
    const inner = observe(async () => ({ statusCode: 200 }));
    const outer = observe(async (event: unknown, ctx: Context) => inner(event, ctx));
    await outer(
      { requestContext: { routeKey: 'take', connectionId: 'conn-7', authorizer: { operatorId: 'op-boris' } } },
      context,
    );
    expect(lines).toEqual([
      expect.objectContaining({ message: 'request', connectionId: 'conn-7', operatorId: 'op-boris', route: 'take' }),
    ]);
  });

  it('OP1: a thrown handler logs the error class and message at ERROR, then the request line, and counts an error', async () => {
    const handler = observe(async () => {
      throw new TypeError('boom');
    });
    await expect(handler(httpEvent, context)).rejects.toThrow('boom');
    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ['ERROR', 'request failed'],
      ['INFO', 'request'],
      [undefined, undefined],
    ]);
    expect(lines[0]).toMatchObject({ errorName: 'TypeError', errorMessage: 'boom' });
    expect(lines[2]).toMatchObject({ Tenant: 'acme', [METRIC.functionErrors]: 1 });
  });
});

describe('Metrics (OP2)', () => {
  it('OP2: counts add up within a request, durations keep the maximum, per channel kind in its own document', async () => {
    const handler = observe(async () => {
      countMetric(METRIC.messagesIn, 1, 'telegram');
      countMetric(METRIC.messagesIn, 1, 'telegram');
      countMetric(METRIC.fanOutPosts, 3);
      durationMetric(METRIC.timerLag, 500);
      durationMetric(METRIC.timerLag, 1500);
      return { statusCode: 200 };
    });
    await handler(httpEvent, context);
    const documents = lines.filter((line) => line._aws);
    expect(documents).toHaveLength(2);
    const byKind = documents.find((d) => d.ChannelKind === 'telegram') as Record<string, unknown>;
    expect(byKind).toMatchObject({ Tenant: 'acme', [METRIC.messagesIn]: 2 });
    expect(byKind._aws).toMatchObject({
      CloudWatchMetrics: [
        {
          Namespace: 'Switchboard',
          Dimensions: [['Tenant'], ['Tenant', 'ChannelKind']],
          Metrics: [{ Name: METRIC.messagesIn, Unit: 'Count' }],
        },
      ],
    });
    const plain = documents.find((d) => !d.ChannelKind) as Record<string, unknown>;
    expect(plain).toMatchObject({ [METRIC.fanOutPosts]: 3, [METRIC.timerLag]: 1500 });
  });

  it('OP2: a request that counted nothing publishes no metric (an idle tenant pays for none)', async () => {
    await observe(async () => ({ statusCode: 200 }))(httpEvent, context);
    expect(lines.filter((line) => line._aws)).toEqual([]);
  });

  it("OP2: every change-stream output publishes the age of its batch's oldest record as StreamLag", async () => {
    const now = Math.floor(Date.now() / 1000);
    const record = (sequence: string, ageSeconds: number) => ({
      eventName: 'INSERT' as const,
      dynamodb: {
        SequenceNumber: sequence,
        ApproximateCreationDateTime: now - ageSeconds,
        NewImage: { type: { S: 'other' } },
      },
    });
    const output = { name: 'test', project: async () => undefined };
    await observe(async () => projectChanges(output, { Records: [record('1', 400), record('2', 5)] }))({}, context);
    const lag = lines.filter((line) => line._aws).map((line) => line[METRIC.streamLag]);
    expect(lag).toHaveLength(1);
    expect(lag[0]).toBeGreaterThanOrEqual(400_000);
    expect(lag[0]).toBeLessThan(460_000);
  });
});
