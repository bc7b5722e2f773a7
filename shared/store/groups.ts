// Groups (O2, T3): lines or departments of operators, each with its ticket distribution strategy. Member items live in
// the group's partition, so the operators of a group are one Query; reference counters on the group item let a delete
// check atomically that no operator and no channel still points at it. The record, its reads and the membership and
// reference steps other writes join; administration is in shared/use-cases/admin/groups.ts.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { invalid, notFound } from '../domain/errors';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { batchGet } from './batch-get';
import { keys } from './keys';
import { queryAll } from './query';
import type { TransactStep } from './transactions';

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

/**
 * L1/L2: lists groups' ticket partitions for the staff views (All, and Unassigned of staff): an ADD to one string set,
 * written with the group and never taken back, so the tickets of a deleted group stay in All.
 */
export function listGroupsUpdate(groupIds: readonly string[]) {
  return {
    TableName: readConfig().tableName,
    Key: keys.listedGroups(),
    UpdateExpression: 'ADD groupIds :ids SET #type = :type',
    ExpressionAttributeNames: { '#type': 'type' },
    ExpressionAttributeValues: { ':ids': new Set(groupIds), ':type': 'listedGroups' },
  };
}

/** L1/L2: every group whose ticket partitions the staff views merge, sorted (the same groups give the same cursor). */
export async function listedGroupIds(): Promise<string[]> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.listedGroups(), ProjectionExpression: 'groupIds' }),
  );
  return [...((Item?.groupIds as Set<string> | undefined) ?? [])].sort();
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

export function groupNotFound(groupId: string) {
  return notFound(`Group '${groupId}' does not exist.`);
}

export function toGroup(item: Record<string, unknown>): Group {
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
