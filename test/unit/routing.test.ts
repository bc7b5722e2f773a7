import { describe, expect, it } from 'vitest';
import { type RoutingCandidate, type RoutingInput, routeTicket } from '../../shared/domain/routing';

const candidate = (operatorId: string, overrides: Partial<RoutingCandidate> = {}): RoutingCandidate => ({
  operatorId,
  online: true,
  enabled: true,
  inProgress: 0,
  capacity: 3,
  ...overrides,
});

/** Candidates in the order the router would try them: route, take the chosen one out, route again. */
function routingOrder(input: RoutingInput): string[] {
  const order: string[] = [];
  let remaining = [...input.candidates];
  for (;;) {
    const decision = routeTicket({ ...input, candidates: remaining });
    if (decision.status !== 'in_progress' || decision.reason === 'pinned') return order;
    order.push(decision.assigneeId);
    remaining = remaining.filter((c) => c.operatorId !== decision.assigneeId);
  }
}

describe('T3 routing', () => {
  it('C5: a pinned client goes straight to its operator, whatever the strategy or load', () => {
    expect(
      routeTicket({ groupId: 'g1', strategy: 'manual', pinnedTo: 'op-p', candidates: [candidate('op-a')] }),
    ).toEqual({ status: 'in_progress', assigneeId: 'op-p', groupId: 'g1', reason: 'pinned' });
  });

  it('manual leaves the ticket unassigned in the group', () => {
    expect(routeTicket({ groupId: 'g1', strategy: 'manual', candidates: [candidate('op-a')] })).toEqual({
      status: 'unassigned',
      groupId: 'g1',
      reason: 'manual',
    });
  });

  it('least_busy picks the online operator with the fewest tickets under capacity', () => {
    const candidates = [
      candidate('op-a', { inProgress: 2 }),
      candidate('op-b', { inProgress: 1 }),
      candidate('op-c', { inProgress: 0, online: false }),
      candidate('op-d', { inProgress: 0, capacity: 0 }),
      candidate('op-e', { inProgress: 0, enabled: false }),
    ];
    expect(routeTicket({ groupId: 'g1', strategy: 'least_busy', candidates })).toMatchObject({
      assigneeId: 'op-b',
      reason: 'least_busy',
    });
  });

  it('round_robin gives the ticket to whoever waited longest for one', () => {
    const candidates = [
      candidate('op-a', { lastRoutedAt: '2026-01-01T10:00:02Z' }),
      candidate('op-b', { lastRoutedAt: '2026-01-01T10:00:01Z' }),
      candidate('op-c', { lastRoutedAt: '2026-01-01T10:00:03Z' }),
    ];
    expect(routeTicket({ groupId: 'g1', strategy: 'round_robin', candidates }).status).toBe('in_progress');
    expect(routingOrder({ groupId: 'g1', strategy: 'round_robin', candidates })).toEqual(['op-b', 'op-a', 'op-c']);
  });

  it('nobody online or everybody full → unassigned', () => {
    const candidates = [candidate('op-a', { online: false }), candidate('op-b', { inProgress: 3 })];
    expect(routeTicket({ groupId: 'g1', strategy: 'least_busy', candidates })).toEqual({
      status: 'unassigned',
      groupId: 'g1',
      reason: 'nobody_available',
    });
  });
});
