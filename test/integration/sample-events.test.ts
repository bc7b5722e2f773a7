import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/local/lambda-runtime';
import type { OperatorActor } from '../../shared/domain/actors';
import { failedTimers, scheduleTimer } from '../../shared/store/timers';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { useTestTable } from '../support/table';

const sample = <T>(file: string): T => JSON.parse(readFileSync(path.join(repoRoot, 'events', file), 'utf8')) as T;
const context = {} as Context;
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const handlerOf = async (entry: string) => (await import(path.join(repoRoot, entry))).handler as Handler;

beforeAll(async () => {
  await useTestTable();
});

describe('Foundation: handlers run on the sample events in events/', () => {
  it('GET /health (HTTP API payload 2.0) answers 200 from the table', async () => {
    const health = await handlerOf('functions/http/health.ts');
    const result = (await health(sample('apigateway/http-health.json'), context)) as {
      statusCode: number;
      body: string;
    };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok' });
    // X2: the public health check names nothing of the deployment.
    expect(result.body).not.toContain(process.env.TABLE_NAME as string);
  });

  it('CH1: POST /widget/{channelId}/session opens a visitor session for a widget channel', async () => {
    const group = await createGroup(admin, { name: 'Web', strategy: 'manual' });
    const widget = await createChannel(admin, {
      kind: 'widget',
      name: 'Shop',
      defaultGroupId: group.groupId,
      enabled: true,
      settings: { allowedOrigins: ['https://shop.example'] },
      overrides: {},
    });
    const event = sample<{ pathParameters: Record<string, string>; rawPath: string }>(
      'apigateway/http-widget-session.json',
    );
    event.pathParameters.channelId = widget.channelId;
    const session = await handlerOf('functions/http/widget-session.ts');
    const result = (await session(event, context)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ channelId: widget.channelId, name: 'Olga' });
    expect(JSON.parse(result.body).visitorToken).toMatch(/^vt_/);
  });

  it('T11/OP3: the EventBridge scheduled event drives the timers sweep; a timer no job handles is given up', async () => {
    const event = sample<{ time: string }>('eventbridge/timers-schedule.json');
    await scheduleTimer({ kind: 'no-such-kind', id: 'sample', due: '2026-11-21T10:15:00.000Z' }, new Date(0));
    const timers = await handlerOf('functions/scheduled/timers.ts');
    expect(await timers(event, context)).toEqual({ fired: 0, failed: 0, givenUp: 1, woken: 0, lagSeconds: 60 });
    expect(await failedTimers()).toEqual([
      expect.objectContaining({
        kind: 'no-such-kind',
        id: 'sample',
        reason: 'no job handles timers of kind "no-such-kind"',
      }),
    ]);
  });

  it('S4/OP3: an SQS wake-up fires its timer once; a repeated wake-up finds nothing to fire', async () => {
    const event = sample<{ Records: Array<{ body: string }> }>('sqs/timer-wake-up.json');
    const due = new Date(Date.now() - 1_000).toISOString();
    await scheduleTimer({ kind: 'sample.unhandled', id: 'wake', due }, new Date(0));
    for (const record of event.Records) record.body = JSON.stringify({ kind: 'sample.unhandled', id: 'wake', due });
    const timers = await handlerOf('functions/scheduled/timers.ts');
    expect(await timers(event, context)).toEqual({ batchItemFailures: [] });
    expect(await timers(event, context)).toEqual({ batchItemFailures: [] });
    expect((await failedTimers()).filter((timer) => timer.id === 'wake')).toHaveLength(1);
  });
});
