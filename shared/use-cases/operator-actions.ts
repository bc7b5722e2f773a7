// The operator protocol (R1): every operator action by name, with the schema of its input and the use case it runs.
// The WebSocket adapter and the HTTP adapter both dispatch through this one table, so both speak the same language.
import * as z from 'zod';
import type { OperatorActor } from '../domain/actors';
import { describeIssues, invalid } from '../domain/errors';
import { allCategories } from '../store/categories';
import { MAX_PAGE_SIZE } from '../store/pagination';
import { createOperatorUploadSlot, uploadRequest } from './attachments';
import { blacklistClient, unblockClient } from './blacklist';
import {
  addClientNote,
  deleteClientNote,
  editClientNote,
  listClientNotes,
  noteAddSchema,
  noteDeleteSchema,
  noteEditSchema,
} from './client-notes';
import { clientPageSchema, clientTickets, clientUpdateSchema, updateClient, viewClient } from './client-profile';
import { clearDraft, draftSaveSchema, readDraft, saveDraft } from './drafts';
import { listFavourites, unwatchClient, watchClient } from './favourites';
import { markRead, operatorTyping, sendOperatorMessage } from './operator-replies';
import { startByPhone } from './outbound-phone';
import { pinClient, unpinClient } from './pin';
import { searchClientHistory, searchClients, searchMessages } from './search';
import { listTags, taggedMessages, taggedMessagesSchema, tagListSchema, tagMessages, tagMessagesSchema } from './tags';
import {
  createTemplate,
  lookupTemplates,
  removeTemplate,
  renderTemplateForTicket,
  templateCreateSchema,
  templateLookupSchema,
  templateUpdateSchema,
  updateTemplate,
} from './templates';
import { runTicketCommand, startOutbound } from './ticket-commands';
import { listQuerySchema, listTickets } from './ticket-lists';
import { countersOf, syncTicket, ticketHistory, viewTicket } from './ticket-reads';
import { sendTranscript, transcriptInput } from './transcript';

const ticketId = z.string().min(3, 'must be a ticket id').max(200, 'must be a ticket id');
const onTicket = z.strictObject({ ticketId });
const clientId = z.string().min(1).max(100);
// M8: the query's length rule (3 letters of one word) is checked after folding, with its own reason code.
const searchQuery = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const uploadKey = z.string().min(1).max(1024, 'is not an upload key');
const templateId = z.string().min(1).max(200);
const pageOf = {
  limit: z.coerce.number().int('must be a whole number').min(1).max(MAX_PAGE_SIZE).default(25),
  cursor: z.string().min(1).max(2048).optional(),
};

interface OperatorAction<S extends z.ZodType> {
  schema: S;
  run: (actor: OperatorActor, input: z.output<S>, now: Date) => Promise<unknown>;
}

const action = <S extends z.ZodType>(
  schema: S,
  run: (actor: OperatorActor, input: z.output<S>, now: Date) => Promise<unknown>,
): OperatorAction<S> => ({ schema, run });

export const operatorActions = {
  list: action(listQuerySchema, (actor, input) => listTickets(actor, input)),
  'ticket.get': action(onTicket, (actor, { ticketId }) => viewTicket(actor, ticketId)),
  history: action(z.strictObject({ ticketId, ...pageOf }), (actor, { ticketId, ...page }) =>
    ticketHistory(actor, ticketId, page),
  ),
  sync: action(z.strictObject({ ticketId, afterSeq: z.coerce.number().int().min(0) }), (actor, input) =>
    syncTicket(actor, input.ticketId, input.afterSeq),
  ),
  take: action(onTicket, (actor, { ticketId }, now) => runTicketCommand(actor, ticketId, { type: 'take' }, now)),
  assign: action(z.strictObject({ ticketId, operatorId: z.string().min(1).max(100) }), (actor, input, now) =>
    runTicketCommand(actor, input.ticketId, { type: 'assign', operatorId: input.operatorId }, now),
  ),
  transfer: action(z.strictObject({ ticketId, groupId: z.string().min(1).max(100) }), (actor, input, now) =>
    runTicketCommand(actor, input.ticketId, { type: 'transfer', groupId: input.groupId }, now),
  ),
  unassign: action(onTicket, (actor, { ticketId }, now) =>
    runTicketCommand(actor, ticketId, { type: 'unassign' }, now),
  ),
  close: action(onTicket, (actor, { ticketId }, now) => runTicketCommand(actor, ticketId, { type: 'close' }, now)),
  setCategory: action(
    z.strictObject({ ticketId, categoryId: z.string().min(1).max(100).nullable() }),
    (actor, input, now) =>
      runTicketCommand(actor, input.ticketId, { type: 'setCategory', categoryId: input.categoryId }, now),
  ),
  start: action(z.strictObject({ clientId }), (actor, input, now) => startOutbound(actor, input.clientId, now)),
  'start.phone': action(
    z.strictObject({
      channelId: z.string().min(1).max(100),
      phone: z.string().min(7).max(32),
      template: z.string().min(1).max(512),
      language: z.string().min(2).max(16).default('en'),
    }),
    (actor, input, now) => startByPhone(actor, input, now),
  ),
  'message.send': action(
    z.strictObject({
      ticketId,
      // The 2000-character rule (M4) is checked on the trimmed text with a readable message; this only bounds input.
      text: z.string().max(20_000, 'is far longer than 2000 characters').default(''),
      quoteMessageId: z.string().min(1).max(100).optional(),
      // The 10-file rule (M4) is checked with its own error code; this only bounds input.
      attachments: z.array(uploadKey).max(100, 'lists far more than 10 files').optional(),
    }),
    (actor, { ticketId, ...input }, now) => sendOperatorMessage(actor, ticketId, input, now),
  ),
  'ticket.transcript': action(
    z.strictObject({ ticketId, ...transcriptInput }),
    (actor, { ticketId, ...request }, now) => sendTranscript(actor, ticketId, request, now),
  ),
  'upload.create': action(z.strictObject({ ticketId, ...uploadRequest }), (actor, { ticketId, ...request }, now) =>
    createOperatorUploadSlot(actor, ticketId, request, now),
  ),
  markRead: action(onTicket, (actor, { ticketId }) => markRead(actor, ticketId)),
  typing: action(z.strictObject({ ticketId, typing: z.boolean().default(true) }), async (actor, input) => {
    await operatorTyping(actor, input.ticketId, input.typing);
    return { ok: true };
  }),
  'client.blacklist': action(z.strictObject({ clientId }), (actor, input, now) =>
    blacklistClient(actor, input.clientId, now),
  ),
  'client.unblock': action(z.strictObject({ clientId }), (actor, input, now) =>
    unblockClient(actor, input.clientId, now),
  ),
  'client.pin': action(z.strictObject({ clientId, operatorId: z.string().min(1).max(100) }), (actor, input, now) =>
    pinClient(actor, input.clientId, input.operatorId, now),
  ),
  'client.unpin': action(z.strictObject({ clientId }), (actor, input, now) => unpinClient(actor, input.clientId, now)),
  search: action(
    z.strictObject({ query: searchQuery, in: z.enum(['messages', 'clients']).default('messages'), ...pageOf }),
    (actor, { in: within, ...request }) =>
      within === 'clients' ? searchClients(actor, request) : searchMessages(actor, request),
  ),
  'client.search': action(z.strictObject({ clientId, query: searchQuery, ...pageOf }), (actor, input) =>
    searchClientHistory(actor, input.clientId, input),
  ),
  'client.get': action(z.strictObject({ clientId }), (actor, input) => viewClient(actor, input.clientId)),
  'client.update': action(clientUpdateSchema, (actor, input, now) => updateClient(actor, input, now)),
  'client.watch': action(z.strictObject({ clientId }), (actor, input) => watchClient(actor, input.clientId)),
  'client.unwatch': action(z.strictObject({ clientId }), (actor, input) => unwatchClient(actor, input.clientId)),
  favourites: action(z.strictObject({}), (actor) => listFavourites(actor)),
  'client.tickets': action(clientPageSchema, (actor, input) => clientTickets(actor, input)),
  'client.notes': action(clientPageSchema, (actor, input) => listClientNotes(actor, input)),
  'note.add': action(noteAddSchema, (actor, input, now) => addClientNote(actor, input, now)),
  'note.edit': action(noteEditSchema, (actor, input, now) => editClientNote(actor, input, now)),
  'note.delete': action(noteDeleteSchema, (actor, input) => deleteClientNote(actor, input)),
  'template.create': action(templateCreateSchema, (actor, input, now) => createTemplate(actor, input, now)),
  'template.update': action(templateUpdateSchema, (actor, input, now) => updateTemplate(actor, input, now)),
  'template.delete': action(z.strictObject({ templateId }), (actor, input) => removeTemplate(actor, input.templateId)),
  'template.lookup': action(templateLookupSchema, (actor, input) => lookupTemplates(actor, input)),
  'template.render': action(z.strictObject({ templateId, ticketId }), (actor, input) =>
    renderTemplateForTicket(actor, input),
  ),
  tag: action(tagMessagesSchema, (actor, input, now) => tagMessages(actor, input, now)),
  tags: action(tagListSchema, (actor, input) => listTags(actor, input)),
  'tag.messages': action(taggedMessagesSchema, (actor, input) => taggedMessages(actor, input)),
  'draft.save': action(draftSaveSchema, (actor, input, now) => saveDraft(actor, input, now)),
  'draft.get': action(onTicket, (actor, { ticketId }) => readDraft(actor, ticketId)),
  'draft.clear': action(onTicket, (actor, { ticketId }) => clearDraft(actor, ticketId)),
  counters: action(z.strictObject({}), (actor) => countersOf(actor)),
  categories: action(z.strictObject({}), async () => ({ items: await allCategories() })),
} satisfies Record<string, OperatorAction<z.ZodType>>;

export type OperatorActionName = keyof typeof operatorActions;
export const OPERATOR_ACTION_NAMES = Object.keys(operatorActions) as OperatorActionName[];

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
