// Drafts (M10): an operator's unsent reply per ticket, kept apart from the shared ticket item so list rows stay one
// item for everyone; a page of rows reads its drafts with one BatchGet.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { batchGet } from './batch-get';
import { keys, TTL_ATTRIBUTE } from './keys';

export interface Draft {
  ticketId: string;
  text: string;
  updatedAt: string;
}

/** A draft nobody touched for this long is forgotten (TTL). */
export const DRAFT_TTL_DAYS = 30;

const toDraft = (item: Record<string, unknown>): Draft => ({
  ticketId: item.ticketId as string,
  text: item.text as string,
  updatedAt: item.updatedAt as string,
});

export async function putDraft(operatorId: string, draft: Draft): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: readConfig().tableName,
      Item: {
        ...keys.draft(operatorId, draft.ticketId),
        type: 'draft',
        operatorId,
        ...draft,
        [TTL_ATTRIBUTE]: Math.floor(Date.parse(draft.updatedAt) / 1000) + DRAFT_TTL_DAYS * 86_400,
      },
    }),
  );
}

export async function getDraft(operatorId: string, ticketId: string): Promise<Draft | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.draft(operatorId, ticketId) }),
  );
  return Item ? toDraft(Item) : undefined;
}

export async function deleteDraft(operatorId: string, ticketId: string): Promise<void> {
  await dynamo().send(new DeleteCommand({ TableName: readConfig().tableName, Key: keys.draft(operatorId, ticketId) }));
}

/** The operator's drafts among these tickets, by ticket id: one BatchGet for a whole page. */
export async function draftsOf(operatorId: string, ticketIds: readonly string[]): Promise<Map<string, Draft>> {
  if (ticketIds.length === 0) return new Map();
  const items = await batchGet([...new Set(ticketIds)].map((ticketId) => keys.draft(operatorId, ticketId)));
  return new Map(items.map((item) => [item.ticketId as string, toDraft(item)]));
}
