// Operator replies (M2–M4), read marks (M6, T12) and typing (M11).
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { deliverOperatorMessage } from '../channels/delivery';
import type { OperatorActor } from '../domain/actors';
import { conflict, notFound } from '../domain/errors';
import { authorizeTicket } from '../domain/policy';
import { previewOf, type Ticket, validateText } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { pushToAudiences } from '../realtime/fanout';
import { publishTicketChange, ticketAudiences } from '../realtime/ticket-events';
import { keys } from '../store/keys';
import { type DeliveryStatus, type Message, newMessageId, putMessage, toMessage } from '../store/messages';
import { counterDeltas, counterUpdates, getTicket, putTicketIfUnchanged } from '../store/tickets';
import { stale, transactWrite, withFreshRead } from '../store/transactions';

export interface SendInput {
  text: string;
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
  const text = validateText(input.text);
  const { before, after, message } = await withFreshRead(async () => {
    const before = await getTicket(ticketId);
    authorizeTicket(actor, 'ticket.reply', before);
    if (before.status === 'closed') throw conflict('The ticket is closed; start a new dialog to write to the client.');
    const quote = input.quoteMessageId ? await quoted(before, input.quoteMessageId) : undefined;
    const at = now.toISOString();
    const after: Ticket = {
      ...before,
      seq: before.seq + 1,
      lastMessageAt: at,
      lastMessagePreview: previewOf(text),
      lastMessageFromOperator: true,
      messageCount: before.messageCount + 1,
    };
    const message: Message = {
      messageId: newMessageId(now),
      ticketId,
      ticketNumber: before.number,
      clientId: before.clientId,
      author: { kind: 'operator', operatorId: actor.operatorId },
      kind: 'text',
      text,
      status: 'queued',
      createdAt: at,
      seq: after.seq,
      ...(quote ? { quote } : {}),
    };
    await transactWrite([stale(putTicketIfUnchanged(after, before.seq)), stale(putMessage(message))]);
    return { before, after, message };
  });
  await publishTicketChange(before, after, [message]);
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
  const result = await withFreshRead(async () => {
    const before = await getTicket(ticketId);
    authorizeTicket(actor, 'ticket.view', before);
    if (before.unreadCount === 0) return { before, after: before };
    const after: Ticket = { ...before, unreadCount: 0, seq: before.seq + 1 };
    await transactWrite([
      stale(putTicketIfUnchanged(after, before.seq)),
      ...counterUpdates(counterDeltas(before, after)).map(stale),
    ]);
    return { before, after };
  });
  if (result.after !== result.before) await publishTicketChange(result.before, result.after, []);
  return result.after;
}

/** M11: operator typing goes to the other operators of the ticket and to the client's widget; nothing is stored. */
export async function operatorTyping(actor: OperatorActor, ticketId: string, typing: boolean): Promise<void> {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.view', ticket);
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
