// OP1/OP2 in the template: every function logs JSON through the request adapter, and the tenant's alarms exist with
// their thresholds, notify one topic (e-mailed when alarmEmail is set), and a dashboard only when asked for.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OBSERVED } from '../../functions/adapters/observe';
import { ALARM_METRICS, ALARMS } from '../../infra/constructs/monitoring';
import { importEntryHandler } from '../../infra/local/lambda-runtime';
import { handlerEntries, streamConsumers } from '../../infra/routes';
import { createTenantStack, type SwitchboardStack } from '../../infra/stack';
import { TenantSettingsError } from '../../infra/tenant';
import { METRIC, METRICS_NAMESPACE, TENANT_ENV } from '../../shared/platform/metrics';

type Json = Record<string, unknown>;
interface AlarmProps {
  AlarmName: string;
  Threshold: number;
  ComparisonOperator: string;
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  Period?: number;
  Dimensions?: Array<{ Name: string; Value: unknown }>;
  Metrics?: Array<{ Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string } } }>;
  AlarmActions: unknown[];
  TreatMissingData: string;
}

// Template properties only: the functions' code assets are not built (bundle-size.test.ts builds them).
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function synth(context: Json): { stack: SwitchboardStack; template: Template } {
  const stack = createTenantStack(
    new App({ context: { ...NO_BUNDLING, tenant: 'acme', sesIdentity: 'acme.example', ...context } }),
  );
  return { stack, template: Template.fromStack(stack) };
}

function alarmsOf(template: Template): Map<string, AlarmProps> {
  const alarms = template.findResources('AWS::CloudWatch::Alarm');
  return new Map(
    Object.values(alarms).map((alarm) => {
      const props = alarm.Properties as AlarmProps;
      return [props.AlarmName.replace(/^switchboard-acme-/, ''), props];
    }),
  );
}

let stack: SwitchboardStack;
let template: Template;

beforeAll(() => {
  ({ stack, template } = synth({ alarmEmail: 'ops@acme.example' }));
}, 120_000);

describe('Logs (OP1)', () => {
  it('OP1: every function writes JSON logs at INFO, its own lines and the runtime’s', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBe(handlerEntries().length);
    for (const fn of functions) {
      expect((fn.Properties as Json).LoggingConfig).toMatchObject({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'INFO',
      });
      expect(((fn.Properties as Json).Environment as { Variables: Json }).Variables[TENANT_ENV]).toBe('acme');
    }
  });

  it('OP1: every handler of the route table passes through the request adapter (one line per request)', async () => {
    for (const entry of handlerEntries()) {
      const handler = (await importEntryHandler(entry)) as unknown as Record<symbol, unknown>;
      expect(handler[OBSERVED], entry).toBe(true);
    }
  });
});

describe('Alarms (OP2)', () => {
  it('OP2: errors, throttles, API 5xx, delivery failures, timer lag and undeliverable work alarm at their thresholds', () => {
    const alarms = alarmsOf(template);
    const custom = (name: string) => ({ Namespace: METRICS_NAMESPACE, MetricName: name });
    expect(alarms.get('FunctionErrors')).toMatchObject({
      ...custom(METRIC.functionErrors),
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'Tenant', Value: 'acme' }],
    });
    expect(alarms.get('Throttles')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 1 });
    expect(alarms.get('DeliveryFailures')).toMatchObject({ ...custom(METRIC.deliveryFailures), Threshold: 1 });
    expect(alarms.get('TimerLag')).toMatchObject({
      ...custom(METRIC.timerLag),
      Statistic: 'Maximum',
      Threshold: 120_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarms.get('UndeliverableWork')).toMatchObject({ Threshold: 1 });
    const api = alarms.get('Api5xx');
    expect(api?.Threshold).toBe(1);
    const read = (api?.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []));
    expect(read.sort()).toEqual(['5xx', 'ExecutionError']);
    for (const [name, alarm] of alarms) {
      expect(alarm.TreatMissingData, name).toBe('notBreaching');
      expect(alarm.AlarmActions, name).toHaveLength(1);
    }
  });

  it('OP2: alarms notify one topic, e-mailed to the alarmEmail deploy parameter', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@acme.example' });
    const topicId = stack.getLogicalId(stack.monitoring.topic.node.defaultChild as never);
    for (const alarm of alarmsOf(template).values()) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    const quiet = synth({}).template;
    quiet.resourceCountIs('AWS::SNS::Topic', 1);
    quiet.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(() => synth({ alarmEmail: 'not an address' })).toThrow(TenantSettingsError);
  });

  it('OP2: one stream-lag alarm at 5 minutes covers every change-stream output; a given-up batch is undeliverable work', () => {
    const alarms = alarmsOf(template);
    const lag = [...alarms].filter(([name]) => name.startsWith('StreamLag'));
    expect(streamConsumers.length).toBeGreaterThan(1);
    expect(lag).toHaveLength(1);
    expect(lag[0]?.[1]).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.streamLag,
      Statistic: 'Maximum',
      Threshold: 300_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const undeliverable = alarms.get('UndeliverableWork');
    const read = (undeliverable?.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []));
    expect(read.sort()).toEqual(['ApproximateNumberOfMessagesVisible', METRIC.undeliverableWork]);
    expect(ALARMS.streamLag.threshold).toBe(300_000);
  });

  it('OP2: the dashboard exists only behind the dashboard deploy option; idle alarms stay under $1 a month', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    synth({ dashboard: 'true' }).template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    // CloudWatch bills each metric an alarm reads at $0.10 a month.
    const metricsRead = [...alarmsOf(template).values()].reduce(
      (sum, alarm) => sum + (alarm.Metrics ? alarm.Metrics.filter((m) => m.MetricStat).length : 1),
      0,
    );
    expect(metricsRead).toBe(ALARM_METRICS);
    // With the timers sweep, storage and logs (about $0.09, README) the idle tenant stays within $1 a month.
    expect(metricsRead * 0.1).toBeLessThanOrEqual(0.9);
  });
});
