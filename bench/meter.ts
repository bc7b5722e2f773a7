// Counts DynamoDB and management-API calls of an operation: timing, items read, read units, write units by rule.
import type {
  ApiGatewayManagementApiClient,
  ServiceInputTypes as ManagementInput,
  ServiceOutputTypes as ManagementOutput,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  type AttributeValue,
  type DynamoDBClient,
  type ServiceInputTypes as DynamoInput,
  type ServiceOutputTypes as DynamoOutput,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  InitializeMiddleware,
} from '@smithy/types';
import { localDynamoClient } from '../infra/local/table';
import { allIndexes, type TableDefinition, tableDefinition } from '../shared/store/keys';

type Item = Record<string, AttributeValue>;
type Loose = Record<string, unknown>;

export interface WriteUnits {
  /** Items written (Put, Update, Delete; a transaction's ConditionCheck counts as its item). */
  items: number;
  /** Base table: ⌈larger of before/after image ÷ 1 KB⌉ per item, ×2 inside a transaction. */
  table: number;
  /** Indexes (GSIs and the LSI): one write per entry added, removed or changed; a changed key is a delete plus a put. */
  indexes: number;
  transactional: boolean;
}

export interface DynamoCall {
  /** Low-level operation name: GetItem, Query, TransactWriteItems… */
  operation: string;
  table: string | undefined;
  index: string | undefined;
  start: number;
  end: number;
  /** Items DynamoDB evaluated: a found item for GetItem, ScannedCount for Query and Scan. */
  itemsRead: number;
  /**
   * Read units as DynamoDB Local reports them (ReturnConsumedCapacity: INDEXES), but never below what AWS charges a
   * read that finds nothing (½ unit eventually consistent, 1 strongly), which DynamoDB Local reports as 0 for a Query.
   */
  readUnits: number;
  /** Write units by the sizing rules, from consistent before/after images of every written item. */
  writes: WriteUnits | undefined;
  /** What DynamoDB Local reports for writes: right for single writes, not for transactions (see units.ts). */
  reportedWriteUnits: number;
  failed: string | undefined;
}

export interface PostCall {
  connectionId: string;
  start: number;
  end: number;
  outcome: 'delivered' | 'gone' | 'failed';
}

export interface Recording {
  calls: DynamoCall[];
  posts: PostCall[];
}

export interface RecordingTotals {
  calls: number;
  /** Sequential DynamoDB round trips: calls whose [start, end] overlap count once. */
  roundTrips: number;
  itemsRead: number;
  readUnits: number;
  writeItems: number;
  writeUnitsTable: number;
  writeUnitsIndexes: number;
  writeUnits: number;
  reportedWriteUnits: number;
  posts: number;
  /** Distinct connections posted to. */
  recipients: number;
}

const KB = 1024;
const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const SHORT_NAMES: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

interface WriteTarget {
  table: string;
  key: Item;
  kind: 'put' | 'update' | 'delete' | 'check';
}

export class Meter {
  private active: Recording | undefined;
  private pending = 0;
  private readonly images: DynamoDBClient;
  private readonly keyNames: readonly string[];

  constructor(
    endpoint: string,
    private readonly tableName: string,
    private readonly definition: TableDefinition = tableDefinition,
  ) {
    // A client of its own: the images it reads are never metered.
    this.images = localDynamoClient(endpoint);
    this.keyNames = [definition.partitionKey, definition.sortKey];
  }

  /** Runs `work` with recording on and waits until every metered call it started has finished. */
  async measure<T>(work: () => Promise<T>, settleMs = 0): Promise<{ result: T; recording: Recording }> {
    if (this.active) throw new Error('measurements do not nest');
    const recording: Recording = { calls: [], posts: [] };
    this.active = recording;
    try {
      const result = await work();
      if (settleMs) await new Promise((resolve) => setTimeout(resolve, settleMs));
      while (this.pending > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      return { result, recording };
    } finally {
      this.active = undefined;
    }
  }

  attachDynamo(client: DynamoDBDocumentClient | DynamoDBClient): void {
    // The document client shares its base client's stack; the middleware sees document-client (native) inputs.
    const middleware: InitializeMiddleware<DynamoInput, DynamoOutput> = (next, context) => async (args) => {
      const recording = this.active;
      if (!recording) return next(args);
      this.pending++;
      try {
        return await this.meterCall(recording, next, context, args);
      } finally {
        this.pending--;
      }
    };
    (client as DynamoDBClient).middlewareStack.add(middleware, {
      step: 'initialize',
      name: 'benchMeter',
      override: true,
    });
  }

  attachManagement(client: ApiGatewayManagementApiClient): void {
    const middleware: InitializeMiddleware<ManagementInput, ManagementOutput> = (next, context) => async (args) => {
      const recording = this.active;
      if (!recording || context.commandName !== 'PostToConnectionCommand') return next(args);
      const connectionId = String((args.input as Loose).ConnectionId);
      const start = performance.now();
      try {
        const result = await next(args);
        recording.posts.push({ connectionId, start, end: performance.now(), outcome: 'delivered' });
        return result;
      } catch (error) {
        const gone = (error as { name?: string }).name === 'GoneException';
        recording.posts.push({ connectionId, start, end: performance.now(), outcome: gone ? 'gone' : 'failed' });
        throw error;
      }
    };
    client.middlewareStack.add(middleware, { step: 'initialize', name: 'benchPostMeter', override: true });
  }

  destroy(): void {
    this.images.destroy();
  }

  private async meterCall(
    recording: Recording,
    next: InitializeHandler<DynamoInput, DynamoOutput>,
    context: HandlerExecutionContext,
    args: InitializeHandlerArguments<DynamoInput>,
  ) {
    const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    const operation = SHORT_NAMES[name] ?? name;
    const input = args.input as Loose;
    const start = performance.now();
    const targets = this.writeTargets(operation, input);
    const before = targets ? await this.readImages(targets) : undefined;
    const metered = { ...args, input: { ...input, ReturnConsumedCapacity: 'INDEXES' } as DynamoInput };
    let output: Loose = {};
    let failed: string | undefined;
    try {
      const result = await next(metered);
      output = result.output as unknown as Loose;
      return result;
    } catch (error) {
      failed = (error as { name?: string }).name ?? 'Error';
      throw error;
    } finally {
      const end = performance.now();
      const after = targets ? await this.readImages(targets).catch(() => undefined) : undefined;
      const capacity = consumedUnits(output.ConsumedCapacity);
      recording.calls.push({
        operation,
        table: typeof input.TableName === 'string' ? input.TableName : tableOfBatch(input),
        index: typeof input.IndexName === 'string' ? input.IndexName : undefined,
        start,
        end,
        itemsRead: itemsReadOf(operation, output),
        readUnits: READ_OPERATIONS.has(operation) ? Math.max(capacity, minimumReadUnits(operation, input)) : 0,
        writes:
          targets && before && after
            ? this.writeUnits(targets, before, after, operation === 'TransactWriteItems')
            : undefined,
        reportedWriteUnits: READ_OPERATIONS.has(operation) ? 0 : capacity,
        failed,
      });
    }
  }

  /** The items a write request touches, when they are in the measured table (whose key schema is known). */
  private writeTargets(operation: string, input: Loose): WriteTarget[] | undefined {
    const targets: WriteTarget[] = [];
    const add = (table: unknown, source: unknown, kind: WriteTarget['kind']) => {
      if (table !== this.tableName || typeof source !== 'object' || source === null) return;
      const key: Item = {};
      for (const name of this.keyNames) key[name] = toAttributeValue((source as Loose)[name]);
      targets.push({ table, key, kind });
    };
    switch (operation) {
      case 'PutItem':
        add(input.TableName, input.Item, 'put');
        break;
      case 'UpdateItem':
        add(input.TableName, input.Key, 'update');
        break;
      case 'DeleteItem':
        add(input.TableName, input.Key, 'delete');
        break;
      case 'TransactWriteItems':
        for (const entry of (input.TransactItems as Loose[] | undefined) ?? []) {
          const step = (entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck) as Loose | undefined;
          const kind = entry.Put ? 'put' : entry.Update ? 'update' : entry.Delete ? 'delete' : 'check';
          add(step?.TableName, entry.Put ? step?.Item : step?.Key, kind);
        }
        break;
      case 'BatchWriteItem':
        for (const [table, requests] of Object.entries((input.RequestItems as Record<string, Loose[]>) ?? {})) {
          for (const request of requests) {
            const put = request.PutRequest as Loose | undefined;
            const del = request.DeleteRequest as Loose | undefined;
            if (put) add(table, put.Item, 'put');
            if (del) add(table, del.Key, 'delete');
          }
        }
        break;
      default:
        return undefined;
    }
    return targets;
  }

  private async readImages(targets: readonly WriteTarget[]): Promise<Array<Item | undefined>> {
    return Promise.all(
      targets.map(async (target) => {
        const { Item } = await this.images.send(
          new GetItemCommand({ TableName: target.table, Key: target.key, ConsistentRead: true }),
        );
        return Item;
      }),
    );
  }

  private writeUnits(
    targets: readonly WriteTarget[],
    before: ReadonlyArray<Item | undefined>,
    after: ReadonlyArray<Item | undefined>,
    transactional: boolean,
  ): WriteUnits {
    const units: WriteUnits = { items: targets.length, table: 0, indexes: 0, transactional };
    targets.forEach((target, i) => {
      const old = before[i];
      const now = target.kind === 'check' ? old : after[i];
      const size = Math.max(old ? itemSize(old) : 0, now ? itemSize(now) : 0);
      units.table += unitsOf(size, KB) * (transactional ? 2 : 1);
      if (target.kind === 'check') return;
      for (const index of allIndexes(this.definition)) {
        const had = old && inIndex(old, index.partitionKey, index.sortKey);
        const has = now && inIndex(now, index.partitionKey, index.sortKey);
        if (had && has) {
          const sameKey =
            old[index.partitionKey]?.S === now[index.partitionKey]?.S &&
            old[index.sortKey]?.S === now[index.sortKey]?.S;
          if (!sameKey) units.indexes += unitsOf(itemSize(old), KB) + unitsOf(itemSize(now), KB);
          else if (canonical(old) !== canonical(now)) units.indexes += unitsOf(size, KB);
        } else if (had) {
          units.indexes += unitsOf(itemSize(old), KB);
        } else if (has) {
          units.indexes += unitsOf(itemSize(now), KB);
        }
      }
    });
    return units;
  }
}

/** Totals of a recording; round trips merge calls whose time intervals overlap (they ran side by side). */
export function totalsOf(recording: Recording): RecordingTotals {
  const calls = recording.calls;
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let roundTrips = 0;
  let clusterEnd = Number.NEGATIVE_INFINITY;
  for (const call of sorted) {
    if (call.start >= clusterEnd) roundTrips++;
    clusterEnd = Math.max(clusterEnd, call.end);
  }
  const sum = (pick: (call: DynamoCall) => number) => calls.reduce((total, call) => total + pick(call), 0);
  const writeUnitsTable = sum((call) => call.writes?.table ?? 0);
  const writeUnitsIndexes = sum((call) => call.writes?.indexes ?? 0);
  return {
    calls: calls.length,
    roundTrips,
    itemsRead: sum((call) => call.itemsRead),
    readUnits: sum((call) => call.readUnits),
    writeItems: sum((call) => call.writes?.items ?? 0),
    writeUnitsTable,
    writeUnitsIndexes,
    writeUnits: writeUnitsTable + writeUnitsIndexes,
    reportedWriteUnits: sum((call) => call.reportedWriteUnits),
    posts: recording.posts.length,
    recipients: new Set(recording.posts.map((post) => post.connectionId)).size,
  };
}

/** The calls of a recording in order, one short line each (for the JSON results). */
export function callLog(recording: Recording): string[] {
  const t0 = Math.min(...recording.calls.map((call) => call.start), ...recording.posts.map((post) => post.start));
  const lines = recording.calls.map((call) => {
    const where = call.index ? `${call.table}/${call.index}` : (call.table ?? '');
    const units = call.writes
      ? `WRU ${call.writes.table}+${call.writes.indexes} (${call.writes.items} items${call.writes.transactional ? ', tx' : ''})`
      : `RRU ${call.readUnits}, ${call.itemsRead} items`;
    const at = `${(call.start - t0).toFixed(1)}–${(call.end - t0).toFixed(1)} ms`;
    return `${at} ${call.operation} ${where} ${units}${call.failed ? ` FAILED ${call.failed}` : ''}`;
  });
  const posts = recording.posts.length ? [`${recording.posts.length} PostToConnection`] : [];
  return [...lines, ...posts];
}

// --- DynamoDB item sizes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Numbers: about one byte per two significant digits, plus one. */
function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((total, entry) => total + utf8(entry), 0);
  if (value.NS !== undefined) return value.NS.reduce((total, entry) => total + numberSize(entry), 0);
  if (value.BS !== undefined) return value.BS.reduce((total, entry) => total + entry.byteLength, 0);
  // Lists and maps: 3 bytes of overhead plus one byte per element.
  if (value.L !== undefined) return 3 + value.L.reduce((total, entry) => total + attributeValueSize(entry) + 1, 0);
  if (value.M !== undefined) {
    return (
      3 +
      Object.entries(value.M).reduce((total, [name, entry]) => total + utf8(name) + attributeValueSize(entry) + 1, 0)
    );
  }
  return 0;
}

export function itemSize(item: Item): number {
  return Object.entries(item).reduce((total, [name, value]) => total + utf8(name) + attributeValueSize(value), 0);
}

const unitsOf = (bytes: number, per: number) => Math.max(1, Math.ceil(bytes / per));

function inIndex(item: Item, partitionKey: string, sortKey: string): boolean {
  return item[partitionKey] !== undefined && item[sortKey] !== undefined;
}

function canonical(item: Item): string {
  return JSON.stringify(
    Object.keys(item)
      .sort()
      .map((name) => [name, item[name]]),
  );
}

function toAttributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  return value as AttributeValue;
}

function consumedUnits(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((total: number, entry: { CapacityUnits?: number }) => total + (entry.CapacityUnits ?? 0), 0);
}

function minimumReadUnits(operation: string, input: Loose): number {
  if (operation !== 'GetItem' && operation !== 'Query' && operation !== 'Scan') return 0;
  return input.ConsistentRead === true ? 1 : 0.5;
}

function itemsReadOf(operation: string, output: Loose): number {
  switch (operation) {
    case 'GetItem':
      return output.Item ? 1 : 0;
    case 'Query':
    case 'Scan':
      return Number(output.ScannedCount ?? output.Count ?? 0);
    case 'BatchGetItem':
      return Object.values((output.Responses as Record<string, unknown[]>) ?? {}).reduce(
        (total, items) => total + items.length,
        0,
      );
    case 'TransactGetItems':
      return ((output.Responses as Loose[] | undefined) ?? []).filter((response) => response.Item).length;
    default:
      return 0;
  }
}

/** The tables of a batch or transaction request, which names them per item. */
function tableOfBatch(input: Loose): string | undefined {
  const tables = new Set(Object.keys((input.RequestItems as Loose | undefined) ?? {}));
  for (const entry of (input.TransactItems as Loose[] | undefined) ?? []) {
    for (const step of Object.values(entry)) {
      const table = (step as Loose | undefined)?.TableName;
      if (typeof table === 'string') tables.add(table);
    }
  }
  return tables.size ? [...tables].join(',') : undefined;
}
