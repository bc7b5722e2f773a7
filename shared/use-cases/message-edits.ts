// Client edits (M1, M2): a channel's edit of a client message (Telegram `edited_message`) replaces its text, keeps
// every earlier text, and is a change of its ticket — the next `seq` through the one commit path, the edited message
// carrying it — pushed live as `message.updated`, so history, sync and live front ends all show it.
import { ticketChange } from '../domain/ticket-change';
import { readConfig } from '../platform/config';
import { publishTicketChange } from '../realtime/ticket-events';
import { keys } from '../store/keys';
import { findMessageByChannelId, type Message, messageItem } from '../store/messages';
import { readClientHead } from '../store/tickets';
import { stale, type TransactStep, transactWrite } from '../store/transactions';
import { DEDUPE_DAYS } from './ingest';
import { changeTicket } from './ticket-change';

export interface ClientEdit {
  channelId: string;
  clientId: string;
  /** CH2: the edit's own id; a redelivered edit is acknowledged and applied once. */
  externalMessageId: string;
  /** The channel's id of the message that was edited. */
  originalExternalMessageId: string;
  text: string;
  at: Date;
}

/** `unknown`: the edited message is not among the client's recent ones; the caller keeps the text as a message. */
export type EditResult = 'edited' | 'duplicate' | 'unknown';

class DuplicateEdit extends Error {}

export async function recordClientEdit(edit: ClientEdit): Promise<EditResult> {
  try {
    const written = await changeTicket(async () => {
      const original = await findMessageByChannelId(edit.channelId, edit.clientId, edit.originalExternalMessageId);
      if (original?.author.kind !== 'client') return { result: undefined };
      const head = await readClientHead(edit.clientId);
      // Only the client's latest ticket moves and is pushed: a blacklisted client's message (C6), one kept before
      // consent (P1) or one in an older ticket changes in history alone.
      const ticket =
        head.latest?.number === original.ticketNumber && !head.client?.blacklisted ? head.latest : undefined;
      const change = ticket ? ticketChange(ticket, ticket) : undefined;
      const message = edited(original, edit, change?.after.seq ?? original.seq);
      const guards = [dedupeGuard(edit), stale(putIfUnchanged(message, original.seq))];
      if (!change) await transactWrite(guards);
      return { change, extras: { guards }, silent: true, result: { message, ticket: change?.after, before: ticket } };
    });
    if (!written) return 'unknown';
    if (written.before && written.ticket) {
      await publishTicketChange(written.before, written.ticket, [written.message], 'message.updated');
    }
    return 'edited';
  } catch (error) {
    if (error instanceof DuplicateEdit) return 'duplicate';
    throw error;
  }
}

function edited(original: Message, edit: ClientEdit, seq: number): Message {
  const at = edit.at.toISOString();
  return {
    ...original,
    text: edit.text,
    editedAt: at,
    edits: [...(original.edits ?? []), { text: original.text ?? '', replacedAt: at }],
    seq,
  };
}

function putIfUnchanged(message: Message, seq: number) {
  return {
    Put: {
      TableName: readConfig().tableName,
      Item: messageItem(message),
      ConditionExpression: 'seq = :seq',
      ExpressionAttributeValues: { ':seq': seq },
    },
  };
}

/** CH2: the edit's own id, remembered as ingest remembers a message's, so a redelivered edit is applied once. */
function dedupeGuard(edit: ClientEdit): TransactStep {
  const seconds = Math.floor(edit.at.getTime() / 1000);
  return {
    item: {
      Put: {
        TableName: readConfig().tableName,
        Item: {
          ...keys.inboundDedupe(edit.channelId, edit.externalMessageId),
          type: 'inboundDedupe',
          expiresAt: seconds + DEDUPE_DAYS * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': seconds },
      },
    },
    onConditionFailed: () => new DuplicateEdit(),
  };
}
