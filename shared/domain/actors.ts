// Who is acting: an operator (with its current role and groups) or a widget visitor bound to one client.

export const ROLES = ['admin', 'supervisor', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface OperatorActor {
  kind: 'operator';
  operatorId: string;
  role: Role;
  groupIds: readonly string[];
  /** Clients this operator watches (C9): it sees their tickets. */
  watchedClientIds?: readonly string[];
}

export interface VisitorActor {
  kind: 'visitor';
  clientId: string;
  channelId: string;
}

export type Actor = OperatorActor | VisitorActor;

/** Supervisors and admins manage dialogs (All and Blacklist tabs, assign to anyone). */
export function isStaff(actor: Actor): boolean {
  return actor.kind === 'operator' && (actor.role === 'admin' || actor.role === 'supervisor');
}
