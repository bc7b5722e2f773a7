// The operator protocol (R1): every operator action by name, with the schema of its input (shared/protocol/actions.ts)
// and the use case it runs.
// The WebSocket adapter and the HTTP adapter both dispatch through this one table, so both speak the same language.
import type * as z from 'zod';
import type { OperatorActor } from '../domain/actors';
import { describeIssues, invalid } from '../domain/errors';
import { OPERATOR_ACTION_NAMES, type OperatorActionName, operatorActionInputs } from '../protocol/actions';
import { allCategories } from '../store/categories';
import { createOperatorUploadSlot } from './attachments';
import { blacklistClient, unblockClient } from './blacklist';
import { addClientNote, deleteClientNote, editClientNote, listClientNotes } from './client-notes';
import { clientTickets, updateClient, viewClient } from './client-profile';
import { clearDraft, readDraft, saveDraft } from './drafts';
import { listFavourites, unwatchClient, watchClient } from './favourites';
import { markRead, operatorTyping, sendOperatorMessage } from './operator-replies';
import { startByPhone } from './outbound-phone';
import { pinClient, unpinClient } from './pin';
import { searchClientHistory, searchClients, searchMessages } from './search';
import { listTags, taggedMessages, tagMessages } from './tags';
import { teamDirectory } from './team';
import { createTemplate, lookupTemplates, removeTemplate, renderTemplateForTicket, updateTemplate } from './templates';
import { runTicketCommand, startOutbound } from './ticket-commands';
import { listTickets } from './ticket-lists';
import { countersOf, syncTicket, ticketHistory, viewTicket } from './ticket-reads';
import { sendTranscript } from './transcript';

const inputs = operatorActionInputs;

interface OperatorAction<S extends z.ZodType> {
  schema: S;
  run: (actor: OperatorActor, input: z.output<S>, now: Date) => Promise<unknown>;
}

const action = <S extends z.ZodType>(
  schema: S,
  run: (actor: OperatorActor, input: z.output<S>, now: Date) => Promise<unknown>,
): OperatorAction<S> => ({ schema, run });

export const operatorActions = {
  list: action(inputs.list, (actor, input) => listTickets(actor, input)),
  'ticket.get': action(inputs['ticket.get'], (actor, { ticketId }) => viewTicket(actor, ticketId)),
  history: action(inputs.history, (actor, { ticketId, ...page }) => ticketHistory(actor, ticketId, page)),
  sync: action(inputs.sync, (actor, input) => syncTicket(actor, input.ticketId, input.afterSeq)),
  take: action(inputs.take, (actor, { ticketId }, now) => runTicketCommand(actor, ticketId, { type: 'take' }, now)),
  assign: action(inputs.assign, (actor, input, now) =>
    runTicketCommand(actor, input.ticketId, { type: 'assign', operatorId: input.operatorId }, now),
  ),
  transfer: action(inputs.transfer, (actor, input, now) =>
    runTicketCommand(actor, input.ticketId, { type: 'transfer', groupId: input.groupId }, now),
  ),
  unassign: action(inputs.unassign, (actor, { ticketId }, now) =>
    runTicketCommand(actor, ticketId, { type: 'unassign' }, now),
  ),
  close: action(inputs.close, (actor, { ticketId }, now) => runTicketCommand(actor, ticketId, { type: 'close' }, now)),
  setCategory: action(inputs.setCategory, (actor, input, now) =>
    runTicketCommand(actor, input.ticketId, { type: 'setCategory', categoryId: input.categoryId }, now),
  ),
  start: action(inputs.start, (actor, input, now) => startOutbound(actor, input.clientId, now)),
  'start.phone': action(inputs['start.phone'], (actor, input, now) => startByPhone(actor, input, now)),
  'message.send': action(inputs['message.send'], (actor, { ticketId, ...input }, now) =>
    sendOperatorMessage(actor, ticketId, input, now),
  ),
  'ticket.transcript': action(inputs['ticket.transcript'], (actor, { ticketId, ...request }, now) =>
    sendTranscript(actor, ticketId, request, now),
  ),
  'upload.create': action(inputs['upload.create'], (actor, { ticketId, ...request }, now) =>
    createOperatorUploadSlot(actor, ticketId, request, now),
  ),
  markRead: action(inputs.markRead, (actor, { ticketId }) => markRead(actor, ticketId)),
  typing: action(inputs.typing, async (actor, input) => {
    await operatorTyping(actor, input.ticketId, input.typing);
    return { ok: true };
  }),
  'client.blacklist': action(inputs['client.blacklist'], (actor, input, now) =>
    blacklistClient(actor, input.clientId, now),
  ),
  'client.unblock': action(inputs['client.unblock'], (actor, input, now) => unblockClient(actor, input.clientId, now)),
  'client.pin': action(inputs['client.pin'], (actor, input, now) =>
    pinClient(actor, input.clientId, input.operatorId, now),
  ),
  'client.unpin': action(inputs['client.unpin'], (actor, input, now) => unpinClient(actor, input.clientId, now)),
  search: action(inputs.search, (actor, { in: within, ...request }) =>
    within === 'clients' ? searchClients(actor, request) : searchMessages(actor, request),
  ),
  'client.search': action(inputs['client.search'], (actor, input) => searchClientHistory(actor, input.clientId, input)),
  'client.get': action(inputs['client.get'], (actor, input) => viewClient(actor, input.clientId)),
  'client.update': action(inputs['client.update'], (actor, input, now) => updateClient(actor, input, now)),
  'client.watch': action(inputs['client.watch'], (actor, input) => watchClient(actor, input.clientId)),
  'client.unwatch': action(inputs['client.unwatch'], (actor, input) => unwatchClient(actor, input.clientId)),
  favourites: action(inputs.favourites, (actor) => listFavourites(actor)),
  'client.tickets': action(inputs['client.tickets'], (actor, input) => clientTickets(actor, input)),
  'client.notes': action(inputs['client.notes'], (actor, input) => listClientNotes(actor, input)),
  'note.add': action(inputs['note.add'], (actor, input, now) => addClientNote(actor, input, now)),
  'note.edit': action(inputs['note.edit'], (actor, input, now) => editClientNote(actor, input, now)),
  'note.delete': action(inputs['note.delete'], (actor, input) => deleteClientNote(actor, input)),
  'template.create': action(inputs['template.create'], (actor, input, now) => createTemplate(actor, input, now)),
  'template.update': action(inputs['template.update'], (actor, input, now) => updateTemplate(actor, input, now)),
  'template.delete': action(inputs['template.delete'], (actor, input) => removeTemplate(actor, input.templateId)),
  'template.lookup': action(inputs['template.lookup'], (actor, input) => lookupTemplates(actor, input)),
  'template.render': action(inputs['template.render'], (actor, input) => renderTemplateForTicket(actor, input)),
  tag: action(inputs.tag, (actor, input, now) => tagMessages(actor, input, now)),
  tags: action(inputs.tags, (actor, input) => listTags(actor, input)),
  'tag.messages': action(inputs['tag.messages'], (actor, input) => taggedMessages(actor, input)),
  'draft.save': action(inputs['draft.save'], (actor, input, now) => saveDraft(actor, input, now)),
  'draft.get': action(inputs['draft.get'], (actor, { ticketId }) => readDraft(actor, ticketId)),
  'draft.clear': action(inputs['draft.clear'], (actor, { ticketId }) => clearDraft(actor, ticketId)),
  counters: action(inputs.counters, (actor) => countersOf(actor)),
  categories: action(inputs.categories, async () => ({ items: await allCategories() })),
  'operators.list': action(inputs['operators.list'], (actor, page) => teamDirectory(actor, page)),
} satisfies { [A in OperatorActionName]: OperatorAction<(typeof inputs)[A]> };

export { OPERATOR_ACTION_NAMES, type OperatorActionName };

/** Validates the input of a named action and runs it for the operator. */
export async function runOperatorAction(
  actor: OperatorActor,
  name: OperatorActionName,
  input: Record<string, unknown>,
  now: Date,
): Promise<unknown> {
  const { schema, run } = operatorActions[name] as OperatorAction<z.ZodType>;
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalid(describeIssues(parsed.error.issues));
  return run(actor, parsed.data, now);
}
