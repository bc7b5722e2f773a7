// The client profile (C1, C7, C8): who may see a client, its profile (renamed name beside the channel's original,
// VIP and BAD marks, phone, e-mail, CRM attributes), changes to it, and the client's tickets.
import type * as z from 'zod';
import type { OperatorActor } from '../domain/actors';
import { notFound } from '../domain/errors';
import { authorizeClient, type ClientAction } from '../domain/policy';
import type { Ticket } from '../domain/ticket-rules';
import { clientPageSchema, clientUpdateSchema, MAX_CLIENT_ATTRIBUTES } from '../protocol/actions';
import { publishClientUpdate } from '../realtime/client-events';
import { batchGet } from '../store/batch-get';
import { type ClientProfile, getClientProfile, updateClientDetails } from '../store/clients';
import { keys } from '../store/keys';
import type { Page } from '../store/pagination';
import { clientTicketsPage, readClientHead } from '../store/tickets';

export { clientPageSchema, clientUpdateSchema, MAX_CLIENT_ATTRIBUTES };

export interface ClientInView {
  client: ClientProfile;
  latest: Ticket | undefined;
}

/** X1: reads the client and its latest ticket (one Query) and checks the actor may do this with it. */
export async function clientInView(actor: OperatorActor, id: string, action: ClientAction): Promise<ClientInView> {
  // Both reads at once: the head Query decides visibility, the GetItem carries every profile field.
  const [{ latest }, client] = await Promise.all([readClientHead(id), getClientProfile(id)]);
  if (!client) throw notFound(`Client ${id} does not exist.`);
  authorizeClient(actor, action, latest);
  return { client, latest };
}

export interface ClientView {
  client: ClientProfile;
  /** The client's newest ticket, open or closed. */
  latestTicketId: string | null;
  /** C9: the caller watches this client. */
  watched: boolean;
}

export async function viewClient(actor: OperatorActor, id: string): Promise<ClientView> {
  const { client, latest } = await clientInView(actor, id, 'client.view');
  return {
    client,
    latestTicketId: latest?.ticketId ?? null,
    watched: actor.watchedClientIds?.includes(id) ?? false,
  };
}

/** C1/C7: rename (the original name stays), marks, contacts, attributes; pushes `client.updated`. */
export async function updateClient(
  actor: OperatorActor,
  input: z.output<typeof clientUpdateSchema>,
  now = new Date(),
): Promise<ClientProfile> {
  const { clientId: id, ...patch } = input;
  const { latest } = await clientInView(actor, id, 'client.edit');
  const client = await updateClientDetails(id, patch, now);
  await publishClientUpdate(latest, { clientId: id, change: 'profile', client });
  return client;
}

/** C8: one row per ticket of the client. */
export interface ClientTicketRow {
  ticketId: string;
  number: number;
  status: Ticket['status'];
  channelId: string;
  openedAt: string;
  closedAt: string | null;
  lastMessageAt: string;
  assigneeId: string | null;
  operatorName: string | null;
  messageCount: number;
}

/**
 * C8: the client's tickets, newest first, for whoever may see the client: one Query for the page and one BatchGet for
 * the operators' names. Opening a ticket's messages still needs that ticket's own visibility.
 */
export async function clientTickets(
  actor: OperatorActor,
  input: z.output<typeof clientPageSchema>,
): Promise<Page<ClientTicketRow>> {
  await clientInView(actor, input.clientId, 'client.view');
  const page = await clientTicketsPage(input.clientId, {
    limit: input.limit,
    ...(input.cursor ? { cursor: input.cursor } : {}),
  });
  const operatorIds = [...new Set(page.items.flatMap((ticket) => [ticket.assigneeId ?? ticket.closedBy ?? []].flat()))];
  const operators = await batchGet(operatorIds.map((operatorId) => keys.operator(operatorId)));
  const nameOf = new Map(operators.map((item) => [item.operatorId as string, item.name as string]));
  const items = page.items.map((ticket): ClientTicketRow => {
    const operatorId = ticket.assigneeId ?? ticket.closedBy ?? null;
    return {
      ticketId: ticket.ticketId,
      number: ticket.number,
      status: ticket.status,
      channelId: ticket.channelId,
      openedAt: ticket.openedAt,
      closedAt: ticket.closedAt ?? null,
      lastMessageAt: ticket.lastMessageAt,
      assigneeId: operatorId,
      operatorName: operatorId ? (nameOf.get(operatorId) ?? null) : null,
      messageCount: ticket.messageCount,
    };
  });
  return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
}
