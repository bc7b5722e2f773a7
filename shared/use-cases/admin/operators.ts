// Operator administration (O1, O2, O4): list, create (with its login), show, and update role, groups, capacity or
// enabled. Each requires an admin first; e-mail uniqueness and group membership items change in the same transaction
// as the operator record.
import { DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type Actor, ROLES } from '../../domain/actors';
import { conflict } from '../../domain/errors';
import { requireAdmin } from '../../domain/policy';
import { dynamo, management } from '../../platform/aws-clients';
import { readConfig } from '../../platform/config';
import { provisionLogin, setLoginEnabled } from '../../platform/logins';
import { connectionIdsOf, removeConnection } from '../../realtime/connections';
import { joinGroupSteps, leaveGroupSteps } from '../../store/groups';
import { INDEXES, keys } from '../../store/keys';
import {
  capacity,
  getOperator,
  groupIds,
  insertOperator,
  type Operator,
  type OperatorInput,
  operatorName,
  operatorNotFound,
  toOperator,
} from '../../store/operators';
import { listingPage, type Page, type PageRequest } from '../../store/pagination';
import {
  StaleRecord,
  type TransactStep,
  transactWrite,
  versionCondition,
  withFreshRead,
} from '../../store/transactions';

export const operatorUpdateSchema = z
  .strictObject({
    name: operatorName.optional(),
    role: z.enum(ROLES).optional(),
    groupIds: groupIds.optional(),
    capacity: capacity.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one of name, role, groupIds, capacity, enabled');

export type OperatorPatch = z.output<typeof operatorUpdateSchema>;

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

async function readOperatorItem(operatorId: string): Promise<{ operator: Operator; version: number } | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.operator(operatorId), ConsistentRead: true }),
  );
  return Item ? { operator: toOperator(Item), version: (Item.version as number | undefined) ?? 0 } : undefined;
}

/** SETs only the fields administration owns: counters and other attributes on the item are left alone. */
function operatorUpdateStep(operator: Operator, version: number): TransactStep {
  const condition = versionCondition(version);
  return {
    item: {
      Update: {
        TableName: readConfig().tableName,
        Key: keys.operator(operator.operatorId),
        UpdateExpression:
          'SET #name = :name, #role = :role, #groupIds = :groupIds, #capacity = :capacity, #enabled = :enabled, ' +
          '#updatedAt = :updatedAt, #listed = :listed, version = :nextVersion',
        ConditionExpression: `attribute_exists(pk) AND ${condition.expression}`,
        // Aliased throughout: several of these names (capacity…) are DynamoDB reserved words.
        ExpressionAttributeNames: {
          '#name': 'name',
          '#role': 'role',
          '#groupIds': 'groupIds',
          '#capacity': 'capacity',
          '#enabled': 'enabled',
          '#updatedAt': 'updatedAt',
          '#listed': INDEXES.listings.sortKey,
        },
        ExpressionAttributeValues: {
          ':name': operator.name,
          ':role': operator.role,
          ':groupIds': operator.groupIds,
          ':capacity': operator.capacity,
          ':enabled': operator.enabled,
          ':updatedAt': operator.updatedAt,
          ':listed': keys.listingName(operator.name, operator.operatorId),
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
