// Quick replies (Q1–Q4): create, edit and delete with ownership checks (global ones by admins, personal ones by their
// owner), lookup by command prefix, text, category and language, and rendering one for a ticket's client.
import type * as z from 'zod';
import type { OperatorActor } from '../domain/actors';
import { invalid, notFound } from '../domain/errors';
import { authorizeTemplateOwner, authorizeTicket } from '../domain/policy';
import { assertKnownVariables, COMMAND_PATTERN, normalizeCommand, renderTemplate } from '../domain/template-variables';
import {
  MAX_TEMPLATE_TEXT,
  templateCreateSchema,
  templateLookupSchema,
  templateUpdateSchema,
} from '../protocol/actions';
import { getClientProfile } from '../store/clients';
import { getOperator } from '../store/operators';
import {
  deleteTemplate,
  getTemplate,
  insertTemplate,
  type QuickReply,
  replaceTemplate,
  templatesOf,
} from '../store/templates';
import { getTicket } from '../store/tickets';

export { MAX_TEMPLATE_TEXT, templateCreateSchema, templateLookupSchema, templateUpdateSchema };

export async function createTemplate(
  actor: OperatorActor,
  input: z.output<typeof templateCreateSchema>,
  now = new Date(),
): Promise<QuickReply> {
  const owner = input.scope === 'global' ? 'global' : actor.operatorId;
  authorizeTemplateOwner(actor, owner);
  assertKnownVariables(input.text);
  const { scope: _scope, ...fields } = input;
  return insertTemplate(owner, withoutUndefined(fields), actor.operatorId, now);
}

export async function updateTemplate(
  actor: OperatorActor,
  input: z.output<typeof templateUpdateSchema>,
  now = new Date(),
): Promise<QuickReply> {
  const stored = await ownTemplate(actor, input.templateId);
  if (input.text !== undefined) assertKnownVariables(input.text);
  const { templateId: _id, category: newCategory, ...patch } = input;
  const { category: oldCategory, ...rest } = stored;
  const kept = newCategory === null ? undefined : (newCategory ?? oldCategory);
  const next: QuickReply = {
    ...rest,
    ...withoutUndefined(patch),
    ...(kept !== undefined ? { category: kept } : {}),
    updatedAt: now.toISOString(),
  };
  await replaceTemplate(next);
  return next;
}

export async function removeTemplate(actor: OperatorActor, templateId: string): Promise<{ deleted: string }> {
  await deleteTemplate(await ownTemplate(actor, templateId));
  return { deleted: templateId };
}

/** Q4: the caller's own templates first, then global ones; each group ordered by command. */
export async function lookupTemplates(
  actor: OperatorActor,
  input: z.output<typeof templateLookupSchema>,
): Promise<{ items: QuickReply[] }> {
  const prefix = input.command === undefined ? undefined : normalizeCommand(input.command);
  if (prefix && !COMMAND_PATTERN.test(prefix)) {
    throw invalid('command: must be letters, digits, "_" or "-" after "/"');
  }
  const filter = {
    // An empty prefix is every command: the owner's partition read in full serves it.
    ...(prefix ? { commandPrefix: prefix } : {}),
    ...(input.text ? { text: input.text } : {}),
    ...(input.category ? { category: input.category } : {}),
    ...(input.language ? { language: input.language } : {}),
  };
  const [personal, global] = await Promise.all([templatesOf(actor.operatorId, filter), templatesOf('global', filter)]);
  return { items: [...personal, ...global].slice(0, input.limit) };
}

/** Q3: the template's text with the ticket's client and the calling operator filled in. */
export async function renderTemplateForTicket(
  actor: OperatorActor,
  input: { templateId: string; ticketId: string },
): Promise<{ templateId: string; ticketId: string; text: string }> {
  const [template, ticket] = await Promise.all([readableTemplate(actor, input.templateId), getTicket(input.ticketId)]);
  authorizeTicket(actor, 'ticket.view', ticket);
  const [client, operator] = await Promise.all([getClientProfile(ticket.clientId), getOperator(actor.operatorId)]);
  const rendered = renderTemplate(template.text, {
    'client.name': client?.name,
    'client.email': client?.email,
    'client.phone': client?.phone,
    'operator.name': operator?.name,
  });
  return { templateId: template.templateId, ticketId: ticket.ticketId, text: rendered };
}

/** Global templates are everyone's to read; a personal one exists only for its owner. */
async function readableTemplate(actor: OperatorActor, templateId: string): Promise<QuickReply> {
  const template = await getTemplate(templateId);
  if (!template || (template.owner !== 'global' && template.owner !== actor.operatorId)) {
    throw notFound(`Quick reply ${templateId} does not exist.`);
  }
  return template;
}

async function ownTemplate(actor: OperatorActor, templateId: string): Promise<QuickReply> {
  const template = await readableTemplate(actor, templateId);
  authorizeTemplateOwner(actor, template.owner);
  return template;
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
