// Notes about a client (C4): added by anyone who may change the client, edited and deleted by their author only,
// listed newest first; never shown to the client. Each change pushes `client.updated`.
import type * as z from 'zod';
import type { OperatorActor } from '../domain/actors';
import { notFound } from '../domain/errors';
import { authorizeNoteAuthor } from '../domain/policy';
import { MAX_NOTE_TEXT, noteAddSchema, noteDeleteSchema, noteEditSchema } from '../protocol/actions';
import { publishClientUpdate } from '../realtime/client-events';
import { type ClientNote, deleteNote, editNote, getNote, insertNote, notesPage } from '../store/client-notes';
import type { Page } from '../store/pagination';
import { clientInView } from './client-profile';

export { MAX_NOTE_TEXT, noteAddSchema, noteDeleteSchema, noteEditSchema };

export async function addClientNote(
  actor: OperatorActor,
  input: z.output<typeof noteAddSchema>,
  now = new Date(),
): Promise<ClientNote> {
  const { latest } = await clientInView(actor, input.clientId, 'client.edit');
  const note = await insertNote(input.clientId, actor.operatorId, input.text, now);
  await publishClientUpdate(latest, { clientId: input.clientId, change: 'note.added', note });
  return note;
}

export async function editClientNote(
  actor: OperatorActor,
  input: z.output<typeof noteEditSchema>,
  now = new Date(),
): Promise<ClientNote> {
  const { latest } = await clientInView(actor, input.clientId, 'client.edit');
  const note = await authoredNote(actor, input.clientId, input.noteId);
  const edited = await editNote(note, input.text, now);
  await publishClientUpdate(latest, { clientId: input.clientId, change: 'note.edited', note: edited });
  return edited;
}

export async function deleteClientNote(
  actor: OperatorActor,
  input: z.output<typeof noteDeleteSchema>,
): Promise<{ deleted: string }> {
  const { latest } = await clientInView(actor, input.clientId, 'client.edit');
  const note = await authoredNote(actor, input.clientId, input.noteId);
  await deleteNote(note);
  await publishClientUpdate(latest, { clientId: input.clientId, change: 'note.deleted', noteId: input.noteId });
  return { deleted: input.noteId };
}

export async function listClientNotes(
  actor: OperatorActor,
  input: { clientId: string; limit: number; cursor?: string | undefined },
): Promise<Page<ClientNote>> {
  await clientInView(actor, input.clientId, 'client.view');
  return notesPage(input.clientId, { limit: input.limit, ...(input.cursor ? { cursor: input.cursor } : {}) });
}

async function authoredNote(actor: OperatorActor, id: string, noteId: string): Promise<ClientNote> {
  const note = await getNote(id, noteId);
  if (!note) throw notFound(`Note ${noteId} does not exist.`);
  authorizeNoteAuthor(actor, note.authorId);
  return note;
}
