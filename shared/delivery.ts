// Outbound delivery (M3, CH3): operator messages start `queued` and are handed to their channel's driver through one
// interface; the outcome moves the message's status forward (never backwards) and is pushed to operators.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryOutcome } from './channel-driver';
import { channelDrivers } from './channel-drivers';
import { getChannel } from './channels';
import { dynamo } from './clients';
import { readConfig } from './config';
import { pushToAudiences } from './fanout';
import { keys } from './keys';
import { DELIVERY_STATUSES, type DeliveryStatus, type Message } from './messages';
import { ticketAudiences } from './ticket-events';
import type { Ticket } from './ticket-rules';
import { readClientHead } from './tickets';
import { isConditionFailure } from './transactions';

/** Hands one operator message to its channel's driver and records the outcome. */
export async function deliverOperatorMessage(message: Message, ticket: Ticket): Promise<DeliveryStatus> {
  const [channel, head] = await Promise.all([getChannel(ticket.channelId), readClientHead(ticket.clientId)]);
  const driver = channel ? channelDrivers[channel.kind] : undefined;
  let outcome: DeliveryOutcome;
  if (!channel || !head.client) {
    outcome = { status: 'failed', reason: 'The client or its channel no longer exists.' };
  } else if (!driver) {
    outcome = { status: 'queued' };
  } else {
    try {
      outcome = await driver.deliver({ message, ticket, client: head.client, channel });
    } catch (error) {
      outcome = { status: 'failed', reason: `Channel error: ${(error as Error).message}` };
    }
  }
  if (outcome.status === 'queued') return 'queued';
  await recordDeliveryStatus(ticket, message.messageId, outcome);
  return outcome.status;
}

const rank = (status: DeliveryStatus) => (status === 'failed' ? 99 : DELIVERY_STATUSES.indexOf(status));

/**
 * Moves a message's status forward: reports may arrive out of order and twice, so the write is conditioned on the
 * stored status being earlier; a stale or repeated report changes nothing and pushes nothing.
 */
export async function recordDeliveryStatus(
  ticket: Pick<Ticket, 'ticketId' | 'clientId' | 'number' | 'status' | 'groupId' | 'assigneeId' | 'closedBy'>,
  messageId: string,
  outcome: { status: Exclude<DeliveryStatus, 'queued'>; reason?: string; externalId?: string },
): Promise<boolean> {
  const earlier = DELIVERY_STATUSES.filter((status) => rank(status) < rank(outcome.status));
  const values: Record<string, unknown> = { ':status': outcome.status };
  earlier.forEach((status, index) => {
    values[`:e${index}`] = status;
  });
  const sets = ['#status = :status'];
  if (outcome.status === 'failed' && 'reason' in outcome && outcome.reason) {
    sets.push('failureReason = :reason');
    values[':reason'] = outcome.reason;
  }
  if ('externalId' in outcome && outcome.externalId) {
    sets.push('externalId = :externalId');
    values[':externalId'] = outcome.externalId;
  }
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: readConfig().tableName,
        Key: keys.message(ticket.clientId, ticket.number, messageId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `attribute_exists(pk) AND #status IN (${earlier.map((_, i) => `:e${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  const data = {
    ticketId: ticket.ticketId,
    messageId,
    status: outcome.status,
    ...(outcome.status === 'failed' && outcome.reason ? { reason: outcome.reason } : {}),
  };
  await pushToAudiences(ticketAudiences(ticket as Ticket), { type: 'event', event: 'message.status', data });
  return true;
}
