// A tenant's alarms (OP2), the SNS topic they notify and, behind a deploy option, its CloudWatch dashboard. Alarms
// read one metric each where possible, because CloudWatch bills every metric an alarm reads ($0.10 a month each).
import { Duration } from 'aws-cdk-lib';
import type { HttpApi, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, type MetricName } from '../../shared/platform/metrics';

/** Every alarm of the stack, its threshold and what it reads; docs/runbook.md says what to do when one fires. */
export const ALARMS = {
  functionErrors: { id: 'FunctionErrors', threshold: 1 },
  throttles: { id: 'Throttles', threshold: 1 },
  api5xx: { id: 'Api5xx', threshold: 1 },
  deliveryFailures: { id: 'DeliveryFailures', threshold: 1 },
  /** Over two minutes late (milliseconds). */
  timerLag: { id: 'TimerLag', threshold: 120_000 },
  undeliverableWork: { id: 'UndeliverableWork', threshold: 1 },
  /** A change-stream output over five minutes behind the table (milliseconds), whichever output it is. */
  streamLag: { id: 'StreamLag', threshold: 300_000 },
} as const;

/**
 * Metrics the stack's alarms read (API 5xx and undeliverable work read two each): CloudWatch bills $0.10 a month for
 * each. The stream lag is one metric for every change-stream output, so adding an output adds nothing here.
 */
export const ALARM_METRICS = 9;

export interface MonitoringProps {
  readonly tenant: string;
  readonly httpApi: HttpApi;
  readonly webSocketApi: WebSocketApi;
  readonly webSocketStage: WebSocketStage;
  /** Where alarm notifications go; without one the topic exists and can be subscribed to later. */
  readonly alarmEmail: string | undefined;
  /** Queues that hold work given up after its retries (the stream consumers' failure destination). */
  readonly failureQueues: readonly IQueue[];
  /** A CloudWatch dashboard: three per account are free, each further one costs $3 a month. */
  readonly dashboard: boolean;
}

export class TenantMonitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly tenant: string;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.tenant = props.tenant;
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `Switchboard ${props.tenant} alarms`,
      enforceSSL: true,
    });
    NagSuppressions.addResourceSuppressions(this.topic, [
      {
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry alarm names and figures, no customer data; CloudWatch cannot publish to a topic ' +
          'under the AWS-managed SNS key, and a customer-managed key would cost $1 a month, the whole idle budget.',
      },
    ]);
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);

    this.alarm(ALARMS.functionErrors, this.custom(METRIC.functionErrors, 'Sum'), {
      description: 'A request ended in an unexpected error (a 5xx answer or a thrown handler); see the function logs.',
    });
    // Lambda throttles at the account's concurrency limit, which every function and tenant of the account shares.
    this.alarm(
      ALARMS.throttles,
      new Metric({ namespace: 'AWS/Lambda', metricName: 'Throttles', statistic: 'Sum', period: minutes(5) }),
      { description: 'Lambda refused invocations in this account and region: the concurrency limit was reached.' },
    );
    this.alarm(
      ALARMS.api5xx,
      new MathExpression({
        expression: 'http + ws',
        usingMetrics: {
          http: props.httpApi.metricServerError({ statistic: 'Sum', period: minutes(5) }),
          ws: new Metric({
            namespace: 'AWS/ApiGateway',
            metricName: 'ExecutionError',
            dimensionsMap: { ApiId: props.webSocketApi.apiId, Stage: props.webSocketStage.stageName },
            statistic: 'Sum',
            period: minutes(5),
          }),
        },
        label: 'HTTP 5xx + WebSocket execution errors',
        period: minutes(5),
      }),
      { description: 'The HTTP API answered 5xx or the WebSocket API failed to run a route.' },
    );
    this.alarm(ALARMS.deliveryFailures, this.custom(METRIC.deliveryFailures, 'Sum'), {
      description: 'A channel refused an operator reply or stayed unreachable; the reply is marked failed.',
    });
    this.alarm(ALARMS.timerLag, this.custom(METRIC.timerLag, 'Maximum'), {
      description: 'Timers (auto-close, SLA marks) fire more than 2 minutes after they fall due.',
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.alarm(
      ALARMS.undeliverableWork,
      new MathExpression({
        expression: ['timers', ...props.failureQueues.map((_, i) => `queue${i}`)].join(' + '),
        usingMetrics: {
          timers: this.custom(METRIC.undeliverableWork, 'Sum'),
          ...Object.fromEntries(
            props.failureQueues.map((queue, i) => [
              `queue${i}`,
              queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: minutes(5) }),
            ]),
          ),
        },
        label: 'Timers of no known kind + batches given up to a failure queue',
        period: minutes(5),
      }),
      {
        description:
          'Work that cannot complete by itself: a timer of an unknown kind, or a stream batch given up after its ' +
          'retries and waiting in the failure queue.',
      },
    );

    this.alarm(ALARMS.streamLag, this.custom(METRIC.streamLag, 'Maximum'), {
      description: 'A change-stream output (search index, reports) is more than 5 minutes behind the table.',
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });

    if (props.dashboard) this.createDashboard(props);
  }

  private custom(name: MetricName, statistic: 'Sum' | 'Maximum'): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { Tenant: this.tenant },
      statistic,
      period: minutes(5),
    });
  }

  private alarm(
    spec: { id: string; threshold: number },
    metric: Metric | MathExpression,
    options: { description: string; comparison?: ComparisonOperator },
  ): Alarm {
    const id = spec.id;
    const alarm = new Alarm(this, id, {
      alarmName: `switchboard-${this.tenant}-${id}`,
      alarmDescription: `${options.description} Runbook: docs/runbook.md#${spec.id.toLowerCase()}`,
      metric,
      threshold: spec.threshold,
      evaluationPeriods: 1,
      comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data is the idle state: custom metrics are published only when something happened.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  private createDashboard(props: MonitoringProps): void {
    const byKind = (name: MetricName) =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},Tenant,ChannelKind} MetricName="${name}" Tenant="${this.tenant}"', 'Sum', 300)`,
        label: name,
        period: minutes(5),
      });
    new Dashboard(this, 'Dashboard', {
      dashboardName: `switchboard-${props.tenant}`,
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 })],
        [
          new GraphWidget({ title: 'Messages in per channel kind', left: [byKind(METRIC.messagesIn)], width: 8 }),
          new GraphWidget({ title: 'Messages out per channel kind', left: [byKind(METRIC.messagesOut)], width: 8 }),
          new GraphWidget({
            title: 'Delivery failures per channel kind',
            left: [byKind(METRIC.deliveryFailures)],
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Fan-out',
            left: [this.custom(METRIC.fanOutPosts, 'Sum'), this.custom(METRIC.goneConnections, 'Sum')],
            width: 8,
          }),
          new GraphWidget({
            title: 'Timers',
            left: [this.custom(METRIC.timerLag, 'Maximum')],
            right: [this.custom(METRIC.timersFired, 'Sum'), this.custom(METRIC.timersFailed, 'Sum')],
            width: 8,
          }),
          new GraphWidget({
            title: 'Errors',
            left: [
              this.custom(METRIC.functionErrors, 'Sum'),
              this.custom(METRIC.signaturesRefused, 'Sum'),
              props.httpApi.metricServerError({ statistic: 'Sum', period: minutes(5) }),
            ],
            width: 8,
          }),
        ],
      ],
    });
  }
}

const minutes = (n: number) => Duration.minutes(n);
