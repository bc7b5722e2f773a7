// What most integration tests need of a channel: an enabled `api` channel into one group whose callback goes nowhere,
// and a client text through it.
import type { OperatorActor } from '../../shared/domain/actors';
import { createChannel } from '../../shared/use-cases/admin/channels';
import type { InboundMessage } from '../../shared/use-cases/ingest';

/** Creates it as `admin` and answers its id; replies to it fail to deliver (nothing listens on port 9). */
export async function createApiChannel(admin: OperatorActor, name: string, defaultGroupId: string): Promise<string> {
  const created = await createChannel(admin, {
    kind: 'api',
    name,
    defaultGroupId,
    enabled: true,
    settings: { callbackUrl: 'http://127.0.0.1:9/cb' },
    overrides: {},
  });
  return created.channelId;
}

/** A client's text through a channel, named after its user id, as most ingest tests send it. */
export const clientText = (channelId: string, user: string, text: string, receivedAt: Date): InboundMessage => ({
  channelId,
  externalUserId: user,
  name: user,
  clientType: 'channel',
  kind: 'text',
  text,
  receivedAt,
});
