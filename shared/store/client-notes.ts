// Client notes (C4): operators' notes about a client, beside the client item under NOTE#<time-ordered id>, so a
// client's notes read newest first with one Query. Notes never leave the operator side.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { notFound } from '../domain/errors';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { newMessageId } from './messages';
import { decodeCursor, type Page, type PageRequest, pageOf } from './pagination';
import { isConditionFailure } from './transactions';

export interface ClientNote {
  noteId: string;
  clientId: string;
  authorId: string;
  text: string;
  createdAt: string;
  editedAt?: string;
}

function toNote(item: Record<string, unknown>): ClientNote {
  const note: ClientNote = {
    noteId: item.noteId as string,
    clientId: item.clientId as string,
    authorId: item.authorId as string,
    text: item.text as string,
    createdAt: item.createdAt as string,
  };
  if (typeof item.editedAt === 'string') note.editedAt = item.editedAt;
  return note;
}

export async function insertNote(clientId: string, authorId: string, text: string, now: Date): Promise<ClientNote> {
  const note: ClientNote = { noteId: newMessageId(now), clientId, authorId, text, createdAt: now.toISOString() };
  await dynamo().send(
    new PutCommand({
      TableName: readConfig().tableName,
      Item: { ...keys.clientNote(clientId, note.noteId), type: 'clientNote', ...note },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return note;
}

export async function getNote(clientId: string, noteId: string): Promise<ClientNote | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.clientNote(clientId, noteId), ConsistentRead: true }),
  );
  return Item ? toNote(Item) : undefined;
}

/** Changes the text, only while the note still exists and is the author's (the check the use case made). */
export async function editNote(note: ClientNote, text: string, now: Date): Promise<ClientNote> {
  try {
    const { Attributes } = await dynamo().send(
      new UpdateCommand({
        TableName: readConfig().tableName,
        Key: keys.clientNote(note.clientId, note.noteId),
        UpdateExpression: 'SET #text = :text, editedAt = :at',
        ConditionExpression: 'authorId = :author',
        ExpressionAttributeNames: { '#text': 'text' },
        ExpressionAttributeValues: { ':text': text, ':at': now.toISOString(), ':author': note.authorId },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toNote(Attributes ?? {});
  } catch (error) {
    if (isConditionFailure(error)) throw notFound(`Note ${note.noteId} does not exist.`);
    throw error;
  }
}

export async function deleteNote(note: ClientNote): Promise<void> {
  try {
    await dynamo().send(
      new DeleteCommand({
        TableName: readConfig().tableName,
        Key: keys.clientNote(note.clientId, note.noteId),
        ConditionExpression: 'authorId = :author',
        ExpressionAttributeValues: { ':author': note.authorId },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw notFound(`Note ${note.noteId} does not exist.`);
    throw error;
  }
}

/** C4: a client's notes, newest first, a page at a time. */
export async function notesPage(clientId: string, page: PageRequest): Promise<Page<ClientNote>> {
  const pk = keys.client(clientId).pk;
  const prefix = keys.clientNotesPrefix();
  const result = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ScanIndexForward: false,
      // One more than the page, so the last page says so (no cursor) instead of ending on an empty one.
      Limit: page.limit + 1,
      ExclusiveStartKey: decodeCursor(page.cursor, { pk }, { name: 'sk', prefix }),
    }),
  );
  const items = result.Items ?? [];
  const last = items.length > page.limit ? items[page.limit - 1] : undefined;
  return pageOf(
    items.slice(0, page.limit).map(toNote),
    last ? { pk: last.pk as string, sk: last.sk as string } : undefined,
  );
}
