// Operators: the people who work tickets. The record, lookups, the actor they act as, and the repository write that
// creates one with its e-mail guard and group memberships; administration is in shared/use-cases/admin/operators.ts.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type OperatorActor, ROLES, type Role } from '../domain/actors';
import { conflict, forbidden, notFound, unauthorized } from '../domain/errors';
import { displayName } from '../domain/fields';
import { newId } from '../domain/ids';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { type DistributionStrategy, getGroups, joinGroupSteps } from './groups';
import { keys } from './keys';
import { transactWrite } from './transactions';

export interface Operator {
  operatorId: string;
  name: string;
  email: string;
  role: Role;
  groupIds: string[];
  /** T3: the most `in_progress` tickets this operator may hold at once. */
  capacity: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** C9: clients this operator watches (shared/store/favourites.ts keeps the list). */
  watchedClientIds?: string[];
}

export async function getOperator(operatorId: string): Promise<Operator | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.operator(operatorId) }),
  );
  return Item ? toOperator(Item) : undefined;
}

export function toOperator(item: Record<string, unknown>): Operator {
  return {
    operatorId: item.operatorId as string,
    name: item.name as string,
    email: item.email as string,
    role: item.role as Role,
    groupIds: (item.groupIds as string[] | undefined) ?? [],
    capacity: item.capacity as number,
    enabled: item.enabled as boolean,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    ...(Array.isArray(item.watchedClientIds) && item.watchedClientIds.length
      ? { watchedClientIds: item.watchedClientIds as string[] }
      : {}),
  };
}

export function actorOf(operator: Operator): OperatorActor {
  const actor: OperatorActor = {
    kind: 'operator',
    operatorId: operator.operatorId,
    role: operator.role,
    groupIds: operator.groupIds,
  };
  return operator.watchedClientIds ? { ...actor, watchedClientIds: operator.watchedClientIds } : actor;
}

/** The operator behind a verified token, as it is now: a disabled or deleted operator is refused. */
export async function resolveOperatorActor(operatorId: string | undefined): Promise<OperatorActor> {
  if (!operatorId) throw unauthorized();
  const operator = await getOperator(operatorId);
  if (!operator) throw unauthorized('This token belongs to no operator of this deployment.');
  if (!operator.enabled) throw forbidden('This operator is disabled.');
  return actorOf(operator);
}

/** Each group costs two transaction items (member item, group counter); 20 keeps any change within one transaction. */
export const MAX_GROUPS_PER_OPERATOR = 20;

export const operatorName = displayName();
export const groupIds = z
  .array(z.string().min(1, 'must not be empty').max(100, 'is not a group id'))
  .max(MAX_GROUPS_PER_OPERATOR, `must list at most ${MAX_GROUPS_PER_OPERATOR} groups`)
  .transform((ids) => [...new Set(ids)]);
export const capacity = z.int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100');

export const operatorCreateSchema = z.strictObject({
  name: operatorName,
  email: z
    .email({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be an e-mail address') })
    .max(254, 'must be at most 254 characters'),
  role: z.enum(ROLES).default('operator'),
  groupIds: groupIds.default([]),
  capacity: capacity.default(5),
  enabled: z.boolean().default(true),
});

export type OperatorInput = z.output<typeof operatorCreateSchema>;

/** What GET /me returns: the caller as front ends show it. */
export interface OperatorProfile extends Omit<Operator, 'groupIds'> {
  groups: { groupId: string; name: string; strategy: DistributionStrategy }[];
}

/**
 * Writes a new operator with its e-mail guard and group memberships in one transaction. No authorization and no login:
 * `createOperator` is the admin use case; this is the repository write it (and bootstrap scripts, tests) build on.
 */
export async function insertOperator(input: OperatorInput, now = new Date()): Promise<Operator> {
  const operatorId = newId('op');
  const operator: Operator = {
    operatorId,
    name: input.name,
    email: input.email,
    role: input.role,
    groupIds: [...new Set(input.groupIds)],
    capacity: input.capacity,
    enabled: input.enabled,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const { tableName } = readConfig();
  await transactWrite([
    {
      item: {
        Put: {
          TableName: tableName,
          Item: {
            ...keys.operator(operatorId),
            ...keys.operatorListing(operator.name, operatorId),
            type: 'operator',
            ...operator,
            version: 1,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    {
      item: {
        Put: {
          TableName: tableName,
          Item: { ...keys.operatorEmail(operator.email), type: 'operatorEmail', operatorId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () =>
        conflict(`An operator with e-mail '${operator.email}' already exists.`, {
          field: 'email',
          email: operator.email,
        }),
    },
    ...operator.groupIds.flatMap((groupId) => joinGroupSteps(groupId, operatorId, 'groupIds', now)),
  ]);
  return operator;
}

/** GET /me, for any enabled operator. */
export async function profileOf(actor: OperatorActor): Promise<OperatorProfile> {
  const operator = await getOperator(actor.operatorId);
  if (!operator) throw operatorNotFound(actor.operatorId);
  const { groupIds: ids, ...rest } = operator;
  const groups = await getGroups(ids);
  return { ...rest, groups: groups.map(({ groupId, name, strategy }) => ({ groupId, name, strategy })) };
}

export function operatorNotFound(operatorId: string) {
  return notFound(`Operator '${operatorId}' does not exist.`);
}
