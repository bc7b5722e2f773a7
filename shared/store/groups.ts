// Groups (O2, T3): lines or departments of operators, each with its ticket distribution strategy. Member items live in
// the group's partition, so the operators of a group are one Query; reference counters on the group item let a delete
// check atomically that no operator and no channel still points at it.
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Actor } from '../domain/actors';
import { conflict, invalid, notFound } from '../domain/errors';
import { displayName } from '../domain/fields';
import { newId } from '../domain/ids';
import { requireAdmin } from '../domain/policy';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { batchGet } from './batch-get';
import { keys } from './keys';
import { listingPage, type Page, type PageRequest } from './pagination';
import { queryAll } from './query';
import { isConditionFailure, type TransactStep } from './transactions';

export const DISTRIBUTION_STRATEGIES = ['manual', 'least_busy', 'round_robin'] as const;
export type DistributionStrategy = (typeof DISTRIBUTION_STRATEGIES)[number];

export interface Group {
  groupId: string;
  name: string;
  /** T3: `manual` (operators take, supervisors assign) or automatic distribution to online operators. */
  strategy: DistributionStrategy;
  memberCount: number;
  /** Channels whose new tickets land in this group. */
  channelCount: number;
  createdAt: string;
  updatedAt: string;
}

const groupName = displayName();
const strategy = z.enum(DISTRIBUTION_STRATEGIES);

export const groupCreateSchema = z.strictObject({ name: groupName, strategy: strategy.default('manual') });
export const groupUpdateSchema = z
  .strictObject({ name: groupName.optional(), strategy: strategy.optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one of name, strategy');

export type GroupInput = z.output<typeof groupCreateSchema>;
export type GroupPatch = z.output<typeof groupUpdateSchema>;

export async function getGroup(groupId: string): Promise<Group | undefined> {
  const { Item } = await dynamo().send(new GetCommand({ TableName: readConfig().tableName, Key: keys.group(groupId) }));
  return Item ? toGroup(Item) : undefined;
}

/** The groups that exist among `groupIds`, in the order asked. */
export async function getGroups(groupIds: readonly string[]): Promise<Group[]> {
  const ids = [...new Set(groupIds)];
  const found = new Map((await batchGet(ids.map(keys.group))).map((item) => [item.groupId as string, toGroup(item)]));
  return ids.flatMap((id) => found.get(id) ?? []);
}

/** Ids of the operators in a group (routing candidates, assign targets), disabled ones included. */
export async function operatorsOfGroup(groupId: string): Promise<string[]> {
  const { pk, skPrefix } = keys.groupMembersPrefix(groupId);
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    ProjectionExpression: 'operatorId',
  });
  return items.map((item) => item.operatorId as string);
}

/** Transaction steps that add an operator to a group; the group must exist (`field` names the input at fault). */
export function joinGroupSteps(groupId: string, operatorId: string, field: string, now: Date): TransactStep[] {
  return [
    countReference(groupId, 'memberCount', 1, field),
    {
      item: {
        Put: {
          TableName: readConfig().tableName,
          Item: {
            ...keys.groupMember(groupId, operatorId),
            type: 'groupMember',
            groupId,
            operatorId,
            joinedAt: now.toISOString(),
          },
        },
      },
    },
  ];
}

export function leaveGroupSteps(groupId: string, operatorId: string, field: string): TransactStep[] {
  return [
    countReference(groupId, 'memberCount', -1, field),
    { item: { Delete: { TableName: readConfig().tableName, Key: keys.groupMember(groupId, operatorId) } } },
  ];
}

/** A channel starts (+1) or stops (-1) using the group as its default group; the group must exist. */
export function channelReferenceStep(groupId: string, delta: 1 | -1, field: string): TransactStep {
  return countReference(groupId, 'channelCount', delta, field);
}

function countReference(
  groupId: string,
  counter: 'memberCount' | 'channelCount',
  delta: 1 | -1,
  field: string,
): TransactStep {
  return {
    item: {
      Update: {
        TableName: readConfig().tableName,
        Key: keys.group(groupId),
        UpdateExpression: 'ADD #counter :delta',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#counter': counter },
        ExpressionAttributeValues: { ':delta': delta },
      },
    },
    onConditionFailed: () => invalid(`${field}: group '${groupId}' does not exist`, { field, groupId }),
  };
}

// Admin use cases (O4): each requires an admin before anything else.

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
  await dynamo().send(
    new PutCommand({
      TableName: readConfig().tableName,
      Item: { ...keys.group(groupId), ...keys.groupListing(group.name, groupId), type: 'group', ...group },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return group;
}

export async function updateGroup(actor: Actor, groupId: string, patch: GroupPatch, now = new Date()): Promise<Group> {
  requireAdmin(actor);
  const sets = ['updatedAt = :now'];
  const values: Record<string, unknown> = { ':now': now.toISOString() };
  if (patch.name !== undefined) {
    sets.push('#name = :name', 'gsi1sk = :gsi1sk');
    values[':name'] = patch.name;
    values[':gsi1sk'] = keys.groupListing(patch.name, groupId).gsi1sk;
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
        ExpressionAttributeNames: patch.name === undefined ? undefined : { '#name': 'name' },
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

function groupNotFound(groupId: string) {
  return notFound(`Group '${groupId}' does not exist.`);
}

function toGroup(item: Record<string, unknown>): Group {
  return {
    groupId: item.groupId as string,
    name: item.name as string,
    strategy: (item.strategy as DistributionStrategy | undefined) ?? 'manual',
    memberCount: (item.memberCount as number | undefined) ?? 0,
    channelCount: (item.channelCount as number | undefined) ?? 0,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}
