// Quick replies (Q1–Q4) in the table: global ones under the `global` owner, personal ones under their operator, each
// owner's templates in one partition (bounded by a counter) and ordered by command in the listings index for "/"
// prefix lookups.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { conflict, invalid, notFound } from '../domain/errors';
import { newId } from '../domain/ids';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { INDEXES, keys, partitionQuery } from './keys';
import { queryAll } from './query';
import { type TransactStep, transactWrite } from './transactions';

/** `global` (admins' templates, for everyone) or the id of the operator a personal template belongs to. */
export type TemplateOwner = 'global' | (string & {});

export interface QuickReply {
  templateId: string;
  scope: 'global' | 'personal';
  owner: TemplateOwner;
  title: string;
  category?: string;
  command: string;
  language: string;
  text: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export type QuickReplyFields = Pick<QuickReply, 'title' | 'command' | 'language' | 'text'> & { category?: string };

/** Bounds that keep a lookup over one owner's partition small: a lookup reads at most these many templates. */
export const MAX_GLOBAL_TEMPLATES = 500;
export const MAX_PERSONAL_TEMPLATES = 100;

const limitOf = (owner: TemplateOwner) => (owner === 'global' ? MAX_GLOBAL_TEMPLATES : MAX_PERSONAL_TEMPLATES);

/** A template id names its owner (`global.tpl_…`, `op_….tpl_…`), so one GetItem finds it. */
export function ownerOfTemplateId(templateId: string): TemplateOwner {
  const dot = templateId.lastIndexOf('.');
  if (dot <= 0 || !templateId.slice(dot + 1).startsWith('tpl_')) throw invalid(`'${templateId}' is not a template id.`);
  return templateId.slice(0, dot);
}

function templateItem(template: QuickReply): Record<string, unknown> {
  return {
    ...keys.template(template.owner, template.templateId),
    ...keys.templateListing(template.owner, template.command, template.templateId),
    type: 'template',
    ...template,
    // Case-folded copies the lookup filters compare with.
    textFolded: template.text.toLowerCase(),
    categoryFolded: template.category?.toLowerCase() ?? '',
  };
}

function toQuickReply(item: Record<string, unknown>): QuickReply {
  const template: QuickReply = {
    templateId: item.templateId as string,
    scope: item.owner === 'global' ? 'global' : 'personal',
    owner: item.owner as string,
    title: item.title as string,
    command: item.command as string,
    language: item.language as string,
    text: item.text as string,
    createdBy: item.createdBy as string,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
  if (typeof item.category === 'string') template.category = item.category;
  return template;
}

export async function getTemplate(templateId: string): Promise<QuickReply | undefined> {
  const owner = ownerOfTemplateId(templateId);
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.template(owner, templateId), ConsistentRead: true }),
  );
  return Item ? toQuickReply(Item) : undefined;
}

/** Writes a new template and counts it against its owner's bound, in one transaction. */
export async function insertTemplate(
  owner: TemplateOwner,
  fields: QuickReplyFields,
  createdBy: string,
  now: Date,
): Promise<QuickReply> {
  const at = now.toISOString();
  const template: QuickReply = {
    templateId: `${owner}.${newId('tpl')}`,
    scope: owner === 'global' ? 'global' : 'personal',
    owner,
    ...fields,
    createdBy,
    createdAt: at,
    updatedAt: at,
  };
  const table = readConfig().tableName;
  const limit = limitOf(owner);
  await transactWrite([
    {
      item: {
        Put: { TableName: table, Item: templateItem(template), ConditionExpression: 'attribute_not_exists(pk)' },
      },
    },
    countStep(owner, 1, limit),
  ]);
  return template;
}

export async function replaceTemplate(template: QuickReply): Promise<void> {
  await transactWrite([
    {
      item: {
        Put: {
          TableName: readConfig().tableName,
          Item: templateItem(template),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: () => notFound(`Quick reply ${template.templateId} does not exist.`),
    },
  ]);
}

export async function deleteTemplate(template: QuickReply): Promise<void> {
  await transactWrite([
    {
      item: {
        Delete: {
          TableName: readConfig().tableName,
          Key: keys.template(template.owner, template.templateId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: () => notFound(`Quick reply ${template.templateId} does not exist.`),
    },
    countStep(template.owner, -1),
  ]);
}

function countStep(owner: TemplateOwner, by: number, limit?: number): TransactStep {
  return {
    item: {
      Update: {
        TableName: readConfig().tableName,
        Key: keys.templateCount(owner),
        UpdateExpression: 'ADD templateCount :by SET #type = :type',
        ...(limit !== undefined
          ? { ConditionExpression: 'attribute_not_exists(templateCount) OR templateCount < :limit' }
          : {}),
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':by': by,
          ':type': 'templateCount',
          ...(limit !== undefined ? { ':limit': limit } : {}),
        },
      },
    },
    onConditionFailed: () =>
      conflict(
        owner === 'global'
          ? `There are already ${MAX_GLOBAL_TEMPLATES} global quick replies; delete one first.`
          : `You already have ${MAX_PERSONAL_TEMPLATES} personal quick replies; delete one first.`,
      ),
  };
}

export interface TemplateFilter {
  /** Normalized command prefix; '' matches every command. */
  commandPrefix?: string;
  /** Case-folded text the template's text must contain. */
  text?: string;
  category?: string;
  language?: string;
}

/**
 * Q4: one owner's templates matching the filter. A command prefix is a key condition on the listings index; text,
 * category and language are filters, so a lookup reads at most the owner's bound (MAX_*_TEMPLATES) of items.
 */
export async function templatesOf(owner: TemplateOwner, filter: TemplateFilter): Promise<QuickReply[]> {
  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, string> = {};
  if (filter.text) {
    conditions.push('contains(textFolded, :text)');
    values[':text'] = filter.text.toLowerCase();
  }
  if (filter.category) {
    conditions.push('categoryFolded = :category');
    values[':category'] = filter.category.toLowerCase();
  }
  if (filter.language) {
    conditions.push('#language = :language');
    names['#language'] = 'language';
    values[':language'] = filter.language;
  }
  const filterPart = conditions.length
    ? {
        FilterExpression: conditions.join(' AND '),
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      }
    : {};
  const items =
    filter.commandPrefix !== undefined
      ? await queryAll({
          ...filterPart,
          ...commands(owner, filter.commandPrefix, names, values),
        })
      : await queryAll({
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': keys.templatesOf(owner).pk,
            ':prefix': keys.templatesOf(owner).skPrefix,
            ...values,
          },
          ...filterPart,
        });
  return items.map(toQuickReply).sort((a, b) => (a.command < b.command ? -1 : a.command > b.command ? 1 : 0));
}

/** Q4 "/" lookups: an owner's templates whose command starts with `prefix`, with the filters' names and values. */
function commands(owner: TemplateOwner, prefix: string, names: Record<string, string>, values: Record<string, string>) {
  const { partition, prefix: commandPrefix } = keys.templateCommands(owner, prefix);
  const query = partitionQuery(partition, { index: INDEXES.listings, sort: { beginsWith: commandPrefix } });
  query.ExpressionAttributeNames = { ...query.ExpressionAttributeNames, ...names };
  query.ExpressionAttributeValues = { ...query.ExpressionAttributeValues, ...values };
  return query;
}
