// Client events (C1, C4, C7): a profile or note change goes as `client.updated` to whoever sees the client's open
// ticket (its audiences, watchers included), so an open ticket view shows the new name, marks or note at once.
import type { Ticket } from '../domain/ticket-rules';
import { type FanOutResult, pushToAudiences } from './fanout';
import { ticketAudiences } from './ticket-events';

export const CLIENT_UPDATED_EVENT = 'client.updated';

export type ClientChange = 'profile' | 'note.added' | 'note.edited' | 'note.deleted';

export async function publishClientUpdate(
  latest: Ticket | undefined,
  data: { clientId: string; change: ClientChange } & Record<string, unknown>,
): Promise<FanOutResult | undefined> {
  if (!latest || latest.status === 'closed') return undefined;
  return pushToAudiences(ticketAudiences(latest), { type: 'event', event: CLIENT_UPDATED_EVENT, data });
}
