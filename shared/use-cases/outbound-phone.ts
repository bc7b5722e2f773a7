// CH4: an operator starts a WhatsApp dialog by phone number, behind a setting. WhatsApp only lets a business write
// first with an approved template, so the dialog opens with that template as the operator's first message; the
// client's answer then arrives through the webhook into the same ticket.

import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { recordDeliveryStatus } from '../channels/delivery';
import { phoneOf, sendTemplate } from '../channels/whatsapp';
import type { OperatorActor } from '../domain/actors';
import { forbidden, notFound } from '../domain/errors';
import type { Ticket } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { getChannelWithSecrets } from '../store/channels';
import { clientIdFor, clientItem } from '../store/clients';
import type { Message } from '../store/messages';
import { readSettings } from '../store/settings';
import { isConditionFailure } from '../store/transactions';
import { sendOperatorMessage } from './operator-replies';
import { startOutbound } from './ticket-commands';

export interface StartByPhone {
  channelId: string;
  phone: string;
  template: string;
  language: string;
}

export async function startByPhone(
  actor: OperatorActor,
  input: StartByPhone,
  now = new Date(),
): Promise<{ ticket: Ticket; message: Message }> {
  const [settings, channel] = await Promise.all([readSettings(), getChannelWithSecrets(input.channelId)]);
  if (!settings.outboundByPhone.whatsapp) {
    throw forbidden('Starting dialogs by phone number is switched off in the settings (outboundByPhone.whatsapp).');
  }
  if (channel?.kind !== 'whatsapp' || !channel.enabled) throw notFound('No such WhatsApp channel.');
  const phone = phoneOf(input.phone);
  const clientId = clientIdFor(channel.channelId, phone);
  await createClientIfNew(clientId, channel.channelId, phone, now);
  const ticket = await startOutbound(actor, clientId, now, channel);
  const message = await sendOperatorMessage(
    actor,
    ticket.ticketId,
    { text: `Template "${input.template}" (${input.language})` },
    now,
    async (stored, current) => {
      const outcome = await sendTemplate(channel, phone, input.template, input.language);
      if (outcome.status === 'queued') return 'queued';
      await recordDeliveryStatus(current, stored.messageId, outcome, [`operator#${actor.operatorId}`]);
      return outcome.status;
    },
  );
  return { ticket, message };
}

/** C1: the client is the channel plus the phone number; a number never seen before becomes a new client. */
async function createClientIfNew(clientId: string, channelId: string, phone: string, now: Date): Promise<void> {
  const item = clientItem({
    clientId,
    channelId,
    externalId: phone,
    type: 'channel',
    originalName: `+${phone}`,
    name: `+${phone}`,
    createdAt: now.toISOString(),
  });
  try {
    await dynamo().send(
      new PutCommand({
        TableName: readConfig().tableName,
        Item: { ...item, ticketCount: 0 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
