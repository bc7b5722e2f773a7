// Routing of a new ticket (T3, C5): pinned client → its operator; otherwise the channel's default group, where the
// group's strategy may pick an online operator under capacity. Pure: candidates in, decision out.

export const STRATEGIES = ['manual', 'least_busy', 'round_robin'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface RoutingCandidate {
  operatorId: string;
  online: boolean;
  enabled: boolean;
  /** T12: the operator's current `in_progress` tickets. */
  inProgress: number;
  capacity: number;
  /** When the router last gave this operator a ticket (round robin turns). */
  lastRoutedAt?: string;
}

export type RoutingDecision =
  | { status: 'in_progress'; assigneeId: string; groupId: string; reason: 'pinned' | 'least_busy' | 'round_robin' }
  | { status: 'unassigned'; groupId: string; reason: 'manual' | 'nobody_available' };

export interface RoutingInput {
  groupId: string;
  strategy: Strategy;
  /** C5: the operator the client is pinned to, if it still exists and is enabled. */
  pinnedTo?: string | undefined;
  candidates: readonly RoutingCandidate[];
}

export function routeTicket(input: RoutingInput): RoutingDecision {
  const { groupId } = input;
  if (input.pinnedTo) return { status: 'in_progress', assigneeId: input.pinnedTo, groupId, reason: 'pinned' };
  if (input.strategy === 'manual') return { status: 'unassigned', groupId, reason: 'manual' };
  const available = input.candidates.filter((c) => c.online && c.enabled && c.inProgress < c.capacity);
  if (available.length === 0) return { status: 'unassigned', groupId, reason: 'nobody_available' };
  const byTurn = (a: RoutingCandidate, b: RoutingCandidate) =>
    (a.lastRoutedAt ?? '').localeCompare(b.lastRoutedAt ?? '') || a.operatorId.localeCompare(b.operatorId);
  const ordered =
    input.strategy === 'least_busy'
      ? [...available].sort((a, b) => a.inProgress - b.inProgress || byTurn(a, b))
      : [...available].sort(byTurn);
  const chosen = ordered[0] as RoutingCandidate;
  return { status: 'in_progress', assigneeId: chosen.operatorId, groupId, reason: input.strategy };
}
