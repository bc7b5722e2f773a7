// O3/T5: the team directory — the operators the caller may pick for an assignment, by name, each with whether it is
// online. X1: supervisors and admins see every enabled operator; an operator sees the enabled members of its own
// groups and itself (an operator in no group shares a group with no one, so it sees only itself — the same rule the
// assign action enforces), and of a colleague only the groups they share. These are exactly the people whose
// `operator.presence` events the caller hears, so the directory and the live events agree.
import { isStaff, type OperatorActor } from '../domain/actors';
import { invalid } from '../domain/errors';
import { mayAssignTo } from '../domain/policy';
import type { TeamMember } from '../protocol/entities';
import { onlineAmong } from '../realtime/online-operators';
import { batchGet } from '../store/batch-get';
import { operatorsOfGroup } from '../store/groups';
import { keys } from '../store/keys';
import { type Operator, toOperator } from '../store/operators';
import { listingPage, type Page, type PageRequest } from '../store/pagination';

/**
 * Reads: supervisors and admins one Query of the operator listing (a page of it, by name); operators one Query per
 * group they are in (member ids), then one BatchGet of the page's operators. Then `onlineAmong`: one Query per group
 * partition needed to cover the page, one per operator on it in no group.
 */
export async function teamDirectory(actor: OperatorActor, page: PageRequest): Promise<Page<TeamMember>> {
  const listed = isStaff(actor) ? await staffPage(page) : await colleaguesPage(actor, page);
  const members = listed.items.map((operator) => ({
    operator,
    groupIds: isStaff(actor) ? operator.groupIds : operator.groupIds.filter((id) => actor.groupIds.includes(id)),
  }));
  const online = await onlineAmong(
    members.map(({ operator, groupIds }) => ({ operatorId: operator.operatorId, groupIds })),
  );
  const items = members.map(({ operator, groupIds }) => ({
    operatorId: operator.operatorId,
    name: operator.name,
    role: operator.role,
    groupIds,
    online: online.has(operator.operatorId),
  }));
  return listed.nextCursor ? { items, nextCursor: listed.nextCursor } : { items };
}

/** Every enabled operator, a listing page at a time (disabled ones are left out, so a page may hold fewer). */
async function staffPage(page: PageRequest): Promise<Page<Operator>> {
  const listed = await listingPage(keys.operators(), page, toOperator);
  return { ...listed, items: listed.items.filter((operator) => operator.enabled) };
}

/** The operator and the members of its groups, paged by operator id (each page then sorted by name). */
async function colleaguesPage(actor: OperatorActor, page: PageRequest): Promise<Page<Operator>> {
  const after = decodeAfter(page.cursor);
  const memberIds = await Promise.all(actor.groupIds.map((groupId) => operatorsOfGroup(groupId)));
  const ids = [...new Set([actor.operatorId, ...memberIds.flat()])]
    .sort()
    .filter((id) => after === undefined || id > after);
  const pageIds = ids.slice(0, page.limit);
  const operators = (await batchGet(pageIds.map(keys.operator)))
    .map(toOperator)
    // Membership was read from the group partitions; the operator records have the final word.
    .filter((operator) => operator.enabled && mayAssignTo(actor, operator))
    .sort((a, b) => a.name.localeCompare(b.name) || (a.operatorId < b.operatorId ? -1 : 1));
  const last = pageIds.at(-1);
  return ids.length > pageIds.length && last
    ? { items: operators, nextCursor: encodeAfter(last) }
    : { items: operators };
}

const CURSOR_PREFIX = 'team:';

function encodeAfter(operatorId: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${operatorId}`, 'utf8').toString('base64url');
}

function decodeAfter(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX) || text.length === CURSOR_PREFIX.length) {
    throw invalid('cursor: is not a cursor this list returned');
  }
  return text.slice(CURSOR_PREFIX.length);
}
