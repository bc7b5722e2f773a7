// Ticket numbers (T2): sequential across the tenant. The next number is read from the counter and taken in the same
// transaction that opens the ticket, conditioned on the counter still holding the value it was read with, so a lost
// race or a duplicate delivery takes no number; see keys.ts for when a gap can still appear.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Ticket } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { stale, type TransactStep } from './transactions';

/** The number a ticket opened now would get, and the counter value it is conditioned on. */
export async function nextTicketNumber(): Promise<{ number: number; from: number }> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.ticketCounter(), ConsistentRead: true }),
  );
  const from = (Item?.lastNumber as number | undefined) ?? 0;
  return { number: from + 1, from };
}

/**
 * Transaction parts taking a ticket's number: the counter moves from `from` to the number (failing — so the
 * opening is decided again — if another ticket took it first), and the number item points at the ticket's client.
 * Without `from` the number was taken earlier (P1: reserved when the consent request went out).
 */
export function claimTicketNumber(
  ticket: Pick<Ticket, 'number' | 'clientId'>,
  from: number | undefined,
): TransactStep[] {
  const table = readConfig().tableName;
  const steps: TransactStep[] = [
    {
      item: {
        Put: {
          TableName: table,
          Item: { ...keys.ticketNumber(ticket.number), type: 'ticketNumber', clientId: ticket.clientId },
        },
      },
    },
  ];
  if (from !== undefined) steps.push(stale(counterMove(from, ticket.number)));
  return steps;
}

/** A transaction part: the counter moves from `from` to `to`, only if nobody moved it meanwhile. */
export function counterMove(from: number, to: number) {
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.ticketCounter(),
      UpdateExpression: 'SET lastNumber = :to',
      ConditionExpression: from === 0 ? 'attribute_not_exists(lastNumber)' : 'lastNumber = :from',
      ExpressionAttributeValues: { ':to': to, ...(from === 0 ? {} : { ':from': from }) },
    },
  };
}
