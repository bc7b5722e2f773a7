// P1 privacy consent: the bot's consent request goes out through the client's channel like any reply; its delivery
// status is recorded on the message (nobody is pushed: no operator sees the dialog yet).
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryOutcome } from '../channels/driver';
import { channelDrivers } from '../channels/drivers';
import type { Ticket } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { type Channel, type ChannelConfig, getChannel, readChannelSecrets } from '../store/channels';
import { keys } from '../store/keys';
import type { Message } from '../store/messages';
import { readClientHead } from '../store/tickets';

export interface ConsentRequest {
  message: Message;
  channelId: string;
}

/** `known`: the request has read the channel already (ingest), so it is not read again. */
export async function deliverConsentRequest(
  { message, channelId }: ConsentRequest,
  known?: Channel | ChannelConfig,
): Promise<void> {
  const [config, head] = await Promise.all([
    known?.channelId === channelId ? known : getChannel(channelId),
    readClientHead(message.clientId),
  ]);
  // X2: a channel read with its secrets (the webhook) is used as it is; a widget (the visitor functions) needs none;
  // the other kinds read theirs.
  const channel = config && ('webhookSecret' in config ? (config as Channel) : await readChannelSecrets(config));
  const driver = channel ? channelDrivers[channel.kind] : undefined;
  if (!channel || !head.client || !driver) return;
  // The dialog has no ticket yet; drivers address the client, the reserved number only names where it will live.
  const reserved = {
    ticketId: message.ticketId,
    number: message.ticketNumber,
    clientId: message.clientId,
    channelId,
  } as Ticket;
  let outcome: DeliveryOutcome;
  try {
    outcome = await driver.deliver({ message, ticket: reserved, client: head.client, channel });
  } catch (error) {
    outcome = { status: 'failed', reason: `Channel error: ${(error as Error).message}` };
  }
  if (outcome.status === 'queued') return;
  await dynamo().send(
    new UpdateCommand({
      TableName: readConfig().tableName,
      Key: keys.message(message.clientId, message.ticketNumber, message.messageId),
      UpdateExpression: `SET #status = :status${outcome.status === 'failed' ? ', failureReason = :reason' : ''}`,
      ConditionExpression: '#status = :queued',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': outcome.status,
        ':queued': 'queued',
        ...(outcome.status === 'failed' ? { ':reason': outcome.reason } : {}),
      },
    }),
  );
}
