// O3: which of some operators are online, read from the audience partitions their live connections are listed in.
// An operator's connections listen as each of its groups (`group#<id>`), and every audience entry names its
// connection's principal, so one Query of a group's partition tells which of that group's members are online. The
// groups read are chosen to cover the operators asked about (most covered first); an operator in no group is read from
// its own `operator#<id>` partition. Cost: one Query per group chosen plus one per operator in no group — never more
// than the operators asked about — and nothing that grows with the number of connected operators elsewhere.

import { batchGet } from '../store/batch-get';
import { type ItemKey, keys, type PrincipalKey } from '../store/keys';
import { type AudienceMember, audienceMembersOf } from './connections';

export interface PresenceSubject {
  operatorId: string;
  /** The groups whose partitions may be read for it (for an operator caller: the groups it shares with the caller). */
  groupIds: readonly string[];
}

/** The ids among `subjects` that have a live connection now (consistent reads: a finished $connect is seen). */
export async function onlineAmong(subjects: readonly PresenceSubject[]): Promise<Set<string>> {
  const groups = coveringGroups(subjects);
  const alone = subjects.filter((subject) => subject.groupIds.length === 0).map((subject) => subject.operatorId);
  const partitions = await Promise.all([
    ...groups.map((groupId) => audienceMembersOf(`group#${groupId}`, { consistentRead: true })),
    ...alone.map((operatorId) => audienceMembersOf(`operator#${operatorId}`, { consistentRead: true })),
  ]);
  const principals = await principalsOf(partitions.flat());
  const asked = new Set(subjects.map((subject) => subject.operatorId));
  const online = new Set<string>();
  for (const principal of principals) {
    const operatorId = principal.startsWith('operator#') ? principal.slice('operator#'.length) : undefined;
    if (operatorId && asked.has(operatorId)) online.add(operatorId);
  }
  return online;
}

/** Groups whose members together include every subject that has a group: greedily, the one covering most first. */
export function coveringGroups(subjects: readonly PresenceSubject[]): string[] {
  let uncovered = subjects.filter((subject) => subject.groupIds.length > 0);
  const chosen: string[] = [];
  while (uncovered.length > 0) {
    const counts = new Map<string, number>();
    for (const subject of uncovered) {
      for (const groupId of new Set(subject.groupIds)) counts.set(groupId, (counts.get(groupId) ?? 0) + 1);
    }
    // Ties go to the smaller id, so the same subjects always read the same partitions.
    const [best] = [...counts].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : 1))[0] ?? [];
    if (best === undefined) break;
    chosen.push(best);
    uncovered = uncovered.filter((subject) => !subject.groupIds.includes(best));
  }
  return chosen;
}

/**
 * The principal of each entry. Every audience entry has been written with its principal; one without (none should
 * exist) is looked up by its connection record, in one BatchGet for all of them.
 */
async function principalsOf(members: readonly AudienceMember[]): Promise<PrincipalKey[]> {
  const known = members.flatMap((member) => (member.principal ? [member.principal] : []));
  const unknown = members
    .filter((member) => !member.principal)
    .map((member): ItemKey => keys.connection(member.connectionId));
  if (unknown.length === 0) return known;
  const records = await batchGet(unknown);
  return [
    ...known,
    ...records.flatMap((record) => (typeof record.principal === 'string' ? [record.principal as PrincipalKey] : [])),
  ];
}
