// The table's change stream as plain data: DynamoDB Streams records (from Lambda or the local poller) turned into
// typed changes of the entities the projector's outputs care about.
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Ticket } from '../domain/ticket-rules';
import { type Message, toMessage } from './messages';
import { toTicket } from './tickets';

export type ChangeKind = 'insert' | 'modify' | 'remove';

/** What every change carries: its kind, its stream sequence number and when the stream recorded it (ISO). */
interface ChangeHead {
  kind: ChangeKind;
  sequence: string;
  at: string;
}

export type Change =
  | (ChangeHead & { entity: 'message'; before?: Message; after?: Message })
  | (ChangeHead & { entity: 'ticket'; before?: Ticket; after?: Ticket })
  | (ChangeHead & { entity: 'client'; before?: ClientName; after?: ClientName })
  | (ChangeHead & { entity: 'other'; type?: string });

/**
 * What the outputs read of a client item: its id and the name operators see (renamed, or the channel's); and, for
 * outgoing webhooks, its channel, type, blacklist mark and pin.
 */
export interface ClientName {
  clientId: string;
  name: string;
  channelId?: string;
  clientType?: string;
  blacklisted?: boolean;
  pinnedTo?: string;
}

const toClientName = (item: Record<string, unknown>): ClientName => ({
  clientId: String(item.clientId ?? ''),
  name: String(item.name ?? ''),
  ...(typeof item.channelId === 'string' ? { channelId: item.channelId } : {}),
  ...(typeof item.clientType === 'string' ? { clientType: item.clientType } : {}),
  ...(item.blacklisted === true ? { blacklisted: true } : {}),
  ...(typeof item.pinnedTo === 'string' ? { pinnedTo: item.pinnedTo } : {}),
});

/** A stream image attribute → its plain value (numbers as numbers, sets as arrays). */
function plain(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL) return null;
  if (value.M) return imageOf(value.M);
  if (value.L) return value.L.map(plain);
  if (value.SS) return [...value.SS];
  if (value.NS) return value.NS.map(Number);
  if (value.B !== undefined) return value.B;
  if (value.BS) return [...value.BS];
  return undefined;
}

export function imageOf(image: Record<string, AttributeValue> | undefined): Record<string, unknown> | undefined {
  if (!image) return undefined;
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, plain(value)]));
}

const kindOf = (eventName: DynamoDBRecord['eventName']): ChangeKind =>
  eventName === 'INSERT' ? 'insert' : eventName === 'REMOVE' ? 'remove' : 'modify';

export function changeOf(record: DynamoDBRecord): Change {
  const head: ChangeHead = {
    kind: kindOf(record.eventName),
    sequence: record.dynamodb?.SequenceNumber ?? '',
    at: new Date((record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString(),
  };
  const before = imageOf(record.dynamodb?.OldImage);
  const after = imageOf(record.dynamodb?.NewImage);
  const type = (after ?? before)?.type;
  const typed = <T>(to: (item: Record<string, unknown>) => T) => ({
    ...(before ? { before: to(before) } : {}),
    ...(after ? { after: to(after) } : {}),
  });
  if (type === 'message') return { entity: 'message', ...head, ...typed(toMessage) };
  if (type === 'ticket') return { entity: 'ticket', ...head, ...typed(toTicket) };
  if (type === 'client') return { entity: 'client', ...head, ...typed(toClientName) };
  return typeof type === 'string' ? { entity: 'other', ...head, type } : { entity: 'other', ...head };
}

export function changesOf(event: DynamoDBStreamEvent): Change[] {
  return event.Records.map(changeOf);
}
