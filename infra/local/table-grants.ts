// The local stack holds each function to its table grants as IAM does in AWS (infra/routes.ts): a request naming a
// partition outside the function's item families, writing one it may only read, reading one it may only write, or
// scanning, fails with AccessDeniedException. So a grant the route table forgets shows up in local runs and tests, not
// first in AWS.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../shared/platform/aws-clients';
import { familyOfPartition, type ItemFamily, tableDefinition } from '../../shared/store/keys';
import { readableFamilies, writableFamilies } from '../grants';
import { grantsOf, handlerEntries } from '../routes';

const invocation = new AsyncLocalStorage<string>();
const guarded = new WeakSet<object>();
let entries: Set<string> | undefined;

/**
 * Runs `work` as the function built from `entry`: its table requests are checked against that entry's grants. Entries
 * the route table does not name (test handlers) run unchecked.
 */
export function runAsFunction<T>(entry: string, work: () => T): T {
  entries ??= new Set(handlerEntries());
  if (!entries.has(entry)) return work();
  // The table client is shared by every function in this process (and made again after a reset).
  guardTableGrants(dynamo());
  return invocation.run(entry, work);
}

type Access = 'read' | 'write';
type Input = Record<string, unknown>;

/** Adds the check to a document client once; requests made outside `runAsFunction` (tests, seeding) pass. */
export function guardTableGrants(client: DynamoDBDocumentClient): void {
  if (guarded.has(client.middlewareStack)) return;
  guarded.add(client.middlewareStack);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const entry = invocation.getStore();
      if (entry) check(entry, context.commandName ?? '', args.input as Input);
      return next(args);
    },
    { step: 'initialize', name: 'switchboardLocalTableGrants', priority: 'high' },
  );
}

const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : ((value as { S?: string } | undefined)?.S ?? undefined);

/** Each request's leading keys with the access IAM checks them for, as DynamoDB authorizes the action. */
function requestsOf(command: string, input: Input): { access: Access; key: string | undefined }[] {
  // A write that hands back old or new values reads the item too (IAM: dynamodb:ReturnValues).
  const returns = typeof input.ReturnValues === 'string' && input.ReturnValues !== 'NONE';
  const pk = tableDefinition.partitionKey;
  const keyOf = (item: unknown) => stringOf((item as Input | undefined)?.[pk]);
  const name = command.replace(/Command$/, '').replace(/Items?$/, '');
  switch (name) {
    case 'Get':
      return [{ access: 'read', key: keyOf(input.Key) }];
    case 'Put':
      return withReturns(keyOf(input.Item), returns);
    case 'Update':
    case 'Delete':
      return withReturns(keyOf(input.Key), returns);
    case 'Query':
      return [{ access: 'read', key: queryPartitionOf(input) }];
    case 'BatchGet':
      return Object.values(input.RequestItems as Record<string, { Keys: unknown[] }>).flatMap(({ Keys }) =>
        Keys.map((key) => ({ access: 'read' as const, key: keyOf(key) })),
      );
    case 'BatchWrite':
      return Object.values(input.RequestItems as Record<string, Input[]>).flatMap((requests) =>
        requests.map((request) => ({
          access: 'write' as const,
          key: keyOf((request.PutRequest as Input | undefined)?.Item ?? (request.DeleteRequest as Input)?.Key),
        })),
      );
    case 'TransactWrite':
    case 'TransactGet':
      return (input.TransactItems as Input[]).map((item) => {
        const [kind, step] = Object.entries(item)[0] as [string, Input];
        const access: Access = kind === 'Get' || kind === 'ConditionCheck' ? 'read' : 'write';
        return { access, key: keyOf(step.Item ?? step.Key) };
      });
    default:
      // Scan and everything else is granted to no function.
      return [{ access: 'write', key: undefined }];
  }
}

function withReturns(key: string | undefined, returns: boolean): { access: Access; key: string | undefined }[] {
  return returns
    ? [
        { access: 'write', key },
        { access: 'read', key },
      ]
    : [{ access: 'write', key }];
}

/** The partition a Query names: the value its key condition compares the (table or index) partition key with. */
function queryPartitionOf(input: Input): string | undefined {
  const condition = String(input.KeyConditionExpression ?? '');
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const index = tableDefinition.indexes.find((i) => i.name === input.IndexName);
  const partitionKey = index ? index.partitionKey : tableDefinition.partitionKey;
  for (const [, attribute, placeholder] of condition.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    if ((names[attribute as string] ?? attribute) === partitionKey) return stringOf(values[placeholder as string]);
  }
  return undefined;
}

function check(entry: string, command: string, input: Input): void {
  const grants = grantsOf(entry);
  const allowed: Record<Access, readonly ItemFamily[]> = {
    read: readableFamilies(grants),
    write: writableFamilies(grants),
  };
  for (const { access, key } of requestsOf(command, input)) {
    const family = key === undefined ? undefined : familyOfPartition(key);
    if (family && allowed[access].includes(family)) continue;
    const error = new Error(
      `${entry} is not granted ${access} access to ${key ?? 'this request'} (${command}); its route rows grant ` +
        `read [${allowed.read.join(', ')}], write [${allowed.write.join(', ')}]`,
    );
    error.name = 'AccessDeniedException';
    console.error(`[table grants] ${error.message}`);
    throw error;
  }
}
