// Favourites (C9): an operator watches a client it may see, and from then on its connections are in the client's
// `watchers#<clientId>` audience, so they receive every event of that client's tickets; watching lets it read those
// tickets, never change them (policy.ts). Unwatching takes the audience off its live connections.
import type { OperatorActor } from '../domain/actors';
import { ticketChange } from '../domain/ticket-change';
import { connectionIdsOf, joinAudience, leaveAudience } from '../realtime/connections';
import { batchGet } from '../store/batch-get';
import { toClientProfile } from '../store/clients';
import { addWatchedClient, removeWatchedClient } from '../store/favourites';
import { keys } from '../store/keys';
import { getOperator } from '../store/operators';
import { markClientWatchersSince, readClientHead } from '../store/tickets';
import { stale, transactWrite } from '../store/transactions';
import { clientInView } from './client-profile';
import { changeTicket } from './ticket-change';

export interface Favourite {
  clientId: string;
  name: string;
  originalName: string;
  channelId: string;
  vip: boolean;
}

export async function watchClient(
  actor: OperatorActor,
  clientId: string,
  now = new Date(),
): Promise<{ clientId: string; watched: true }> {
  await clientInView(actor, clientId, 'client.watch');
  // Marked first: a watch that fails after it leaves only a client whose changes read an audience that may be empty,
  // never a favourite whose changes skip its watchers. A change committed between the mark and the join below is in
  // what the watcher reads once the watch has answered.
  await markWatched(clientId, now);
  await addWatchedClient(actor.operatorId, clientId);
  // Connections opened from now on join at $connect (presence.ts); the live ones join here.
  const connections = await connectionIdsOf(`operator#${actor.operatorId}`);
  await Promise.all(connections.map((connectionId) => joinAudience(connectionId, `watchers#${clientId}`)));
  return { clientId, watched: true };
}

/**
 * C9: the client's first watch marks it (`watchersSince`) and, when its latest ticket was opened unwatched, marks that
 * ticket `watched` as a change of its own (`seq` moves, `ticket.updated` goes out), in one transaction. A change
 * decided from the unwatched ticket then fails its `seq` condition and is decided again, reading the watchers; an
 * opening decided from the unwatched client fails its condition on the client; and the mark fails if a ticket opened
 * since it read the client — whichever commits second reads again, so no ticket misses its watchers.
 */
async function markWatched(clientId: string, now: Date): Promise<void> {
  await changeTicket(async () => {
    const { client, latest } = await readClientHead(clientId);
    if (!client || client.watchersSince !== undefined) return { result: undefined };
    const mark = markClientWatchersSince(clientId, client.ticketCount, now);
    if (latest?.watched !== false) {
      await transactWrite([stale(mark)]);
      return { result: undefined };
    }
    return {
      change: ticketChange(latest, { ...latest, watched: true }),
      extras: { client: mark, now },
      result: undefined,
    };
  });
}

/** Unwatching needs no visibility: an operator may always drop a client from its own favourites. */
export async function unwatchClient(
  actor: OperatorActor,
  clientId: string,
): Promise<{ clientId: string; watched: false }> {
  await removeWatchedClient(actor.operatorId, clientId);
  const connections = await connectionIdsOf(`operator#${actor.operatorId}`);
  await Promise.all(connections.map((connectionId) => leaveAudience(connectionId, `watchers#${clientId}`)));
  return { clientId, watched: false };
}

/** The caller's favourites with the clients' names: one GetItem and one BatchGet. */
export async function listFavourites(actor: OperatorActor): Promise<{ items: Favourite[] }> {
  const watched = (await getOperator(actor.operatorId))?.watchedClientIds ?? [];
  const clients = new Map(
    (await batchGet(watched.map((clientId) => keys.client(clientId)))).map((item) => [
      item.clientId as string,
      toClientProfile(item),
    ]),
  );
  const items = watched.flatMap((clientId) => {
    const client = clients.get(clientId);
    if (!client) return [];
    return [
      {
        clientId,
        name: client.name,
        originalName: client.originalName,
        channelId: client.channelId,
        vip: client.vip === true,
      },
    ];
  });
  return { items };
}
