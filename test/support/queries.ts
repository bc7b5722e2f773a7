// Which partitions a piece of work Queries, read off the product's own DynamoDB client: for tests that assert a read
// was made or spared (fan-out audiences, a watchers' read skipped).
import { dynamo } from '../../shared/platform/aws-clients';

/** The partition (`:pk`) of every Query sent while `run` runs, in order. */
export async function queriedPartitions(run: () => Promise<unknown>): Promise<string[]> {
  const partitions: string[] = [];
  const client = dynamo();
  const name = `queriedPartitions-${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand') {
        const values = (args.input as { ExpressionAttributeValues?: Record<string, unknown> })
          .ExpressionAttributeValues;
        partitions.push(String(values?.[':pk']));
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await run();
  } finally {
    client.middlewareStack.remove(name);
  }
  return partitions;
}
