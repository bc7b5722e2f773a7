// Settings administration (O4): read with defaults, replace as a whole after validation. Each requires an admin first.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor } from '../../domain/actors';
import { invalid } from '../../domain/errors';
import { requireAdmin } from '../../domain/policy';
import { dynamo } from '../../platform/aws-clients';
import { readConfig } from '../../platform/config';
import { missingChannels } from '../../store/channels';
import { keys } from '../../store/keys';
import { channelIdsIn, readSettings, type Settings } from '../../store/settings';

export async function showSettings(actor: Actor): Promise<Settings> {
  requireAdmin(actor);
  return readSettings();
}

export async function replaceSettings(actor: Actor, settings: Settings, now = new Date()): Promise<Settings> {
  const admin = requireAdmin(actor);
  const missing = await missingChannels(channelIdsIn(settings));
  if (missing.length > 0) {
    throw invalid(`channel ${missing.map((id) => `'${id}'`).join(', ')} does not exist`, { channelIds: missing });
  }
  await dynamo().send(
    new PutCommand({
      TableName: readConfig().tableName,
      Item: {
        ...keys.settings(),
        type: 'settings',
        settings,
        updatedAt: now.toISOString(),
        updatedBy: admin.operatorId,
      },
    }),
  );
  return settings;
}
