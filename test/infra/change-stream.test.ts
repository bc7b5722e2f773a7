// CDK assertions for the change stream: the table streams both images, and every stream consumer of the route table
// is its own batched, bisecting, bounded-retry event source mapping with a failure queue (M8 projector, OP3).
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionIdOf, streamConsumers } from '../../infra/routes';
import { createTenantStack, type SwitchboardStack } from '../../infra/stack';

let stack: SwitchboardStack;
let template: Template;

beforeAll(() => {
  const app = new App({ context: { tenant: 'acme', sesIdentity: 'acme.example' } });
  stack = createTenantStack(app);
  template = Template.fromStack(stack);
}, 300_000);

describe('M8 change stream', () => {
  it('M8: the table streams new and old images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('M8: one event source mapping per stream consumer row: batched, bisected, bounded retries, failure queue', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': Match.arrayWith(['StreamArn']) } },
    });
    expect(Object.keys(mappings)).toHaveLength(streamConsumers.length);
    const queueId = stack.getLogicalId(stack.streamFailures.node.defaultChild as never);
    for (const consumer of streamConsumers) {
      const fn = stack.functions.get(consumer.entry);
      expect(fn, consumer.entry).toBeDefined();
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: stack.getLogicalId(fn?.node.defaultChild as never) },
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Table'), 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: consumer.batchSize,
        MaximumBatchingWindowInSeconds: consumer.batchingWindowSeconds,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: consumer.retryAttempts,
        MaximumRecordAgeInSeconds: consumer.maxRecordAgeSeconds,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
      expect(functionIdOf(consumer.entry)).toMatch(/^Stream/);
    }
  });

  it('M8: the failure queue is encrypted and keeps given-up batches for 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });
});

describe('S4 timer wake-ups', () => {
  it('S4: the timers function consumes the wake-up queue and reports failed messages one by one', () => {
    const timers = stack.functions.get('functions/scheduled/timers.ts');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: stack.getLogicalId(timers?.node.defaultChild as never) },
      EventSourceArn: { 'Fn::GetAtt': [stack.getLogicalId(stack.timerWakeUps.node.defaultChild as never), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});
