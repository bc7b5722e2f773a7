// The channel most integration tests need: an enabled `api` channel into one group, whose callback goes nowhere.
import type { OperatorActor } from '../../shared/domain/actors';
import { createChannel } from '../../shared/use-cases/admin/channels';

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
