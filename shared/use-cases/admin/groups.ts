// Group administration (O2, O4): list, create, show (with its operators), rename or change strategy, delete while
// unused. Each requires an admin first.
import { DeleteCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Actor } from '../../domain/actors';
import { conflict } from '../../domain/errors';
import { displayName } from '../../domain/fields';
import { newId } from '../../domain/ids';
import { requireAdmin } from '../../domain/policy';
import { dynamo } from '../../platform/aws-clients';
import { readConfig } from '../../platform/config';
import {
  DISTRIBUTION_STRATEGIES,
  type Group,
  getGroup,
  groupNotFound,
  listGroupsUpdate,
  operatorsOfGroup,
  toGroup,
} from '../../store/groups';
import { INDEXES, keys } from '../../store/keys';
import { listingPage, type Page, type PageRequest } from '../../store/pagination';
import { isConditionFailure } from '../../store/transactions';

const groupName = displayName();
const strategy = z.enum(DISTRIBUTION_STRATEGIES);

export const groupCreateSchema = z.strictObject({ name: groupName, strategy: strategy.default('manual') });
export const groupUpdateSchema = z
  .strictObject({ name: groupName.optional(), strategy: strategy.optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one of name, strategy');

export type GroupInput = z.output<typeof groupCreateSchema>;
export type GroupPatch = z.output<typeof groupUpdateSchema>;

export async function listGroups(actor: Actor, page: PageRequest): Promise<Page<Group>> {
  requireAdmin(actor);
  return listingPage(keys.groups(), page, toGroup);
}

export async function showGroup(actor: Actor, groupId: string): Promise<Group & { operatorIds: string[] }> {
  requireAdmin(actor);
  const group = await getGroup(groupId);
  if (!group) throw groupNotFound(groupId);
  return { ...group, operatorIds: await operatorsOfGroup(groupId) };
}

export async function createGroup(actor: Actor, input: GroupInput, now = new Date()): Promise<Group> {
  requireAdmin(actor);
  const groupId = newId('grp');
  const group: Group = {
    groupId,
    name: input.name,
    strategy: input.strategy,
    memberCount: 0,
    channelCount: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  // L1/L2: listed for the staff views in the same write, so no ticket of the group is ever missing from All.
  await dynamo().send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: readConfig().tableName,
            Item: { ...keys.group(groupId), ...keys.groupListing(group.name, groupId), type: 'group', ...group },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Update: listGroupsUpdate([groupId]) },
      ],
    }),
  );
  return group;
}

export async function updateGroup(actor: Actor, groupId: string, patch: GroupPatch, now = new Date()): Promise<Group> {
  requireAdmin(actor);
  const sets = ['updatedAt = :now'];
  const values: Record<string, unknown> = { ':now': now.toISOString() };
  if (patch.name !== undefined) {
    sets.push('#name = :name', '#listed = :listed');
    values[':name'] = patch.name;
    values[':listed'] = keys.listingName(patch.name, groupId);
  }
  if (patch.strategy !== undefined) {
    sets.push('strategy = :strategy');
    values[':strategy'] = patch.strategy;
  }
  try {
    const { Attributes } = await dynamo().send(
      new UpdateCommand({
        TableName: readConfig().tableName,
        Key: keys.group(groupId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames:
          patch.name === undefined ? undefined : { '#name': 'name', '#listed': INDEXES.listings.sortKey },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toGroup(Attributes ?? {});
  } catch (error) {
    if (isConditionFailure(error)) throw groupNotFound(groupId);
    throw error;
  }
}

/** Only an unused group may go: the counters are checked in the delete's own condition, so nothing races past it. */
export async function deleteGroup(actor: Actor, groupId: string): Promise<void> {
  requireAdmin(actor);
  try {
    await dynamo().send(
      new DeleteCommand({
        TableName: readConfig().tableName,
        Key: keys.group(groupId),
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(memberCount) OR memberCount = :zero) AND ' +
          '(attribute_not_exists(channelCount) OR channelCount = :zero)',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const group = await getGroup(groupId);
    if (!group) throw groupNotFound(groupId);
    throw conflict(
      `Group '${group.name}' is still in use (${group.memberCount} operator(s), default group of ` +
        `${group.channelCount} channel(s)); move them to another group first.`,
      { groupId, memberCount: group.memberCount, channelCount: group.channelCount },
    );
  }
}
