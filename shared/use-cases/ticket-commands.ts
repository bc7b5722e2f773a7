// Operator commands on tickets (T4–T9): read the ticket, let the state machine decide, and commit the decision
// through the one ticket-change path. Outbound starts (T9) open a ticket the same way.
import { isStaff, type OperatorActor } from '../domain/actors';
import { conflict, DomainError, invalid, notFound } from '../domain/errors';
import { authorizeTicket, forbiddenBecause } from '../domain/policy';
import { authorizeStart, decideStart, watchedOf } from '../domain/ticket-open';
import { decideCommand, type Ticket, type TicketCommand } from '../domain/ticket-rules';
import { getCategory } from '../store/categories';
import { type ChannelConfig, getChannel } from '../store/channels';
import { getGroup } from '../store/groups';
import { getOperator } from '../store/operators';
import { readSettings, slaThresholdsFor } from '../store/settings';
import { nextTicketNumber } from '../store/ticket-numbers';
import { getTicket, markClientOpenTicket, readClientHead } from '../store/tickets';
import { periodsFor } from './auto-close';
import { changeTicket } from './ticket-change';

/** Commands as front ends send them: targets by id, resolved here. */
export type CommandRequest =
  | { type: 'take' }
  | { type: 'assign'; operatorId: string }
  | { type: 'transfer'; groupId: string }
  | { type: 'unassign' }
  | { type: 'close' }
  | { type: 'setCategory'; categoryId: string | null };

export async function runTicketCommand(
  actor: OperatorActor,
  ticketId: string,
  request: CommandRequest,
  now = new Date(),
): Promise<Ticket> {
  try {
    return await changeTicket(async () => {
      const ticket = await getTicket(ticketId);
      // X1: a command naming a target (operator, group, category) learns nothing about it on a ticket it cannot see.
      // A take is judged by the state machine, which tells the loser of a race who won (T4).
      if (request.type !== 'take') authorizeTicket(actor, 'ticket.view', ticket);
      const change = decideCommand(ticket, await resolve(request, actor), actor, now);
      // T11: a new status or owner means a new silence period.
      const autoClose = change.restartsAutoClose ? await periodsFor(change.after) : undefined;
      return { change, extras: { ...(autoClose ? { autoClose } : {}), now }, result: change.after };
    });
  } catch (error) {
    throw request.type === 'take' ? await nameTheWinner(error, actor) : error;
  }
}

/** T9: an outbound dialog with a client whose latest ticket is closed opens a ticket in progress for the starter. */
export async function startOutbound(
  actor: OperatorActor,
  clientId: string,
  now = new Date(),
  /** The client's channel, when the request has read it already. */
  known?: ChannelConfig,
): Promise<Ticket> {
  return changeTicket(async () => {
    const head = await readClientHead(clientId);
    if (!head.client) throw notFound(`Client ${clientId} does not exist.`);
    const { client, latest } = head;
    // X1 before anything is read for the start; with no ticket yet, the channel's default group decides (below).
    if (latest) authorizeStart(actor, { client, latest, groupId: latest.groupId });
    const [channel, next, settings] = await Promise.all([
      known?.channelId === client.channelId ? known : getChannel(client.channelId),
      nextTicketNumber(),
      readSettings(),
    ]);
    const groupId = latest?.groupId ?? channel?.defaultGroupId;
    if (!groupId) throw notFound('The client’s channel no longer exists.');
    const sla = slaThresholdsFor(settings, client.channelId);
    const watched = watchedOf(client, latest);
    const change = decideStart({
      actor,
      client: { ...client, watched },
      latest,
      groupId,
      number: next.number,
      sla,
      now,
    });
    return {
      change,
      extras: {
        client: markClientOpenTicket(clientId, next.number, watched),
        numberedFrom: next.from,
        autoClose: await periodsFor(change.after, settings, channel),
        ...(latest ? { previous: latest } : {}),
        now,
      },
      result: change.after,
    };
  });
}

async function resolve(request: CommandRequest, actor: OperatorActor): Promise<TicketCommand> {
  switch (request.type) {
    case 'assign': {
      const operator = await getOperator(request.operatorId);
      // X1: an operator is not told whether an id exists or is disabled, only that it may not assign there (T5).
      if (!isStaff(actor) && !operator?.enabled) {
        throw forbiddenBecause(
          'target_not_in_shared_group',
          'You may assign only to enabled operators who share one of your groups.',
        );
      }
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
