// How a client mark (blacklist, pin) is written: the client item's write, and the note in the client's latest ticket
// timeline through the one ticket-change path; the answer carries the client as it is after the mark.
import type { MarkDecision } from '../domain/client-marks';
import { notFound } from '../domain/errors';
import type { Ticket } from '../domain/ticket-rules';
import { type ClientRecord, readClientHead } from '../store/tickets';
import { stale, type TransactItem, transactWrite } from '../store/transactions';
import { changeTicket } from './ticket-change';

export interface MarkResult {
  client: ClientRecord;
  ticket?: Ticket;
}

export interface MarkWrite {
  decision: MarkDecision;
  clientWrite: TransactItem;
}

/** Decides the mark on a fresh read of the client and its latest ticket, writes it, pushes it, answers the client. */
export async function markClient(
  clientId: string,
  decide: (head: { client: ClientRecord; latest: Ticket | undefined }) => MarkWrite | Promise<MarkWrite>,
): Promise<MarkResult> {
  const ticket = await changeTicket(async () => {
    const { client, latest } = await readClientHead(clientId);
    if (!client) throw notFoundClient(clientId);
    const { decision, clientWrite } = await decide({ client, latest });
    if (!decision.change) {
      // No ticket yet: the mark is the client item's write alone.
      await transactWrite([stale(clientWrite)]);
      return { result: undefined };
    }
    return { change: decision.change, extras: { client: clientWrite }, result: decision.change.after };
  });
  const { client } = await readClientHead(clientId);
  return { client: client as ClientRecord, ...(ticket ? { ticket } : {}) };
}

const notFoundClient = (clientId: string) => notFound(`Client ${clientId} does not exist.`);
