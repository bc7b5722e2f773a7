import { describe, expect, it } from 'vitest';
import type { Actor, OperatorActor, Role } from '../../shared/domain/actors';
import { DomainError } from '../../shared/domain/errors';
import {
  authorizeAssignTarget,
  authorizeClient,
  authorizeNoteAuthor,
  authorizeOutboundStart,
  authorizePin,
  authorizeTab,
  authorizeTemplateOwner,
  authorizeTicket,
  authorizeUnpin,
  authorizeVisitorChat,
  canSeeTicket,
  requireAdmin,
  type TicketAccess,
  type TicketAction,
} from '../../shared/domain/policy';

const me = (role: Role, groupIds: string[] = ['g1']): OperatorActor => ({
  kind: 'operator',
  operatorId: 'op-me',
  role,
  groupIds,
});
const visitor: Actor = { kind: 'visitor', clientId: 'cl-1', channelId: 'ch-1' };

function outcome(run: () => unknown): string {
  try {
    run();
    return 'allowed';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return `${error.code}:${String(error.details?.reason)}`;
  }
}

type Group = 'own group' | 'other group';
type Assignment = 'unassigned' | 'assigned to me' | 'assigned to another' | 'closed by me';

function ticket(group: Group, assignment: Assignment): TicketAccess {
  const groupId = group === 'own group' ? 'g1' : 'g2';
  switch (assignment) {
    case 'unassigned':
      return { status: 'unassigned', groupId, clientId: 'cl-9' };
    case 'assigned to me':
      return { status: 'in_progress', groupId, assigneeId: 'op-me', clientId: 'cl-9' };
    case 'assigned to another':
      return { status: 'in_progress', groupId, assigneeId: 'op-other', clientId: 'cl-9' };
    case 'closed by me':
      return { status: 'closed', groupId, assigneeId: 'op-me', closedBy: 'op-me', clientId: 'cl-9' };
  }
}

const HIDDEN = 'forbidden:not_visible';
const NOT_ASSIGNEE = 'forbidden:not_assignee';
const OK = 'allowed';

// Expected outcome for a plain operator, per action, per [group][assignment].
const operatorMatrix: Record<TicketAction, Record<Group, Record<Assignment, string>>> = {
  'ticket.view': {
    'own group': { unassigned: OK, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
    'other group': { unassigned: HIDDEN, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
  },
  'ticket.take': {
    'own group': { unassigned: OK, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
    'other group': { unassigned: HIDDEN, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
  },
  'ticket.assign': {
    'own group': { unassigned: OK, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
    'other group': { unassigned: HIDDEN, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
  },
  'ticket.transfer': {
    'own group': { unassigned: OK, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
    'other group': { unassigned: HIDDEN, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
  },
  'ticket.close': {
    'own group': { unassigned: OK, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
    'other group': { unassigned: HIDDEN, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
  },
  'ticket.unassign': {
    'own group': {
      unassigned: NOT_ASSIGNEE,
      'assigned to me': OK,
      'assigned to another': HIDDEN,
      'closed by me': NOT_ASSIGNEE,
    },
    'other group': {
      unassigned: HIDDEN,
      'assigned to me': OK,
      'assigned to another': HIDDEN,
      'closed by me': NOT_ASSIGNEE,
    },
  },
  'ticket.reply': {
    'own group': {
      unassigned: NOT_ASSIGNEE,
      'assigned to me': OK,
      'assigned to another': HIDDEN,
      'closed by me': NOT_ASSIGNEE,
    },
    'other group': {
      unassigned: HIDDEN,
      'assigned to me': OK,
      'assigned to another': HIDDEN,
      'closed by me': NOT_ASSIGNEE,
    },
  },
  'ticket.markRead': {
    'own group': { unassigned: OK, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
    'other group': { unassigned: HIDDEN, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
  },
  'ticket.typing': {
    'own group': { unassigned: OK, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
    'other group': { unassigned: HIDDEN, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
  },
  'ticket.tag': {
    'own group': { unassigned: OK, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
    'other group': { unassigned: HIDDEN, 'assigned to me': OK, 'assigned to another': HIDDEN, 'closed by me': OK },
  },
  'ticket.setCategory': {
    'own group': {
      unassigned: NOT_ASSIGNEE,
      'assigned to me': OK,
      'assigned to another': HIDDEN,
      'closed by me': NOT_ASSIGNEE,
    },
    'other group': {
      unassigned: HIDDEN,
      'assigned to me': OK,
      'assigned to another': HIDDEN,
      'closed by me': NOT_ASSIGNEE,
    },
  },
};

const actions = Object.keys(operatorMatrix) as TicketAction[];
const groups: Group[] = ['own group', 'other group'];
const assignments: Assignment[] = ['unassigned', 'assigned to me', 'assigned to another', 'closed by me'];
const cases = (['admin', 'supervisor', 'operator'] as Role[]).flatMap((role) =>
  actions.flatMap((action) =>
    groups.flatMap((group) =>
      assignments.map((assignment) => ({
        role,
        action,
        group,
        assignment,
        expected: role === 'operator' ? operatorMatrix[action][group][assignment] : OK,
      })),
    ),
  ),
);

describe('O1/L1/T4–T8 authorization matrix: role × action × group × assignment', () => {
  it.each(cases)(
    '$role $action on a ticket in $group, $assignment → $expected',
    ({ role, action, group, assignment, expected }) => {
      expect(outcome(() => authorizeTicket(me(role), action, ticket(group, assignment)))).toBe(expected);
    },
  );

  it.each(actions)('a widget visitor may not %s', (action) => {
    expect(outcome(() => authorizeTicket(visitor, action, ticket('own group', 'unassigned')))).toBe(
      'forbidden:operators_only',
    );
  });
});

// C9/X1: a plain operator watching the ticket's client. Watching adds read-only visibility: where the matrix above
// says HIDDEN, the watcher may view and nothing else; where the operator could already act, watching changes nothing.
const watcher: OperatorActor = { ...me('operator'), watchedClientIds: ['cl-9'] };
const READ_ONLY = 'forbidden:watch_read_only';
const watcherCases = actions.flatMap((action) =>
  groups.flatMap((group) =>
    assignments.map((assignment) => {
      const withoutWatch = operatorMatrix[action][group][assignment];
      const expected = withoutWatch !== HIDDEN ? withoutWatch : action === 'ticket.view' ? OK : READ_ONLY;
      return { action, group, assignment, expected };
    }),
  ),
);

describe('C9/X1 watching grants read-only visibility', () => {
  it.each(watcherCases)(
    'C9: a watcher $action on a ticket in $group, $assignment → $expected',
    ({ action, group, assignment, expected }) => {
      expect(outcome(() => authorizeTicket(watcher, action, ticket(group, assignment)))).toBe(expected);
    },
  );

  it.each([
    ['client.view', OK],
    ['client.edit', READ_ONLY],
    ['client.watch', READ_ONLY],
  ] as const)('C9: a watcher doing %s on a client it sees only by watching → %s', (action, expected) => {
    expect(outcome(() => authorizeClient(watcher, action, ticket('other group', 'assigned to another')))).toBe(
      expected,
    );
  });

  it.each([
    ['operator', 'own group', 'unassigned', 'client.edit', OK],
    ['operator', 'other group', 'unassigned', 'client.view', HIDDEN],
    ['operator', 'own group', 'assigned to another', 'client.view', HIDDEN],
    ['operator', 'own group', 'assigned to me', 'client.watch', OK],
    ['supervisor', 'other group', 'assigned to another', 'client.edit', OK],
  ] as const)(
    'X1: %s on a client whose latest ticket is in %s, %s: %s → %s',
    (role, group, assignment, action, expected) => {
      expect(outcome(() => authorizeClient(me(role), action, ticket(group, assignment)))).toBe(expected);
    },
  );

  it('X1: an operator may not see a client without tickets; staff may', () => {
    expect(outcome(() => authorizeClient(me('operator'), 'client.view', undefined))).toBe(HIDDEN);
    expect(outcome(() => authorizeClient(me('supervisor'), 'client.view', undefined))).toBe(OK);
  });
});

describe('C4 notes and Q2 quick-reply ownership', () => {
  it.each([
    ['operator', 'op-me', OK],
    ['operator', 'op-other', 'forbidden:not_note_author'],
    ['admin', 'op-other', 'forbidden:not_note_author'],
  ] as const)('C4: %s changing a note by %s → %s', (role, author, expected) => {
    expect(outcome(() => authorizeNoteAuthor(me(role), author))).toBe(expected);
  });

  it.each([
    ['operator', 'global', 'forbidden:admin_only'],
    ['supervisor', 'global', 'forbidden:admin_only'],
    ['admin', 'global', OK],
    ['operator', 'op-me', OK],
    ['operator', 'op-other', 'forbidden:not_template_owner'],
    ['admin', 'op-other', 'forbidden:not_template_owner'],
  ] as const)('Q2: %s changing a quick reply owned by %s → %s', (role, owner, expected) => {
    expect(outcome(() => authorizeTemplateOwner(me(role), owner))).toBe(expected);
  });
});

describe('L1 visibility', () => {
  it('an operator in no group sees unassigned tickets of every group', () => {
    expect(canSeeTicket(me('operator', []), ticket('other group', 'unassigned'))).toBe(true);
    expect(canSeeTicket(me('operator', []), ticket('other group', 'assigned to another'))).toBe(false);
  });

  it('C9: an operator sees every ticket of a client it watches', () => {
    const watcher: OperatorActor = { ...me('operator'), watchedClientIds: ['cl-9'] };
    expect(canSeeTicket(watcher, ticket('other group', 'assigned to another'))).toBe(true);
  });

  it.each([
    ['operator', 'tab.all', 'forbidden:staff_only'],
    ['operator', 'tab.blacklist', 'forbidden:staff_only'],
    ['operator', 'tab.unassigned', OK],
    ['operator', 'tab.mine', OK],
    ['operator', 'tab.closed', OK],
    ['supervisor', 'tab.all', OK],
    ['supervisor', 'tab.blacklist', OK],
    ['admin', 'tab.all', OK],
    ['admin', 'tab.blacklist', OK],
  ] as const)('C6/L1: %s opening %s → %s', (role, tab, expected) => {
    expect(outcome(() => authorizeTab(me(role), tab))).toBe(expected);
  });
});

describe('T5 assign targets', () => {
  const sharesGroup = { operatorId: 'op-b', groupIds: ['g1', 'g3'] };
  const otherGroups = { operatorId: 'op-c', groupIds: ['g2'] };
  it.each([
    ['operator', sharesGroup, OK],
    ['operator', otherGroups, 'forbidden:target_not_in_shared_group'],
    ['operator', { operatorId: 'op-me', groupIds: [] }, OK],
    ['supervisor', otherGroups, OK],
    ['admin', otherGroups, OK],
  ] as const)('%s assigning to %j → %s', (role, target, expected) => {
    expect(outcome(() => authorizeAssignTarget(me(role), target))).toBe(expected);
  });
});

describe('C5 pin and O4 admin-only', () => {
  it.each([
    ['operator', 'op-me', OK],
    ['operator', 'op-other', 'forbidden:not_pin_owner'],
    ['supervisor', 'op-other', 'forbidden:not_pin_owner'],
    ['admin', 'op-other', OK],
  ] as const)('%s pinning to %s → %s', (role, to, expected) => {
    const visible = { clientId: 'cl-9', latest: ticket('own group', 'assigned to me') };
    expect(outcome(() => authorizePin(me(role), to, visible))).toBe(expected);
    expect(outcome(() => authorizeUnpin(me(role), { ...visible, pinnedTo: to }))).toBe(expected);
  });

  type Pin = 'not pinned' | 'pinned to me' | 'pinned to another';
  const pinnedTo = (pin: Pin) =>
    ({ 'not pinned': undefined, 'pinned to me': 'op-me', 'pinned to another': 'op-other' })[pin];
  const PIN_OWNER = 'forbidden:not_pin_owner';
  // X1/C5: pinning to oneself, per role, per [the client's latest ticket][its current pin].
  const pinMatrix: Record<Role, Record<Group, Record<Assignment, Record<Pin, string>>>> = {
    operator: {
      'own group': {
        unassigned: { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
        'assigned to me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
        'assigned to another': { 'not pinned': HIDDEN, 'pinned to me': HIDDEN, 'pinned to another': HIDDEN },
        'closed by me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
      },
      'other group': {
        unassigned: { 'not pinned': HIDDEN, 'pinned to me': HIDDEN, 'pinned to another': HIDDEN },
        'assigned to me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
        'assigned to another': { 'not pinned': HIDDEN, 'pinned to me': HIDDEN, 'pinned to another': HIDDEN },
        'closed by me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
      },
    },
    supervisor: {
      'own group': {
        unassigned: { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
        'assigned to me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
        'assigned to another': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
        'closed by me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
      },
      'other group': {
        unassigned: { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
        'assigned to me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
        'assigned to another': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
        'closed by me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': PIN_OWNER },
      },
    },
    admin: {
      'own group': {
        unassigned: { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': OK },
        'assigned to me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': OK },
        'assigned to another': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': OK },
        'closed by me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': OK },
      },
      'other group': {
        unassigned: { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': OK },
        'assigned to me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': OK },
        'assigned to another': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': OK },
        'closed by me': { 'not pinned': OK, 'pinned to me': OK, 'pinned to another': OK },
      },
    },
  };
  const pinCases = Object.entries(pinMatrix).flatMap(([role, groups]) =>
    Object.entries(groups).flatMap(([group, assignments]) =>
      Object.entries(assignments).flatMap(([assignment, pins]) =>
        Object.entries(pins).map(([pin, expected]) => [role, group, assignment, pin, expected] as const),
      ),
    ),
  );
  it.each(pinCases)(
    'X1/C5: %s pins to itself a client whose ticket is in %s, %s, %s → %s',
    (role, group, assignment, pin, expected) => {
      const client = {
        clientId: 'cl-9',
        latest: ticket(group as Group, assignment as Assignment),
        pinnedTo: pinnedTo(pin as Pin),
      };
      expect(outcome(() => authorizePin(me(role as Role), 'op-me', client))).toBe(expected);
    },
  );

  it('X1/C5: a client with no ticket yet is visible to operators of its channel’s default group only', () => {
    expect(outcome(() => authorizePin(me('operator'), 'op-me', { clientId: 'cl-9', defaultGroupId: 'g1' }))).toBe(OK);
    expect(outcome(() => authorizePin(me('operator'), 'op-me', { clientId: 'cl-9', defaultGroupId: 'g2' }))).toBe(
      HIDDEN,
    );
    expect(outcome(() => authorizePin(me('operator', []), 'op-me', { clientId: 'cl-9', defaultGroupId: 'g2' }))).toBe(
      OK,
    );
  });

  it('X1: unpinning a client the operator may not see is refused as not visible, pinned or not', () => {
    const hidden = { clientId: 'cl-9', latest: ticket('other group', 'unassigned') };
    expect(outcome(() => authorizeUnpin(me('operator'), hidden))).toBe(HIDDEN);
    expect(outcome(() => authorizeUnpin(me('operator'), { ...hidden, pinnedTo: 'op-me' }))).toBe(HIDDEN);
  });

  it('T9/X1: a start with a client of another group is refused; with no ticket the default group decides', () => {
    expect(outcome(() => authorizeOutboundStart(me('operator'), { clientId: 'cl-9', defaultGroupId: 'g2' }))).toBe(
      HIDDEN,
    );
    expect(outcome(() => authorizeOutboundStart(me('operator'), { clientId: 'cl-9', defaultGroupId: 'g1' }))).toBe(OK);
    expect(
      outcome(() =>
        authorizeOutboundStart(me('operator'), { clientId: 'cl-9', latest: ticket('own group', 'closed by me') }),
      ),
    ).toBe(OK);
    expect(outcome(() => authorizeOutboundStart(me('supervisor'), { clientId: 'cl-9', defaultGroupId: 'g2' }))).toBe(
      OK,
    );
  });

  it.each([
    ['operator', 'forbidden:admin_only'],
    ['supervisor', 'forbidden:admin_only'],
    ['admin', OK],
  ] as const)('%s managing settings → %s', (role, expected) => {
    expect(outcome(() => requireAdmin(me(role)))).toBe(expected);
  });

  it('a visitor acts only in its own chat', () => {
    expect(outcome(() => authorizeVisitorChat(visitor, 'cl-1'))).toBe(OK);
    expect(outcome(() => authorizeVisitorChat(visitor, 'cl-2'))).toBe('forbidden:not_own_client');
    expect(outcome(() => requireAdmin(visitor))).toBe('forbidden:operators_only');
  });
});
