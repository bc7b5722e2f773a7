// Operator commands on tickets (T4–T9): read the ticket, let the state machine decide, write the decision
// conditioned on the state it was decided from (with its timeline entry and counter moves) and push the change.
// A lost race is retried from a fresh read, where the state machine gives the loser its real answer.
import type { OperatorActor } from '../domain/actors';
import { conflict, DomainError, forbidden, invalid, notFound } from '../domain/errors';
import { canSeeTicket } from '../domain/policy';
import { applyDecision, decide, type Ticket, type TicketCommand } from '../domain/ticket-rules';
import { readConfig } from '../platform/config';
import { publishTicketChange } from '../realtime/ticket-events';
import { getCategory } from '../store/categories';
import { getChannel } from '../store/channels';
import { getGroup } from '../store/groups';
import { keys } from '../store/keys';
import { putMessage, systemMessage } from '../store/messages';
import { getOperator } from '../store/operators';
import {
  allocateTicketNumber,
  clearOpenTicket,
  counterDeltas,
  counterUpdates,
  getTicket,
  markClientOpenTicket,
  putTicketIfUnchanged,
  readClientHead,
  ticketIdOf,
} from '../store/tickets';
import { stale, type TransactStep, transactWrite, withFreshRead } from '../store/transactions';
import { autoCloseTimerStep, periodsFor } from './auto-close';

/** Commands as front ends send them: targets by id, resolved here. */
export type CommandRequest =
  | { type: 'take' }
  | { type: 'assign'; operatorId: string }
  | { type: 'transfer'; groupId: string }
  | { type: 'unassign' }
  | { type: 'close' }
  | { type: 'setCategory'; categoryId: string | null };

const table = () => readConfig().tableName;

export async function runTicketCommand(
  actor: OperatorActor,
  ticketId: string,
  request: CommandRequest,
  now = new Date(),
): Promise<Ticket> {
  const command = await resolve(request);
  try {
    const { before, after, note } = await withFreshRead(async () => {
      const before = await getTicket(ticketId);
      const decision = decide(before, command, actor, now);
      const after = applyDecision(before, decision.changes, decision.removes);
      const note = systemMessage(after, decision.note, actor, now);
      const steps: TransactStep[] = [stale(putTicketIfUnchanged(after, before.seq)), stale(putMessage(note))];
      steps.push(...counterUpdates(counterDeltas(before, after)).map(stale));
      if (after.status === 'closed') steps.push(stale(clearOpenTicket(after)));
      else if (after.status !== before.status || after.assigneeId !== before.assigneeId) {
        // T11: a new status or owner means a new silence period.
        steps.push(autoCloseTimerStep(after, await periodsFor(after), now));
      }
      await transactWrite(steps);
      return { before, after, note };
    });
    await publishTicketChange(before, after, [note]);
    return after;
  } catch (error) {
    throw request.type === 'take' ? await nameTheWinner(error, actor) : error;
  }
}

/** T9: an outbound dialog with a client whose latest ticket is closed opens a ticket in progress for the starter. */
export async function startOutbound(actor: OperatorActor, clientId: string, now = new Date()): Promise<Ticket> {
  const { before, after, note } = await withFreshRead(async () => {
    const head = await readClientHead(clientId);
    if (!head.client) throw notFound(`Client ${clientId} does not exist.`);
    const latest = head.latest;
    if (latest && latest.status !== 'closed') {
      throw conflict('This client already has an open ticket.', { ticketId: latest.ticketId });
    }
    if (latest && !canSeeTicket(actor, latest) && !actor.groupIds.includes(latest.groupId) && actor.groupIds.length) {
      throw forbidden('You may start a dialog only with clients of your groups.');
    }
    const channel = await getChannel(head.client.channelId);
    const groupId = latest?.groupId ?? channel?.defaultGroupId;
    if (!groupId) throw notFound('The client’s channel no longer exists.');
    const number = await allocateTicketNumber();
    const at = now.toISOString();
    const ticket: Ticket = {
      ticketId: ticketIdOf(clientId, number),
      number,
      clientId,
      clientName: head.client.name,
      channelId: head.client.channelId,
      status: 'in_progress',
      groupId,
      assigneeId: actor.operatorId,
      openedAt: at,
      statusChangedAt: at,
      lastMessageAt: at,
      lastMessagePreview: '',
      lastMessageFromOperator: true,
      unreadCount: 0,
      messageCount: 0,
      seq: 1,
    };
    const note = systemMessage(
      ticket,
      { code: 'started', text: 'Dialog started by operator', params: { by: actor.operatorId } },
      actor,
      now,
    );
    const steps: TransactStep[] = [
      stale(putTicketIfUnchanged(ticket, undefined)),
      stale(markClientOpenTicket(clientId, number)),
      { item: { Put: { TableName: table(), Item: { ...keys.ticketNumber(number), type: 'ticketNumber', clientId } } } },
      stale(putMessage(note)),
      ...counterUpdates(counterDeltas(undefined, ticket)).map(stale),
      autoCloseTimerStep(ticket, await periodsFor(ticket)),
    ];
    if (latest) steps.push(stale(putTicketIfUnchanged(latest, latest.seq, false)));
    await transactWrite(steps);
    return { before: undefined, after: ticket, note };
  });
  await publishTicketChange(before, after, [note]);
  return after;
}

async function resolve(request: CommandRequest): Promise<TicketCommand> {
  switch (request.type) {
    case 'assign': {
      const operator = await getOperator(request.operatorId);
      if (!operator) throw notFound(`Operator ${request.operatorId} does not exist.`);
      if (!operator.enabled) throw invalid(`Operator ${operator.name} is disabled.`);
      return {
        type: 'assign',
        to: { operatorId: operator.operatorId, name: operator.name, groupIds: operator.groupIds },
      };
    }
    case 'transfer': {
      const group = await getGroup(request.groupId);
      if (!group) throw notFound(`Group ${request.groupId} does not exist.`);
      return { type: 'transfer', group: { groupId: group.groupId, name: group.name } };
    }
    case 'setCategory': {
      if (request.categoryId === null) return { type: 'setCategory', category: null };
      const category = await getCategory(request.categoryId);
      if (!category) throw notFound(`Category ${request.categoryId} does not exist.`);
      return { type: 'setCategory', category: { categoryId: category.categoryId, name: category.name } };
    }
    default:
      return request;
  }
}

/** T4: the loser of a take race is told who won, by name. */
async function nameTheWinner(error: unknown, actor: OperatorActor): Promise<unknown> {
  if (!(error instanceof DomainError) || error.code !== 'conflict') return error;
  const winnerId = error.details?.assigneeId;
  if (typeof winnerId !== 'string' || winnerId === actor.operatorId) return error;
  const winner = await getOperator(winnerId);
  if (!winner) return error;
  return conflict(`${winner.name} has already taken this ticket.`, {
    ...error.details,
    assigneeName: winner.name,
  });
}
