// The floor: one bare DynamoDB Local PutItem and one management-API post arriving as a WebSocket frame.
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoClient } from '../infra/local/table';
import { management } from '../shared/platform/aws-clients';
import type { Bench, OperatorSocket } from './harness';
import { type Distribution, distributionOf } from './stats';

export interface FloorResult {
  putItem: Distribution;
  frame: Distribution;
  /** p50 and p99 of "one PutItem, then one frame": what the latency ratio divides by. */
  combined: { p50: number; p99: number };
  samples: number;
}

const WARM_UP = 50;
const SAMPLES = 500;
const FLOOR_TABLE = 'bench-floor';

export async function measureFloor(bench: Bench, operator: OperatorSocket): Promise<FloorResult> {
  const client = localDynamoClient(bench.stack.urls.dynamoDb);
  const putTimes: number[] = [];
  try {
    // A table without indexes: the bare cost of one durable item write.
    await client.send(
      new CreateTableCommand({
        TableName: FLOOR_TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    for (let i = 0; i < WARM_UP + SAMPLES; i++) {
      const started = performance.now();
      await client.send(
        new PutItemCommand({
          TableName: FLOOR_TABLE,
          Item: { pk: { S: `floor#${i}` }, text: { S: 'My card is blocked, can you help?' } },
        }),
      );
      if (i >= WARM_UP) putTimes.push(performance.now() - started);
    }
  } finally {
    client.destroy();
  }

  const connectionId = operator.connectionId;
  if (!connectionId) throw new Error('the floor needs the operator connection id');
  const frameTimes: number[] = [];
  for (let i = 0; i < WARM_UP + SAMPLES; i++) {
    const arrived = operator.waitFor((frame) => frame.event === 'bench.floor' && frame.data?.i === i);
    const started = performance.now();
    await management().send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: Buffer.from(JSON.stringify({ type: 'event', event: 'bench.floor', data: { i } })),
      }),
    );
    const { at } = await arrived;
    if (i >= WARM_UP) frameTimes.push(at - started);
  }
  const putItem = distributionOf(putTimes);
  const frame = distributionOf(frameTimes);
  return {
    putItem,
    frame,
    combined: { p50: putItem.p50 + frame.p50, p99: putItem.p99 + frame.p99 },
    samples: SAMPLES,
  };
}
