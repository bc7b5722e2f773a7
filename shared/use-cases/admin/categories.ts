// Category administration (T2, O4): list, create, rename, delete. Each requires an admin first. Names are unique
// ignoring case, held by a guard item written in the same transaction as the category, so two admins cannot create
// "Billing" and "billing".
import * as z from 'zod';
import type { Actor } from '../../domain/actors';
import { conflict, notFound } from '../../domain/errors';
import { displayName } from '../../domain/fields';
import { newId } from '../../domain/ids';
import { requireAdmin } from '../../domain/policy';
import { readConfig } from '../../platform/config';
import { allCategories, type Category, getCategory } from '../../store/categories';
import { keys } from '../../store/keys';
import { StaleRecord, type TransactStep, transactWrite, withFreshRead } from '../../store/transactions';

export const categoryNameSchema = z.strictObject({
  name: displayName(),
});
export type CategoryName = z.output<typeof categoryNameSchema>;

export async function listCategories(actor: Actor): Promise<{ items: Category[] }> {
  requireAdmin(actor);
  return { items: await allCategories() };
}

export async function createCategory(actor: Actor, input: CategoryName, now = new Date()): Promise<Category> {
  requireAdmin(actor);
  const category: Category = {
    categoryId: newId('cat'),
    name: input.name,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const { tableName } = readConfig();
  await transactWrite([
    {
      item: {
        Put: {
          TableName: tableName,
          Item: { ...keys.category(category.categoryId), type: 'category', ...category },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    claimName(category.name, category.categoryId),
  ]);
  return category;
}

export async function renameCategory(
  actor: Actor,
  categoryId: string,
  input: CategoryName,
  now = new Date(),
): Promise<Category> {
  requireAdmin(actor);
  return withFreshRead(async () => {
    const stored = await getCategory(categoryId);
    if (!stored) throw categoryNotFound(categoryId);
    const renamed: Category = { ...stored, name: input.name, updatedAt: now.toISOString() };
    // A change of case only keeps the same guard item.
    const sameGuard = keys.categoryName(stored.name).pk === keys.categoryName(renamed.name).pk;
    await transactWrite([
      {
        item: {
          Update: {
            TableName: readConfig().tableName,
            Key: keys.category(categoryId),
            UpdateExpression: 'SET #name = :name, updatedAt = :now',
            ConditionExpression: '#name = :previous',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: { ':name': renamed.name, ':now': renamed.updatedAt, ':previous': stored.name },
          },
        },
        onConditionFailed: () => new StaleRecord(),
      },
      ...(sameGuard ? [] : [claimName(renamed.name, categoryId), releaseName(stored.name)]),
    ]);
    return renamed;
  });
}

/** Tickets keep the category id they were given; a deleted category simply stops being offered. */
export async function deleteCategory(actor: Actor, categoryId: string): Promise<void> {
  requireAdmin(actor);
  await withFreshRead(async () => {
    const stored = await getCategory(categoryId);
    if (!stored) throw categoryNotFound(categoryId);
    await transactWrite([
      {
        item: {
          Delete: {
            TableName: readConfig().tableName,
            Key: keys.category(categoryId),
            ConditionExpression: '#name = :previous',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: { ':previous': stored.name },
          },
        },
        onConditionFailed: () => new StaleRecord(),
      },
      releaseName(stored.name),
    ]);
  });
}

function claimName(name: string, categoryId: string): TransactStep {
  return {
    item: {
      Put: {
        TableName: readConfig().tableName,
        Item: { ...keys.categoryName(name), type: 'categoryName', categoryId },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    onConditionFailed: () => conflict(`A category named '${name}' already exists.`, { field: 'name', name }),
  };
}

function releaseName(name: string): TransactStep {
  return { item: { Delete: { TableName: readConfig().tableName, Key: keys.categoryName(name) } } };
}

function categoryNotFound(categoryId: string) {
  return notFound(`Category '${categoryId}' does not exist.`);
}
