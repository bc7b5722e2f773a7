// The single-table key design: the table's shape (used by CDK, the local stack and tests) and every key builder.
//
// Table: pk (S), sk (S); TTL attribute `expiresAt` (epoch seconds). GSIs are sparse: an item carries gsiNpk/gsiNsk
// only while it belongs to that index, so it enters and leaves lists as its state changes. One local index, lsi1
// (pk, lsi1sk), is carried by messages only: their ticket and the ticket seq of their latest change, so `sync` (R2)
// reads exactly what changed after a seq with a consistent Query. A local index bounds each client partition to
// 10 GB (millions of messages) and can only be created with the table.
//
// | entity            | pk                               | sk                 | gsi1pk / gsi1sk                   | notes                      |
// |-------------------|----------------------------------|--------------------|-----------------------------------|----------------------------|
// | operator          | OPERATOR#<operatorId>            | OPERATOR           | OPERATORS / <name>#<operatorId>    | role, groups, capacity     |
// | operator e-mail   | OPERATOR_EMAIL#<email>           | UNIQUE             | —                                 | uniqueness guard           |
// | group             | GROUP#<groupId>                  | GROUP              | GROUPS / <name>#<groupId>          | strategy; ref counters     |
// | group member      | GROUP#<groupId>                  | MEMBER#<operatorId>| —                                 | operators of a group       |
// | listed groups     | LISTGROUPS                       | LISTGROUPS         | —                                 | L1/L2: string set of every group ever made (kept after a delete): the list partitions staff views merge |
// | channel           | CHANNEL#<channelId>              | CHANNEL            | CHANNELS / <kind>#<channelId>      | kind, default group; no secrets |
// | channel secret    | CHANNELSECRET#<channelId>        | SECRET             | —                                 | X2: webhook secret, tokens; IAM-fenced |
// | category          | CATEGORIES                       | <categoryId>       | —                                 | ticket categories          |
// | category name     | CATEGORY_NAME#<lower-case name>  | UNIQUE             | —                                 | uniqueness guard           |
// | settings          | SETTINGS                         | TENANT             | —                                 | auto-close, SLA, consent   |
// | client            | CLIENT#<clientId>                | #CLIENT            | —                                 | clientId = hash(channel, external id); a widget session's: TTL until its first message, token hash, sessionEndedAt; watchersSince (C9) |
// | client, blocked   | CLIENT#<clientId>                | #CLIENT            | BLACKLIST / <blacklistedAt>#<clientId> | C6: the client item while blacklisted |
// | ticket            | CLIENT#<clientId>                | #TICKET#<inverted number> | gsi1, gsi2 list rows (below) | beside its client: one Query reads both |
// | ticket number     | TICKETNO#<number>                | TICKETNO           | —                                 | → clientId (ticket by number) |
// | message           | CLIENT#<clientId>                | M#<ticket number>#<messageId> | lsi1sk S#<number>#<seq> | time-ordered ids; client history = M#; lsi1: by seq (R2) |
// | ticket counter    | COUNTER#ticket                   | COUNTER            | —                                 | T2: lastNumber; moved inside the opening transaction (see below) |
// | operator counters | OPERATOR#<operatorId>            | COUNTERS           | —                                 | T12 in-progress, unread badge |
// | inbound dedupe    | DEDUPE#<channelId>#<externalMsgId> | DEDUPE           | —                                 | CH2; expiry checked in the condition |
// | signed request    | REPLAY#<channelId>#<signature>   | REPLAY             | —                                 | CH1: an `api` request seen; TTL = its timestamp + 5 min; conditional put refuses a replay |
// | outbound message  | OUTBOUND#<channelId>#<externalId> | OUTBOUND        | —                                 | M3/CH3: → clientId, ticket number, messageId; TTL; one per part of a reply sent as several |
// | visitor token     | VISITOR_TOKEN#<sha256(token)>    | TOKEN              | —                                 | TTL; widget visitor auth; deleted by chat.end |
// | connect code      | CONNECT_CODE#<sha256(code)>      | CODE               | —                                 | TTL 60 s, single use       |
// | rate window       | RATE#<scope>#<subject>#<window>  | RATE               | —                                 | TTL; atomic counter        |
// | rate bucket       | RATE#<scope>#<subject>           | BUCKET             | —                                 | R5: tat of a rate rule; TTL |
// | connection        | CONN#<connectionId>              | CONN               | —                                 | TTL = connectedAt + 2 h + slack |
// | audience member   | AUDIENCE#<audience>              | CONN#<connectionId>| —                                 | TTL; one per audience partition; connectedAt, principal; `joins` (below) |
// | demo seed         | SEED#demo                        | SEED               | —                                 | local stack only: seeded ids |
// | timer             | TIMERS#<due hour>                | <dueIso>#<kind>#<id> | —                               | auto-close, SLA, retries; attempts |
// | timer watermark   | TIMERS                           | WATERMARK          | —                                 | swept through / woken through |
// | given-up timer    | TIMERS_FAILED                    | <failedAt>#<kind>#<id> | —                             | OP3: reason; TTL 30 days   |
// | file link key     | SECRET#file-links                | SECRET             | —                                 | M9: HMAC key of download links; made on first use |
// | search postings   | SEARCH#<m|c>#<scope>#<letter>    | <bucket>#<writtenAt>#<batch> | —                        | M8: built by the stream projector (below) |
// | quick reply       | TEMPLATES#<owner>                | TEMPLATE#<templateId> | TEMPLATES#<owner> / <command>#<templateId> | Q1–Q4; owner = `global` or an operator id |
// | quick reply count | TEMPLATES#<owner>                | COUNT              | —                                 | bounds an owner's templates |
// | draft             | DRAFT#<operatorId>               | TICKET#<ticketId>  | —                                 | M10: one per operator and ticket; TTL |
// | client note       | CLIENT#<clientId>                | NOTE#<noteId>      | —                                 | C4: time-ordered ids; beside the client, outside its '#' head |
// | tag               | TAGS                             | TAG#<tag key>      | —                                 | M7: display name, exact count (ADD in the tagging transaction) |
// | tagged message    | TAGGED#<tag key>                 | <messageId>        | —                                 | M7: → clientId, ticket number; time-ordered |
// | daily report      | REPORT#<dimension>#<id>          | <YYYY-MM-DD>       | —                                 | RP1: one day's figures (ADD); dimension operator/group/channel/tenant |
// | report batch mark | REPORTBATCH#<batchId>#<chunk>    | BATCH              | —                                 | RP1: a projected batch, written with its ADDs; TTL 2 days |
// | webhook endpoint  | WEBHOOK#<webhookId>              | ENDPOINT           | WEBHOOKS / <webhookId>            | W1: url, event types, enabled, why disabled; no secret |
// | webhook secret    | WEBHOOKSECRET#<webhookId>        | SECRET             | —                                 | W1: signing secret; IAM-fenced like channel secrets |
// | webhook event     | WEBHOOK#<webhookId>              | EVENT#<eventId>    | —                                 | W2: one per event and endpoint (< 1 KB): payload, state; TTL |
// | webhook due work  | WEBHOOKDUE#<webhookId>           | <dueIso>#<workId>  | —                                 | W2/OP3: event ids to post, claimed by move; TTL |
// | webhook attempt   | WEBHOOK#<webhookId>              | ATTEMPT#<atIso>#<eventId> | —                          | W2: status, latency, error; TTL 7 days |
//
// Search postings (M8): words are folded (shared/domain/search-terms.ts) and grouped by their first letter (the
// bucket). One item holds every posting of one bucket, one scope and one projector batch (`word\tticketId\tmessageId`
// lines), so a batch of many messages costs few items. `m` items index message texts, `c` items client names. The
// scope (shared/domain/search-scopes.ts) puts visibility in the key: all · group#<id> · operator#<id>. Postings are
// stored deflated (binary). One client's history has no postings: client search reads its messages (M#) directly.
//
// Ticket list rows (sparse; sk = <lastMessageAt>#<ticketId>, so every list is newest message first). A ticket is in
// one partition of gsi2 by its status and group, and in gsi1 only while it is someone's Mine or Closed:
// | status      | gsi2pk (lists, L1/L2)          | gsi1pk (tabs, L1)                                     | entries moved by a message |
// |-------------|--------------------------------|-------------------------------------------------------|----------------------------|
// | unassigned  | Q#unassigned#<groupId>         | —                                                     | 1                          |
// | in_progress | Q#in_progress#<groupId>        | Q#MINE#<assigneeId>                                   | 2                          |
// | closed      | Q#closed#<groupId>             | Q#CLOSED#<closedBy> (the client's latest ticket only) | — (a message opens a new ticket) |
// Q#CLOSED is carried only by a client's latest ticket, so a newer ticket takes the client off that Closed list.
// Every message moves each entry its ticket has (a delete and a put: 2 write units per entry), so a ticket is kept in
// as few partitions as its tab needs; the other views merge the few partitions they need, newest first:
// | view                                   | partitions read (G = every listed group, g = the filter, k = their count) |
// |----------------------------------------|----------------------------------------------------------------------|
// | Unassigned of an operator in groups g… | Q#unassigned#g per group of the operator (k = its groups)            |
// | (any view above 150 partitions)        | refused as invalid with the filter that narrows it (MAX_MERGED_PARTITIONS) |
// | Unassigned, one group                  | Q#unassigned#g (one)                                                 |
// | Unassigned of staff / of an operator in no group; All by status s | Q#<s>#g per listed group (k = G)          |
// | All by group g                         | Q#unassigned#g, Q#in_progress#g, Q#closed#g (k = 3)                  |
// | All by group g and status s            | Q#<s>#g (one)                                                        |
// | All                                    | Q#<s>#g for the 3 statuses × G listed groups (k = 3G)                |
// | Mine / Closed (by group: filtered)     | gsi1 Q#MINE#op / Q#CLOSED#op (one)                                   |
// The listed groups are one GetItem of LISTGROUPS, a string set (a group joins it when made and stays after a delete,
// so its tickets stay in All; 150 group ids of 28 characters are under 5 KB). Merges over many partitions read a head of
// 2 from each, then shares of what is missing, newer than the page's oldest candidate only
// (shared/use-cases/ticket-lists.ts): a page reads at most its size + 1 + 3k. A next page reads every partition below
// one point, the last ticket handed out (its sort key is the cursor), so a group made while someone pages joins there.
// Write units per inbound text (sizing rules; transaction items ×2): open unassigned ticket 9 (was 15 with four list
// indexes), in progress 13 (was 17), opening 19 (was 22); README "Lists" says what stays in the transaction and why.

// Audiences of a connection: its principal (`operator#<id>`, `visitor#<clientId>`), `staff` (supervisors and admins),
// `group#<groupId>` per group of the operator, `ungrouped` (operators in no group see every unassigned ticket),
// `watchers#<clientId>` per client the operator watches (C9; the operator item lists them in `watchedClientIds`).
//
// Ticket numbers (T2) have no gaps from races: an opening reads the counter and takes `lastNumber + 1` in the same
// transaction that writes the ticket, conditioned on the counter it read, so a lost first-message race, a duplicate
// delivery (its dedupe guard fails) or a lost outbound start takes no number; it is decided again from a fresh read.
// A gap can still appear: (1) P1 reserves a number when the consent request goes out; a client that never writes
// again never opens that ticket; (2) a ticket number item is never deleted, so nothing else frees a number.
// A crash between reading the counter and the transaction costs nothing (nothing was taken).
//
// Access patterns:
// | pattern                                          | operation                                                     |
// |--------------------------------------------------|---------------------------------------------------------------|
// | operator / group / channel / client by id        | GetItem pk=<ENTITY>#id                                        |
// | channel with secrets (verify, deliver; X2)       | BatchGetItem CHANNEL#id + CHANNELSECRET#id (one round trip)   |
// | list operators / groups / channels (admin)       | Query gsi1 gsi1pk=OPERATORS / GROUPS / CHANNELS               |
// | operators of a group (routing, assign targets)   | Query pk=GROUP#id, sk begins_with MEMBER#                     |
// | categories, settings                             | Query pk=CATEGORIES; GetItem pk=SETTINGS                      |
// | channels of one kind (admin filter)              | Query gsi1 gsi1pk=CHANNELS, gsi1sk begins_with <kind>#        |
// | unique operator e-mail / category name           | TransactWrite with a conditional Put of the guard item        |
// | delete a group only while unused                 | DeleteItem with condition memberCount = 0, channelCount = 0   |
// | client by channel user (C1)                      | GetItem pk=CLIENT#clientIdFor(channel, external id)           |
// | verify visitor token / redeem connect code       | GetItem / conditional DeleteItem by hash                      |
// | rate limit a subject                             | UpdateItem ADD count, condition count < limit                 |
// | admit a visitor message (R5)                     | UpdateItem SET tat, condition on the tat (one round trip)     |
// | connection by id (disconnect, every frame)       | GetItem / TransactWrite delete of its items                   |
// | next ticket number (T2)                          | GetItem COUNTER#ticket (consistent), then in the opening      |
// |                                                  | transaction: Update lastNumber = n+1 if lastNumber = n        |
// | what changed in a ticket after seq n (sync, R2)  | Query lsi1 pk=CLIENT#id, lsi1sk BETWEEN S#<number>#<n+1> AND   |
// |                                                  | S#<number>#<max>, ascending, consistent, paged under 128 KB   |
// | client + its latest ticket (ingest, T1)          | Query pk=CLIENT#id, sk begins_with '#', Limit 2               |
// | ticket by id / by number                         | GetItem (id encodes client and number) / GetItem TICKETNO#n   |
// | ticket history, newest first (M5)                | Query pk=CLIENT#id, sk begins_with M#<number>#, descending    |
// | whole client history (M8)                        | Query pk=CLIENT#id, sk begins_with M#, descending             |
// | tabs Unassigned (L1), All and its filters (L2)   | Query gsi2 Q#<status>#<groupId>, desc, one per partition the view |
// |                                                  | merges (table above); sk < <cursor's point> on a next page's   |
// |                                                  | heads; sk > <page's oldest candidate> after the heads          |
// | groups whose lists staff views merge (L1, L2)    | GetItem LISTGROUPS (a string set; ADD in the group's creation) |
// | tabs Mine / Closed (L1)                          | Query gsi1 Q#MINE#op / Q#CLOSED#op, desc                      |
// | Blacklist tab (L1, C6)                           | Query gsi1 gsi1pk=BLACKLIST, desc (newest block first)        |
// | live connections of an audience (fan-out)        | Query pk=AUDIENCE#<audience>; `staff` and `ungrouped` share     |
// |                                                  | AUDIENCE#staff (one Query for both), told apart by `joins`     |
// | operator online? first / last connection (O3)    | Query pk=AUDIENCE#operator#<id>, consistent read              |
// | team directory of staff (O3, T5)                 | Query gsi1 gsi1pk=OPERATORS, one page by name                 |
// | team directory of an operator (O3, T5, X1)       | Query pk=GROUP#id, sk begins_with MEMBER# per own group; then |
// |                                                  | BatchGet OPERATOR#… of the page (≤ 100 ids, one round trip)   |
// | who of a directory page is online (O3)           | Query pk=AUDIENCE#group#<id> (consistent; principal) per group |
// |                                                  | covering the page, AUDIENCE#operator#<id> per one in no group |
// | timers due since the last sweep (OP3)            | GetItem TIMERS/WATERMARK; Query pk=TIMERS#<hour>, sk <= <nowIso> per hour |
// | timers due before the next sweep (wake-ups, S4)  | Query pk=TIMERS#<hour>, sk BETWEEN <wokenThrough> AND <now+150 s> |
// | claim a timer (fire once)                        | TransactWrite: conditional Delete + Put of its retry copy     |
// | timers given up, newest first (OP3)              | Query pk=TIMERS_FAILED, descending                            |
// | our message by the channel's id (delivery report) | GetItem pk=OUTBOUND#<channelId>#<externalId>, then the message |
// | a reaction's or edit's target by channel id (M1) | GetItem OUTBOUND#…; else Query pk=CLIENT#id, sk begins_with M#, desc, filter externalId, Limit 200 |
// | search a scope for a word prefix (M8)            | Query pk=SEARCH#<m|c>#<scope>#<letter>, sk begins_with <bucket>#, desc |
// | search one client's history (M8)                 | Query pk=CLIENT#id, sk begins_with M#, descending, ≤ 10 per Query |
// | check search hits against their tickets (X1)     | BatchGet of the hits' tickets                                 |
// | file link signing key (transcripts, GET /files)  | GetItem pk=SECRET#file-links; conditional Put when missing    |
// | quick replies by command prefix (Q4)             | Query gsi1 TEMPLATES#global and TEMPLATES#<me>, begins_with <prefix> |
// | quick replies by text / category / language (Q4) | Query pk=TEMPLATES#global and TEMPLATES#<me> (bounded per owner), filtered |
// | a draft; drafts of a list page (M10)             | GetItem / BatchGet DRAFT#<me> + TICKET#<ticketId>             |
// | a client's notes, newest first (C4)              | Query pk=CLIENT#id, sk begins_with NOTE#, descending          |
// | a client's tickets, newest first (C8)            | Query pk=CLIENT#id, sk begins_with #TICKET#                   |
// | tag list with counts (M7)                        | Query pk=TAGS                                                 |
// | messages by tag, newest first (M7)               | Query pk=TAGGED#<tag key>, descending; BatchGet tickets + messages |
// | watchers of a client's tickets (C9 fan-out)      | Query pk=AUDIENCE#watchers#<clientId>                         |
// | add a batch's figures to daily reports (RP1)      | TransactWrite: conditional Put REPORTBATCH#… + ≤ 99 UpdateItem ADD |
// | a report range of one id (RP1)                   | Query pk=REPORT#<dimension>#<id>, sk BETWEEN <from> AND <to>  |
// | the ids of a dimension (unfiltered report)       | Query gsi1 OPERATORS / GROUPS / CHANNELS (the admin lists)    |
// | webhook endpoints (admin list, projector, worker) | Query gsi1 gsi1pk=WEBHOOKS                                   |
// | webhook endpoint / its secret (W1)               | GetItem WEBHOOK#id + ENDPOINT / WEBHOOKSECRET#id              |
// | record an event for an endpoint once (W2)        | PutItem WEBHOOK#id + EVENT#<eventId>, attribute_not_exists    |
// | an endpoint's due work (W2, OP3)                 | Query pk=WEBHOOKDUE#id, sk <= <nowIso>#~, ascending            |
// | claim due work (post once per claim)             | TransactWrite: conditional Delete + Put of its lease copy     |
// | an endpoint's last 100 attempts (W2)             | Query pk=WEBHOOK#id, sk begins_with ATTEMPT#, desc, Limit 100 |

export const TTL_ATTRIBUTE = 'expiresAt';

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** A local index: the table's partition key with another sort key; reads on it may be strongly consistent. */
export interface LocalIndexDefinition {
  readonly name: string;
  readonly sortKey: string;
}

export interface TableDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly ttlAttribute: string;
  readonly indexes: readonly IndexDefinition[];
  readonly localIndexes: readonly LocalIndexDefinition[];
}

/** Every index as partition and sort key names, local ones included (for cost models and item counts). */
export function allIndexes(definition: TableDefinition): IndexDefinition[] {
  return [
    ...definition.indexes,
    ...definition.localIndexes.map((index) => ({ ...index, partitionKey: definition.partitionKey })),
  ];
}

/** The table's key attributes. */
export const TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The global indexes by what they serve; every index and index attribute name the code uses comes from here. */
export const INDEXES = {
  /** Mine and Closed (L1), the blacklist, quick replies by command and the admin listings of operators, groups, channels. */
  listings: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Every ticket by status and group (L1 Unassigned, L2 All and its filters): one partition per (status, group). */
  ticketLists: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
} as const satisfies Record<string, IndexDefinition>;
export type Index = (typeof INDEXES)[keyof typeof INDEXES];

/**
 * The list attributes tickets carried before one list partition per status and group (All `gsi2` Q#ALL, by status
 * `gsi3`, by group `gsi4`); only the rebuild of an older tenant's list rows (infra/rebuild-list-rows.ts) names them.
 */
export const RETIRED_LIST_ATTRIBUTES = ['gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk'] as const;

/** R2: the local index that orders a client's messages by the ticket seq of their latest change (sync). */
export const SEQ_INDEX = { name: 'lsi1', sortKey: 'lsi1sk' } as const satisfies LocalIndexDefinition;

/** The one definition of the table; CDK and the local stack both translate it. All keys are strings. */
export const tableDefinition: TableDefinition = {
  ...TABLE_KEY,
  ttlAttribute: TTL_ATTRIBUTE,
  indexes: Object.values(INDEXES),
  localIndexes: [SEQ_INDEX],
};

/** The attributes that put an item in one partition of an index, at one sort position (a list row). */
export function listRow(index: IndexDefinition, partition: string, sortKey: string): Record<string, string> {
  return { [index.partitionKey]: partition, [index.sortKey]: sortKey };
}

/** Every key attribute a page's start key carries: the table's key, and the index's when the read is on one. */
export function keyAttributesOf(index?: IndexDefinition): string[] {
  const table = [TABLE_KEY.partitionKey, TABLE_KEY.sortKey];
  return index ? [...table, index.partitionKey, index.sortKey] : table;
}

export type SortCondition =
  | { beginsWith: string }
  | { between: readonly [string, string] }
  | { above: string }
  | { below: string };

/**
 * The key condition of a Query on one partition of the table or of an index, optionally narrowed on the sort key:
 * spread into the Query input (merge any further names and values of filters into these).
 */
export function partitionQuery(
  partition: string,
  options: { index?: IndexDefinition | LocalIndexDefinition; sort?: SortCondition } = {},
): {
  IndexName?: string;
  KeyConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, string>;
} {
  const { index, sort } = options;
  // A local index shares the table's partition key.
  const partitionKey = index && 'partitionKey' in index ? index.partitionKey : TABLE_KEY.partitionKey;
  const names: Record<string, string> = { '#pk': partitionKey };
  const values: Record<string, string> = { ':pk': partition };
  let condition = '#pk = :pk';
  if (sort) {
    names['#sk'] = index?.sortKey ?? TABLE_KEY.sortKey;
    if ('beginsWith' in sort) {
      condition += ' AND begins_with(#sk, :sk)';
      values[':sk'] = sort.beginsWith;
    } else if ('above' in sort) {
      condition += ' AND #sk > :above';
      values[':above'] = sort.above;
    } else if ('below' in sort) {
      condition += ' AND #sk < :below';
      values[':below'] = sort.below;
    } else {
      condition += ' AND #sk BETWEEN :from AND :to';
      [values[':from'], values[':to']] = sort.between as [string, string];
    }
  }
  return {
    ...(index ? { IndexName: index.name } : {}),
    KeyConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export interface ItemKey {
  pk: string;
  sk: string;
}

/** A principal is whoever holds a connection: an operator or a widget visitor (by client). */
export type PrincipalKey = `operator#${string}` | `visitor#${string}`;
export type Audience = PrincipalKey | 'staff' | 'ungrouped' | `group#${string}` | `watchers#${string}`;

/**
 * The partition an audience's connections are listed in. Supervisors and admins (`staff`) and operators in no group
 * (`ungrouped`) both hear every group's unassigned tickets, so they share one partition and a message to such a ticket
 * reads one Query for both; each entry's `joins` names the audiences it is in (an entry written before the merge has
 * none and is a staff entry). Every other audience has a partition of its own.
 */
export function audiencePartition(audience: Audience): string {
  return `AUDIENCE#${audience === 'ungrouped' ? 'staff' : audience}`;
}

export type SearchKind = 'm' | 'c';

/** The bucket's first letter splits a scope over many partitions, so no one partition takes every posting write. */
const searchPartition = (kind: SearchKind, scope: string, bucket: string) =>
  `SEARCH#${kind}#${scope}#${[...bucket][0] ?? ''}`;

/** The partition-key prefix of channel secrets, as IAM conditions name it. */
export const CHANNEL_SECRET_PREFIX = 'CHANNELSECRET#';

/** The partition-key prefix of webhook signing secrets, as IAM conditions name it. */
export const WEBHOOK_SECRET_PREFIX = 'WEBHOOKSECRET#';

/**
 * Item families: the partitions IAM can fence. Each family lists its leading keys (table partition keys, and the index
 * partition keys its items are queried under) as `dynamodb:LeadingKeys` patterns. The route table grants each function
 * read or read-write access by family (infra/grants.ts); the CDK stack and the local stack both enforce it. A new key
 * prefix belongs to a family here, or no function may touch it.
 */
export const ITEM_FAMILIES = {
  operators: ['OPERATOR#*', 'OPERATOR_EMAIL#*', 'OPERATORS'],
  groups: ['GROUP#*', 'GROUPS', 'LISTGROUPS'],
  channels: ['CHANNEL#*', 'CHANNELS'],
  /** X2: webhook secrets and channel tokens; only functions that verify webhooks or deliver read them. */
  channelSecrets: ['CHANNELSECRET#*'],
  categories: ['CATEGORIES', 'CATEGORY_NAME#*'],
  settings: ['SETTINGS'],
  /** Clients with their tickets, messages and notes (one partition per client), the blacklist and the ticket lists. */
  clients: ['CLIENT#*', 'BLACKLIST', 'Q#*'],
  ticketNumbers: ['TICKETNO#*', 'COUNTER#ticket'],
  /** The channels' message ids: inbound dedupe, our outbound messages by the channel's id, signed requests seen. */
  channelMessageIds: ['DEDUPE#*', 'OUTBOUND#*', 'REPLAY#*'],
  visitorTokens: ['VISITOR_TOKEN#*'],
  connectCodes: ['CONNECT_CODE#*'],
  rateLimits: ['RATE#*'],
  connections: ['CONN#*', 'AUDIENCE#*'],
  /** Timers by due hour, the sweep's watermark and given-up timers (auto-close, SLA, delivery retries). */
  timers: ['TIMERS', 'TIMERS#*', 'TIMERS_FAILED'],
  /** M9: the HMAC key of file download links. */
  fileLinks: ['SECRET#file-links'],
  /** M8: the search index's postings, written by its stream consumer. */
  search: ['SEARCH#*'],
  /** RP1: daily figures and the marks of projected batches, written by their stream consumer. */
  reports: ['REPORT#*', 'REPORTBATCH#*'],
  /** W1, W2: webhook endpoints with their events and attempts, their listing, and their due work. */
  webhooks: ['WEBHOOK#*', 'WEBHOOKS', 'WEBHOOKDUE#*'],
  /** W1/X2: webhook signing secrets; only the delivering function reads them. */
  webhookSecrets: ['WEBHOOKSECRET#*'],
  templates: ['TEMPLATES#*'],
  drafts: ['DRAFT#*'],
  tags: ['TAGS', 'TAGGED#*'],
  demoSeed: ['SEED#demo'],
} as const satisfies Record<string, readonly string[]>;
export type ItemFamily = keyof typeof ITEM_FAMILIES;
// Pure, so a function bundle that never asks (every handler) leaves the families out.
export const ITEM_FAMILY_NAMES = /* @__PURE__ */ Object.keys(ITEM_FAMILIES) as ItemFamily[];

/** The family whose `dynamodb:LeadingKeys` patterns match a partition key value, if any. */
export function familyOfPartition(partition: string): ItemFamily | undefined {
  const matches = (pattern: string) =>
    pattern.endsWith('*') ? partition.startsWith(pattern.slice(0, -1)) : partition === pattern;
  return ITEM_FAMILY_NAMES.find((family) => ITEM_FAMILIES[family].some(matches));
}

/** Ticket numbers are stored inverted under the client so the newest ticket sorts first. */
const TICKET_NUMBER_CEILING = 999_999_999_999;

export const keys = {
  operator: (operatorId: string): ItemKey => ({ pk: `OPERATOR#${operatorId}`, sk: 'OPERATOR' }),
  /** An operator's row in the admin listing (INDEXES.listings), by name. */
  operatorListing: (name: string, operatorId: string) =>
    listRow(INDEXES.listings, keys.operators(), keys.listingName(name, operatorId)),
  /** The listing sort key of an operator or a group: its name, then its id (names need not be unique). */
  listingName: (name: string, id: string) => `${name.toLowerCase()}#${id}`,
  operatorEmail: (email: string): ItemKey => ({ pk: `OPERATOR_EMAIL#${email.toLowerCase()}`, sk: 'UNIQUE' }),
  group: (groupId: string): ItemKey => ({ pk: `GROUP#${groupId}`, sk: 'GROUP' }),
  groupListing: (name: string, groupId: string) =>
    listRow(INDEXES.listings, keys.groups(), keys.listingName(name, groupId)),
  /** The listings partitions (INDEXES.listings) of all operators, groups, channels. */
  operators: () => 'OPERATORS',
  groups: () => 'GROUPS',
  channels: () => 'CHANNELS',
  /** The listing sort-key prefix of the channels of one kind. */
  channelsOfKind: (kind: string) => `${kind}#`,
  groupMember: (groupId: string, operatorId: string): ItemKey => ({
    pk: `GROUP#${groupId}`,
    sk: `MEMBER#${operatorId}`,
  }),
  groupMembersPrefix: (groupId: string) => ({ pk: `GROUP#${groupId}`, skPrefix: 'MEMBER#' }),
  /** L1/L2: a group's mark in the partition staff views read to know which list partitions to merge. */
  listedGroups: (): ItemKey => ({ pk: 'LISTGROUPS', sk: 'LISTGROUPS' }),
  channel: (channelId: string): ItemKey => ({ pk: `CHANNEL#${channelId}`, sk: 'CHANNEL' }),
  /** X2: the item family IAM fences (dynamodb:LeadingKeys) so only verifying and delivering functions read it. */
  channelSecret: (channelId: string): ItemKey => ({ pk: `${CHANNEL_SECRET_PREFIX}${channelId}`, sk: 'SECRET' }),
  channelListing: (kind: string, channelId: string) =>
    listRow(INDEXES.listings, keys.channels(), `${keys.channelsOfKind(kind)}${channelId}`),
  category: (categoryId: string): ItemKey => ({ pk: 'CATEGORIES', sk: categoryId }),
  categories: () => ({ pk: 'CATEGORIES' }),
  categoryName: (name: string): ItemKey => ({
    pk: `CATEGORY_NAME#${name.normalize('NFKC').toLowerCase()}`,
    sk: 'UNIQUE',
  }),
  settings: (): ItemKey => ({ pk: 'SETTINGS', sk: 'TENANT' }),
  // The client item sorts first in its partition ('#CLIENT'), so later entities of the client can sit beside it.
  client: (clientId: string): ItemKey => ({ pk: `CLIENT#${clientId}`, sk: '#CLIENT' }),
  ticket: (clientId: string, number: number): ItemKey => ({
    pk: `CLIENT#${clientId}`,
    sk: `#TICKET#${String(TICKET_NUMBER_CEILING - number).padStart(12, '0')}`,
  }),
  /** The client item and its tickets share the '#' prefix; the client sorts first, then the newest ticket. */
  clientHeadPrefix: () => '#',
  ticketNumber: (number: number): ItemKey => ({ pk: `TICKETNO#${number}`, sk: 'TICKETNO' }),
  message: (clientId: string, ticketNumber: number, messageId: string): ItemKey => ({
    pk: `CLIENT#${clientId}`,
    sk: `M#${String(ticketNumber).padStart(12, '0')}#${messageId}`,
  }),
  ticketMessagesPrefix: (ticketNumber: number) => `M#${String(ticketNumber).padStart(12, '0')}#`,
  /** R2: lsi1sk of a message: its ticket, then the ticket seq of its latest change (written, or its status moved). */
  messageChange: (ticketNumber: number, seq: number) =>
    `S#${String(ticketNumber).padStart(12, '0')}#${String(seq).padStart(12, '0')}`,
  clientMessagesPrefix: () => 'M#',
  ticketCounter: (): ItemKey => ({ pk: 'COUNTER#ticket', sk: 'COUNTER' }),
  operatorCounters: (operatorId: string): ItemKey => ({ pk: `OPERATOR#${operatorId}`, sk: 'COUNTERS' }),
  signedRequest: (channelId: string, fingerprint: string): ItemKey => ({
    pk: `REPLAY#${channelId}#${fingerprint}`,
    sk: 'REPLAY',
  }),
  inboundDedupe: (channelId: string, externalMessageId: string): ItemKey => ({
    pk: `DEDUPE#${channelId}#${externalMessageId}`,
    sk: 'DEDUPE',
  }),
  /** Written with the message's externalId in one transaction, so it never points at a message without it. */
  outboundMessage: (channelId: string, externalId: string): ItemKey => ({
    pk: `OUTBOUND#${channelId}#${externalId}`,
    sk: 'OUTBOUND',
  }),
  listSortKey: (lastMessageAt: string, ticketId: string) => `${lastMessageAt}#${ticketId}`,
  /** L1/L2: the gsi2 partition of the tickets of one status in one group. */
  ticketList: (status: string, groupId: string) => `Q#${status}#${groupId}`,
  tabMine: (operatorId: string) => `Q#MINE#${operatorId}`,
  tabClosed: (operatorId: string) => `Q#CLOSED#${operatorId}`,
  /** The Blacklist tab's partition of INDEXES.listings (C6). */
  blacklist: () => 'BLACKLIST',
  /** A blacklisted client's row: newest block first. */
  blacklistListing: (blacklistedAt: string, clientId: string) =>
    listRow(INDEXES.listings, keys.blacklist(), `${blacklistedAt}#${clientId}`),
  visitorToken: (tokenHash: string): ItemKey => ({ pk: `VISITOR_TOKEN#${tokenHash}`, sk: 'TOKEN' }),
  connectCode: (codeHash: string): ItemKey => ({ pk: `CONNECT_CODE#${codeHash}`, sk: 'CODE' }),
  rateWindow: (scope: string, subject: string, window: string): ItemKey => ({
    pk: `RATE#${scope}#${subject}#${window}`,
    sk: 'RATE',
  }),
  rateBucket: (scope: string, subject: string): ItemKey => ({ pk: `RATE#${scope}#${subject}`, sk: 'BUCKET' }),
  connection: (connectionId: string): ItemKey => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  audienceMember: (audience: Audience, connectionId: string): ItemKey => ({
    pk: audiencePartition(audience),
    sk: `CONN#${connectionId}`,
  }),
  audience: (audience: Audience) => ({ pk: audiencePartition(audience) }),
  /** Where an `ungrouped` entry was kept before it shared the staff partition (`npm run lists:rebuild` moves it). */
  retiredUngroupedMember: (connectionId: string): ItemKey => ({
    pk: 'AUDIENCE#ungrouped',
    sk: `CONN#${connectionId}`,
  }),
  demoSeed: (): ItemKey => ({ pk: 'SEED#demo', sk: 'SEED' }),
  fileLinkKey: (): ItemKey => ({ pk: 'SECRET#file-links', sk: 'SECRET' }),
  /** Timers are bucketed by the hour they fall due: a sweep after an outage of a day reads 25 partitions. */
  timerBucket: (due: Date): string => `TIMERS#${due.toISOString().slice(0, 13)}`,
  /** M8: one batch's postings of one bucket in one scope; `kind` m = message texts, c = client names. */
  searchPostings: (kind: SearchKind, scope: string, bucket: string, writtenAt: string, batchId: string): ItemKey => ({
    pk: searchPartition(kind, scope, bucket),
    sk: `${bucket}#${writtenAt}#${batchId}`,
  }),
  /** Every postings item of a bucket in a scope, newest first: Query pk, sk begins_with `<bucket>#`. */
  searchBucket: (kind: SearchKind, scope: string, bucket: string) => ({
    pk: searchPartition(kind, scope, bucket),
    skPrefix: `${bucket}#`,
  }),
  timer: (due: Date, kind: string, id: string): ItemKey => ({
    pk: keys.timerBucket(due),
    sk: `${due.toISOString()}#${kind}#${id}`,
  }),
  timerWatermark: (): ItemKey => ({ pk: 'TIMERS', sk: 'WATERMARK' }),
  failedTimer: (failedAt: Date, kind: string, id: string): ItemKey => ({
    pk: 'TIMERS_FAILED',
    sk: `${failedAt.toISOString()}#${kind}#${id}`,
  }),
  failedTimers: () => ({ pk: 'TIMERS_FAILED' }),
  template: (owner: string, templateId: string): ItemKey => ({
    pk: `TEMPLATES#${owner}`,
    sk: `TEMPLATE#${templateId}`,
  }),
  templateCount: (owner: string): ItemKey => ({ pk: `TEMPLATES#${owner}`, sk: 'COUNT' }),
  templatesOf: (owner: string) => ({ pk: `TEMPLATES#${owner}`, skPrefix: 'TEMPLATE#' }),
  /** Q4: a template's row in INDEXES.listings, by command, for "/" prefix lookups. */
  templateListing: (owner: string, command: string, templateId: string) =>
    listRow(INDEXES.listings, `TEMPLATES#${owner}`, `${command}#${templateId}`),
  /** The listings partition of an owner's templates, and the command prefix a lookup narrows it to. */
  templateCommands: (owner: string, commandPrefix: string) => ({
    partition: `TEMPLATES#${owner}`,
    prefix: commandPrefix,
  }),
  draft: (operatorId: string, ticketId: string): ItemKey => ({ pk: `DRAFT#${operatorId}`, sk: `TICKET#${ticketId}` }),
  clientNote: (clientId: string, noteId: string): ItemKey => ({ pk: `CLIENT#${clientId}`, sk: `NOTE#${noteId}` }),
  clientNotesPrefix: () => 'NOTE#',
  clientTicketsPrefix: () => '#TICKET#',
  tag: (tagKey: string): ItemKey => ({ pk: 'TAGS', sk: `TAG#${tagKey}` }),
  tags: () => ({ pk: 'TAGS', skPrefix: 'TAG#' }),
  taggedMessage: (tagKey: string, messageId: string): ItemKey => ({ pk: `TAGGED#${tagKey}`, sk: messageId }),
  taggedMessages: (tagKey: string) => ({ pk: `TAGGED#${tagKey}` }),
  /** RP1: one day's figures of one operator, group, channel or the tenant (`tenant`/`all`). */
  report: (dimension: string, id: string, day: string): ItemKey => ({ pk: `REPORT#${dimension}#${id}`, sk: day }),
  /** RP1: the days of one id; a range is `sk BETWEEN from AND to`. */
  reportDays: (dimension: string, id: string) => ({ pk: `REPORT#${dimension}#${id}` }),
  /** RP1: marks a projected batch's chunk as written, in the same transaction as its figures. */
  reportBatch: (batchId: string, chunk: number): ItemKey => ({ pk: `REPORTBATCH#${batchId}#${chunk}`, sk: 'BATCH' }),
  webhook: (webhookId: string): ItemKey => ({ pk: `WEBHOOK#${webhookId}`, sk: 'ENDPOINT' }),
  /** W1: the listings partition (INDEXES.listings) of every webhook endpoint, and an endpoint's row in it. */
  webhooks: () => 'WEBHOOKS',
  webhookListing: (webhookId: string) => listRow(INDEXES.listings, keys.webhooks(), webhookId),
  /** X2: fenced in IAM (dynamodb:LeadingKeys) so only the delivering function reads it. */
  webhookSecret: (webhookId: string): ItemKey => ({ pk: `${WEBHOOK_SECRET_PREFIX}${webhookId}`, sk: 'SECRET' }),
  webhookEvent: (webhookId: string, eventId: string): ItemKey => ({
    pk: `WEBHOOK#${webhookId}`,
    sk: `EVENT#${eventId}`,
  }),
  webhookDue: (webhookId: string, due: string, workId: string): ItemKey => ({
    pk: `WEBHOOKDUE#${webhookId}`,
    sk: `${due}#${workId}`,
  }),
  /** Due work of an endpoint up to `nowIso`: Query pk, sk <= `through`. */
  webhookDueThrough: (webhookId: string, nowIso: string) => ({ pk: `WEBHOOKDUE#${webhookId}`, through: `${nowIso}#~` }),
  webhookAttempt: (webhookId: string, at: string, eventId: string): ItemKey => ({
    pk: `WEBHOOK#${webhookId}`,
    sk: `ATTEMPT#${at}#${eventId}`,
  }),
  webhookAttempts: (webhookId: string) => ({ pk: `WEBHOOK#${webhookId}`, skPrefix: 'ATTEMPT#' }),
};
