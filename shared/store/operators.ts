// Operators: the people who work tickets. Records, lookups, the actor they act as, and their administration (O1, O2,
// O4): e-mail uniqueness and group membership items change in the same transaction as the operator record.
import { DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type Actor, type OperatorActor, ROLES, type Role } from '../domain/actors';
import { conflict, forbidden, notFound, unauthorized } from '../domain/errors';
import { displayName } from '../domain/fields';
import { newId } from '../domain/ids';
import { requireAdmin } from '../domain/policy';
import { dynamo, management } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { provisionLogin, setLoginEnabled } from '../platform/logins';
import { connectionIdsOf, removeConnection } from '../realtime/connections';
import { type DistributionStrategy, getGroups, joinGroupSteps, leaveGroupSteps } from './groups';
import { keys } from './keys';
import { listingPage, type Page, type PageRequest } from './pagination';
import { StaleRecord, type TransactStep, transactWrite, versionCondition, withFreshRead } from './transactions';

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
  };
}

export function actorOf(operator: Operator): OperatorActor {
  return { kind: 'operator', operatorId: operator.operatorId, role: operator.role, groupIds: operator.groupIds };
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

const operatorName = displayName();
const groupIds = z
  .array(z.string().min(1, 'must not be empty').max(100, 'is not a group id'))
  .max(MAX_GROUPS_PER_OPERATOR, `must list at most ${MAX_GROUPS_PER_OPERATOR} groups`)
  .transform((ids) => [...new Set(ids)]);
const capacity = z.int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100');

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

export const operatorUpdateSchema = z
  .strictObject({
    name: operatorName.optional(),
    role: z.enum(ROLES).optional(),
    groupIds: groupIds.optional(),
    capacity: capacity.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one of name, role, groupIds, capacity, enabled');

export type OperatorInput = z.output<typeof operatorCreateSchema>;
export type OperatorPatch = z.output<typeof operatorUpdateSchema>;

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

// Admin use cases (O4): each requires an admin before anything else.

export async function listOperators(actor: Actor, page: PageRequest): Promise<Page<Operator>> {
  requireAdmin(actor);
  return listingPage(keys.operators(), page, toOperator);
}

export async function showOperator(actor: Actor, operatorId: string): Promise<Operator> {
  requireAdmin(actor);
  const operator = await getOperator(operatorId);
  if (!operator) throw operatorNotFound(operatorId);
  return operator;
}

export async function createOperator(actor: Actor, input: OperatorInput, now = new Date()): Promise<Operator> {
  requireAdmin(actor);
  const operator = await insertOperator(input, now);
  // After the record: a duplicate e-mail must fail before any login is made for it.
  await provisionLogin(operator);
  if (!operator.enabled) await setLoginEnabled(operator.operatorId, false);
  return operator;
}

/**
 * Applies a patch against the operator as stored now. The write is conditioned on the version it read, so concurrent
 * patches never interleave their membership changes: a stale one re-reads and re-diffs its groups.
 */
export async function updateOperator(
  actor: Actor,
  operatorId: string,
  patch: OperatorPatch,
  now = new Date(),
): Promise<Operator> {
  const admin = requireAdmin(actor);
  if (operatorId === admin.operatorId && (patch.enabled === false || (patch.role && patch.role !== 'admin'))) {
    // Otherwise a deployment can lose its last admin with one click; another admin can still do it.
    throw conflict('You cannot disable yourself or give up your own admin role; ask another admin.');
  }
  let before: Operator | undefined;
  const updated = await withFreshRead(async () => {
    const stored = await readOperatorItem(operatorId);
    if (!stored) throw operatorNotFound(operatorId);
    before = stored.operator;
    const next: Operator = {
      ...stored.operator,
      ...patch,
      groupIds: patch.groupIds ?? stored.operator.groupIds,
      updatedAt: now.toISOString(),
    };
    await transactWrite([
      operatorUpdateStep(next, stored.version),
      ...membershipSteps(operatorId, stored.operator.groupIds, next.groupIds, now),
    ]);
    return next;
  });
  if (patch.enabled !== undefined) await setLoginEnabled(operatorId, patch.enabled);
  // A token that still verifies must not keep a socket; repeated on every `enabled: false` so a retry finishes the job.
  // A socket also listens with the role and groups it connected with (its audiences): after a change of either, it is
  // closed so the front end reconnects and hears exactly what the operator may now see.
  if (patch.enabled === false || audiencesChanged(before, updated)) await closeLiveConnections(operatorId);
  return updated;
}

function audiencesChanged(before: Operator | undefined, after: Operator): boolean {
  if (!before) return false;
  const groups = (operator: Operator) => [...operator.groupIds].sort().join(',');
  return before.role !== after.role || groups(before) !== groups(after);
}

/** GET /me, for any enabled operator. */
export async function profileOf(actor: OperatorActor): Promise<OperatorProfile> {
  const operator = await getOperator(actor.operatorId);
  if (!operator) throw operatorNotFound(actor.operatorId);
  const { groupIds: ids, ...rest } = operator;
  const groups = await getGroups(ids);
  return { ...rest, groups: groups.map(({ groupId, name, strategy }) => ({ groupId, name, strategy })) };
}

async function readOperatorItem(operatorId: string): Promise<{ operator: Operator; version: number } | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.operator(operatorId), ConsistentRead: true }),
  );
  return Item ? { operator: toOperator(Item), version: (Item.version as number | undefined) ?? 0 } : undefined;
}

/** SETs only the fields administration owns: counters and other attributes on the item are left alone. */
function operatorUpdateStep(operator: Operator, version: number): TransactStep {
  const condition = versionCondition(version);
  const listing = keys.operatorListing(operator.name, operator.operatorId);
  return {
    item: {
      Update: {
        TableName: readConfig().tableName,
        Key: keys.operator(operator.operatorId),
        UpdateExpression:
          'SET #name = :name, #role = :role, #groupIds = :groupIds, #capacity = :capacity, #enabled = :enabled, ' +
          '#updatedAt = :updatedAt, gsi1sk = :gsi1sk, version = :nextVersion',
        ConditionExpression: `attribute_exists(pk) AND ${condition.expression}`,
        // Aliased throughout: several of these names (capacity…) are DynamoDB reserved words.
        ExpressionAttributeNames: {
          '#name': 'name',
          '#role': 'role',
          '#groupIds': 'groupIds',
          '#capacity': 'capacity',
          '#enabled': 'enabled',
          '#updatedAt': 'updatedAt',
        },
        ExpressionAttributeValues: {
          ':name': operator.name,
          ':role': operator.role,
          ':groupIds': operator.groupIds,
          ':capacity': operator.capacity,
          ':enabled': operator.enabled,
          ':updatedAt': operator.updatedAt,
          ':gsi1sk': listing.gsi1sk,
          ':nextVersion': version + 1,
          ...condition.values,
        },
      },
    },
    onConditionFailed: () => new StaleRecord(),
  };
}

function membershipSteps(operatorId: string, before: string[], after: string[], now: Date): TransactStep[] {
  const joined = after.filter((groupId) => !before.includes(groupId));
  const left = before.filter((groupId) => !after.includes(groupId));
  return [
    ...joined.flatMap((groupId) => joinGroupSteps(groupId, operatorId, 'groupIds', now)),
    ...left.flatMap((groupId) => leaveGroupSteps(groupId, operatorId, 'groupIds')),
  ];
}

async function closeLiveConnections(operatorId: string): Promise<void> {
  const connectionIds = await connectionIdsOf(`operator#${operatorId}`);
  await Promise.all(
    connectionIds.map(async (connectionId) => {
      try {
        await management().send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'GoneException') throw error;
      }
      await removeConnection(connectionId);
    }),
  );
}

function operatorNotFound(operatorId: string) {
  return notFound(`Operator '${operatorId}' does not exist.`);
}
