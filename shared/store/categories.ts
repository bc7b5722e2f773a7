// Ticket categories (T2): the list operators pick a ticket's category from. The record and its reads; administration
// (with the unique-name guard) is in shared/use-cases/admin/categories.ts.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { queryAll } from './query';

export interface Category {
  categoryId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** Every category, by name; the list is short and read whole (operators need it too, not only admins). */
export async function allCategories(): Promise<Category[]> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.categories().pk },
  });
  return items.map(toCategory).sort((a, b) => a.name.localeCompare(b.name));
}

export async function getCategory(categoryId: string): Promise<Category | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.category(categoryId), ConsistentRead: true }),
  );
  return Item ? toCategory(Item) : undefined;
}

export function toCategory(item: Record<string, unknown>): Category {
  return {
    categoryId: item.categoryId as string,
    name: item.name as string,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}
