// The single-table key design: the table's shape (used by CDK, the local stack and tests) and every key builder.
//
// Table: pk (S), sk (S); TTL attribute `expiresAt` (epoch seconds). GSIs are sparse: an item carries gsiNpk/gsiNsk
// only while it belongs to that index, so it enters and leaves lists as its state changes.
//
// | entity        | pk                    | sk                      | gsi1pk / gsi1sk                      | notes                          |
// |---------------|-----------------------|-------------------------|--------------------------------------|--------------------------------|
// | connection    | CONN#<connectionId>   | CONN                    | CONNS#<principalKey> / <connectionId> | TTL = connectedAt + 2 h + slack |
// | timer         | TIMERS#<minute>       | <dueIso>#<kind>#<id>    | —                                    | swept by the timers schedule   |
//
// Access patterns:
// | pattern                                      | operation                                                  |
// |----------------------------------------------|------------------------------------------------------------|
// | connection by id (disconnect, every frame)   | GetItem / DeleteItem pk=CONN#id, sk=CONN                   |
// | live connections of a principal (presence)   | Query gsi1 gsi1pk=CONNS#<principalKey>                     |
// | timers due in a minute (auto-close, SLA)     | Query pk=TIMERS#<minute>, sk <= <nowIso>                   |

export const TTL_ATTRIBUTE = 'expiresAt';

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export interface TableDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly ttlAttribute: string;
  readonly indexes: readonly IndexDefinition[];
}

/** The one definition of the table; CDK and the local stack both translate it. All keys are strings. */
export const tableDefinition: TableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: TTL_ATTRIBUTE,
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  ],
};

export interface ItemKey {
  pk: string;
  sk: string;
}

/** A principal is whoever holds a connection: an operator, a widget visitor, or nobody yet. */
export type PrincipalKey = `operator#${string}` | `visitor#${string}` | 'anonymous';

export const keys = {
  connection: (connectionId: string): ItemKey => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  connectionsOf: (principal: PrincipalKey) => ({ gsi1pk: `CONNS#${principal}` }),
  connectionInPrincipal: (principal: PrincipalKey, connectionId: string) => ({
    gsi1pk: `CONNS#${principal}`,
    gsi1sk: connectionId,
  }),
  timerBucket: (due: Date): string => `TIMERS#${due.toISOString().slice(0, 16)}`,
  timer: (due: Date, kind: string, id: string): ItemKey => ({
    pk: keys.timerBucket(due),
    sk: `${due.toISOString()}#${kind}#${id}`,
  }),
};
