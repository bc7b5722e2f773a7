// Drafts (M10): an operator's unsent reply per ticket: saved, read and cleared by that operator on tickets it may
// see; list rows and `ticket.get` carry it back (ticket-lists.ts, ticket-reads.ts).
import type * as z from 'zod';
import type { OperatorActor } from '../domain/actors';
import { authorizeTicket } from '../domain/policy';
import { draftSaveSchema, MAX_DRAFT_TEXT } from '../protocol/actions';
import { type Draft, deleteDraft, getDraft, putDraft } from '../store/drafts';
import { getTicket } from '../store/tickets';

export { draftSaveSchema, MAX_DRAFT_TEXT };

export async function saveDraft(
  actor: OperatorActor,
  input: z.output<typeof draftSaveSchema>,
  now = new Date(),
): Promise<Draft | null> {
  authorizeTicket(actor, 'ticket.view', await getTicket(input.ticketId));
  // Saving an empty text is clearing: nothing is kept for a reply that has no words.
  if (input.text.trim().length === 0) {
    await deleteDraft(actor.operatorId, input.ticketId);
    return null;
  }
  const draft: Draft = { ticketId: input.ticketId, text: input.text, updatedAt: now.toISOString() };
  await putDraft(actor.operatorId, draft);
  return draft;
}

export async function readDraft(actor: OperatorActor, ticketId: string): Promise<Draft | null> {
  const [ticket, draft] = await Promise.all([getTicket(ticketId), getDraft(actor.operatorId, ticketId)]);
  authorizeTicket(actor, 'ticket.view', ticket);
  return draft ?? null;
}

export async function clearDraft(actor: OperatorActor, ticketId: string): Promise<{ cleared: string }> {
  authorizeTicket(actor, 'ticket.view', await getTicket(ticketId));
  await deleteDraft(actor.operatorId, ticketId);
  return { cleared: ticketId };
}
