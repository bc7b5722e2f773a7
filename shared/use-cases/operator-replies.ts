// Operator replies (M2–M4), read marks (M6, T12) and typing (M11).
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { deliverOperatorMessage } from '../channels/delivery';
import type { OperatorActor } from '../domain/actors';
import { conflict, notFound } from '../domain/errors';
import { decideRead, decideReply } from '../domain/operator-reply';
import { authorizeTicket } from '../domain/policy';
import { previewOf, type Ticket, validateText } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { pushToAudiences } from '../realtime/fanout';
import { ticketAudiences } from '../realtime/ticket-events';
import { keys } from '../store/keys';
import { type Attachment, type DeliveryStatus, type Message, toMessage } from '../store/messages';
import { getTicket } from '../store/tickets';
import { acceptUploads, discardAttachments } from './attachments';
import { changeTicket } from './ticket-change';

export interface SendInput {
  /** May be empty when attachments are sent. */
  text: string;
  /** A1: keys of files uploaded through this operator's upload slots for this ticket. */
  attachments?: readonly string[] | undefined;
  /** M2: quote an earlier message of the same ticket. */
  quoteMessageId?: string | undefined;
}

/** Hands a stored message to the client; the default goes through the ticket's channel driver. */
export type Deliver = (message: Message, ticket: Ticket) => Promise<DeliveryStatus>;

export async function sendOperatorMessage(
  actor: OperatorActor,
  ticketId: string,
  input: SendInput,
  now = new Date(),
  deliver: Deliver = deliverOperatorMessage,
): Promise<Message> {
  const uploads = input.attachments ?? [];
  const text = uploads.length > 0 && !input.text.trim() ? undefined : validateText(input.text);
  let attachments: Attachment[] = [];
  if (uploads.length > 0) {
    // X1 first: the uploads are only looked at once the operator may reply on this (open) ticket.
    const ticket = await getTicket(ticketId);
    authorizeTicket(actor, 'ticket.reply', ticket);
    if (ticket.status === 'closed') throw conflict('The ticket is closed; start a new dialog to write to the client.');
    const uploader = { kind: 'operator' as const, operatorId: actor.operatorId, ticketId };
    attachments = await acceptUploads(uploader, uploads, ticket.clientId);
  }
  const { after, message } = await changeTicket(async () => {
    const before = await getTicket(ticketId);
    authorizeTicket(actor, 'ticket.reply', before);
    const quote =
      input.quoteMessageId && before.status !== 'closed' ? await quoted(before, input.quoteMessageId) : undefined;
    const change = decideReply(actor, before, { text, attachments, quote }, now);
    return { change, result: { after: change.after, message: change.messages[0] as Message } };
  }).catch(async (error: unknown) => {
    await discardAttachments(attachments);
    throw error;
  });
  const status = await deliver(message, after);
  return { ...message, status };
}

async function quoted(ticket: Ticket, messageId: string): Promise<Message['quote']> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.message(ticket.clientId, ticket.number, messageId) }),
  );
  if (!Item) throw notFound(`Message ${messageId} is not in this ticket.`);
  const message = toMessage(Item);
  return { messageId, preview: previewOf(message.text ?? message.attachments?.[0]?.name ?? message.kind) };
}

/** M6: an operator who can see the ticket marks its client messages read; T12 counters follow. */
export async function markRead(actor: OperatorActor, ticketId: string): Promise<Ticket> {
  return changeTicket(async () => {
    const before = await getTicket(ticketId);
    const change = decideRead(actor, before);
    return { change, result: change?.after ?? before };
  });
}

/** M11: operator typing goes to the other operators of the ticket and to the client's widget; nothing is stored. */
export async function operatorTyping(actor: OperatorActor, ticketId: string, typing: boolean): Promise<void> {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.typing', ticket);
  await Promise.all([
    pushToAudiences(ticketAudiences(ticket), {
      type: 'event',
      event: 'typing',
      data: { ticketId, operatorId: actor.operatorId, typing },
    }),
    pushToAudiences([`visitor#${ticket.clientId}`], {
      type: 'event',
      event: 'typing',
      data: { from: 'support', typing },
    }),
  ]);
}
