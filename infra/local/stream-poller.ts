// The local event source mapping: reads DynamoDB Local's change stream (the DynamoDB Streams API) and invokes each
// stream consumer of the route table with real stream-record events, as Lambda does in AWS. Every consumer keeps its
// own position per shard and retries only its own batches (bisected on error, then given up to `failures`), so one
// failing consumer never delays another.
import { createHash, createHmac } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export interface LocalStreamConsumer {
  name: string;
  batchSize: number;
  retryAttempts: number;
  /** Runs one batch; a rejection has it retried. */
  handle: (event: DynamoDBStreamEvent) => Promise<unknown>;
}

export interface GivenUpBatch {
  consumer: string;
  reason: string;
  firstSequence: string;
  lastSequence: string;
  records: number;
}

export interface StreamPoller {
  /** Reads every shard once for every consumer (each isolated from the others' failures). */
  pollOnce(): Promise<number>;
  /** Polls until the named consumers (all by default) have nothing left to deliver or retry. */
  drain(consumers?: readonly string[], maxRounds?: number): Promise<void>;
  /** Batches given up after their retries: the local stand-in for the on-failure destination. */
  readonly failures: GivenUpBatch[];
  stop(): void;
}

const STREAMS_TARGET = 'DynamoDBStreams_20120810';
const REGION = 'us-east-1';

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

/** A SigV4-signed JSON call; DynamoDB Local reads the access key from the signature to pick its database. */
async function call<T>(endpoint: string, target: string, body: unknown): Promise<T> {
  const url = new URL(endpoint);
  const payload = JSON.stringify(body);
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    ...names.map((name) => `${name}:${headers[name]}`),
    '',
    names.join(';'),
    sha256(payload),
  ].join('\n');
  const scope = `${day}/${REGION}/dynamodb/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = ['dynamodb', 'aws4_request'].reduce(
    (k, part) => hmac(k, part),
    hmac(hmac(`AWS4${process.env.AWS_SECRET_ACCESS_KEY ?? 'local'}`, day), REGION),
  );
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const accessKey = process.env.AWS_ACCESS_KEY_ID ?? 'local';
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    },
    body: payload,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target.split('.')[1]} failed: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

interface Shard {
  ShardId: string;
  ParentShardId?: string;
}

interface ConsumerShard {
  iterator: string | undefined;
  /** Records read but not yet delivered, in batches (bisected on failure), each with its failed attempts. */
  pending: Array<{ records: DynamoDBRecord[]; attempts: number }>;
  closed: boolean;
}

export async function latestStreamArn(endpoint: string, tableName: string): Promise<string> {
  const { Table } = await call<{ Table: { LatestStreamArn?: string } }>(endpoint, 'DynamoDB_20120810.DescribeTable', {
    TableName: tableName,
  });
  if (!Table.LatestStreamArn) throw new Error(`Table ${tableName} has no stream; create it with the stream enabled`);
  return Table.LatestStreamArn;
}

export async function startStreamPoller(options: {
  endpoint: string;
  tableName: string;
  consumers: readonly LocalStreamConsumer[];
  /** Background polling interval; 0 = no background polling (tests call pollOnce / drain). */
  intervalMs?: number;
  /** Where a consumer starts on a shard: every record kept (default, as the stack's mappings) or only new ones. */
  from?: 'TRIM_HORIZON' | 'LATEST';
  log?: (line: string) => void;
}): Promise<StreamPoller> {
  const { endpoint } = options;
  const log = options.log ?? (() => undefined);
  const streamArn = await latestStreamArn(endpoint, options.tableName);
  const failures: GivenUpBatch[] = [];
  const positions = new Map<string, Map<string, ConsumerShard>>(
    options.consumers.map((consumer) => [consumer.name, new Map()]),
  );

  const shards = async (): Promise<Shard[]> => {
    const { StreamDescription } = await call<{ StreamDescription: { Shards: Shard[] } }>(
      endpoint,
      `${STREAMS_TARGET}.DescribeStream`,
      { StreamArn: streamArn },
    );
    return StreamDescription.Shards;
  };

  const iteratorOf = async (shardId: string) =>
    (
      await call<{ ShardIterator: string }>(endpoint, `${STREAMS_TARGET}.GetShardIterator`, {
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: options.from ?? 'TRIM_HORIZON',
      })
    ).ShardIterator;

  const deliver = async (consumer: LocalStreamConsumer, shard: ConsumerShard): Promise<boolean> => {
    const batch = shard.pending[0];
    if (!batch) return true;
    try {
      await consumer.handle({
        Records: batch.records.map((record) => ({
          ...record,
          eventSourceARN: streamArn,
        })),
      });
      shard.pending.shift();
      return true;
    } catch (error) {
      batch.attempts++;
      const reason = (error as Error).message;
      if (batch.attempts > consumer.retryAttempts) {
        shard.pending.shift();
        const given: GivenUpBatch = {
          consumer: consumer.name,
          reason,
          firstSequence: batch.records[0]?.dynamodb?.SequenceNumber ?? '',
          lastSequence: batch.records.at(-1)?.dynamodb?.SequenceNumber ?? '',
          records: batch.records.length,
        };
        failures.push(given);
        log(
          `stream ${consumer.name}: gave up a batch of ${given.records} records after ${batch.attempts} attempts: ${reason}`,
        );
      } else if (batch.records.length > 1) {
        // Bisect on error: the halves are retried on their own, so one poison record ends up alone.
        const half = Math.ceil(batch.records.length / 2);
        shard.pending.splice(
          0,
          1,
          { records: batch.records.slice(0, half), attempts: batch.attempts },
          { records: batch.records.slice(half), attempts: batch.attempts },
        );
      }
      return false;
    }
  };

  /** One round for one consumer: retry what is pending, else read the next records. Returns records handled. */
  const pollConsumer = async (consumer: LocalStreamConsumer, known: Shard[]): Promise<number> => {
    const own = positions.get(consumer.name) as Map<string, ConsumerShard>;
    let handled = 0;
    for (const shard of known) {
      if (own.has(shard.ShardId)) continue;
      // A child shard is read once its parent is finished, as Lambda does, so per-item order holds.
      const parent = shard.ParentShardId ? own.get(shard.ParentShardId) : undefined;
      if (parent && !(parent.closed && parent.pending.length === 0)) continue;
      own.set(shard.ShardId, { iterator: await iteratorOf(shard.ShardId), pending: [], closed: false });
    }
    for (const [, shard] of own) {
      if (shard.pending.length > 0) {
        const size = shard.pending[0]?.records.length ?? 0;
        if (await deliver(consumer, shard)) handled += size;
        else handled += 1;
        continue;
      }
      if (!shard.iterator) continue;
      const read = await call<{ Records?: DynamoDBRecord[]; NextShardIterator?: string }>(
        endpoint,
        `${STREAMS_TARGET}.GetRecords`,
        { ShardIterator: shard.iterator, Limit: consumer.batchSize },
      );
      shard.iterator = read.NextShardIterator;
      if (!shard.iterator) shard.closed = true;
      const records = read.Records ?? [];
      if (records.length === 0) continue;
      shard.pending.push({ records, attempts: 0 });
      await deliver(consumer, shard);
      handled += records.length;
    }
    return handled;
  };

  const pollConsumers = async (names?: readonly string[]): Promise<number> => {
    const known = await shards();
    const chosen = options.consumers.filter((consumer) => !names || names.includes(consumer.name));
    const counts = await Promise.all(
      chosen.map((consumer) =>
        pollConsumer(consumer, known).catch((error: unknown) => {
          log(`stream ${consumer.name}: ${(error as Error).message}`);
          return 0;
        }),
      ),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  };

  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  if (options.intervalMs) {
    const interval = options.intervalMs;
    // Each consumer polls on its own clock, so a slow or failing one never holds up the others.
    const loop = (consumer: LocalStreamConsumer) => {
      if (stopped) return;
      const timer = setTimeout(async () => {
        timers.delete(timer);
        await pollConsumers([consumer.name]).catch(() => 0);
        loop(consumer);
      }, interval);
      timers.add(timer);
    };
    for (const consumer of options.consumers) loop(consumer);
  }

  return {
    pollOnce: () => pollConsumers(),
    drain: async (names, maxRounds = 200) => {
      for (let round = 0; round < maxRounds; round++) {
        if ((await pollConsumers(names)) === 0) return;
      }
      throw new Error(`stream consumers ${names?.join(', ') ?? 'all'} did not drain in ${maxRounds} rounds`);
    },
    failures,
    stop: () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
