// The demo tenant of the local stack: an admin, a supervisor, two operators in two groups, one channel of each kind
// and two categories. Seeding is idempotent: a persisted database keeps its ids and is not seeded twice.

import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';
import { keys } from '../../shared/store/keys';
import { insertOperator } from '../../shared/store/operators';
import { settingsSchema } from '../../shared/store/settings';
import { createCategory } from '../../shared/use-cases/admin/categories';
import { createChannel, updateChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { replaceSettings } from '../../shared/use-cases/admin/settings';
import { createTemplate } from '../../shared/use-cases/templates';

/** The page the demo widget is embedded on; visitor handshakes name it as their Origin. */
export const DEMO_WIDGET_ORIGIN = 'http://localhost:8080';

/** The demo people by short name, role and label: what `npm start` prints and the console's sign-in lists. */
export const DEMO_PEOPLE = [
  ['admin', 'admin', 'Ada Admin'],
  ['supervisor', 'supervisor', 'Sam Supervisor'],
  ['anna', 'operator', 'Anna (First line)'],
  ['boris', 'operator', 'Boris (Second line)'],
] as const;

export interface DemoTenant {
  groups: { firstLine: string; secondLine: string };
  operators: { admin: string; supervisor: string; anna: string; boris: string };
  channels: { widget: string; telegram: string; whatsapp: string; api: string };
  webhookSecrets: Record<string, string>;
}

/** The demo WhatsApp number's settings: `npm run say:whatsapp` signs with this app secret. */
export const DEMO_WHATSAPP_SETTINGS = {
  phoneNumberId: '100000000000001',
  accessToken: 'local-access-token',
  appSecret: 'local-app-secret',
  verifyToken: 'local-verify-token',
  businessAccountId: '200000000000002',
} as const;

/** Seeding needs an admin before one exists; this actor only ever passes the policy's admin check. */
const seeder: OperatorActor = { kind: 'operator', operatorId: 'seed', role: 'admin', groupIds: [] };

export async function seedDemoTenant(options: { apiCallbackUrl: string }): Promise<DemoTenant> {
  const table = readConfig().tableName;
  const { Item } = await dynamo().send(new GetCommand({ TableName: table, Key: keys.demoSeed() }));
  if (Item) {
    const tenant = Item.tenant as DemoTenant;
    // A persisted tenant keeps its ids, but the fake channel server's URL follows this run's port base.
    await updateChannel(seeder, tenant.channels.api, { settings: { callbackUrl: options.apiCallbackUrl } });
    return tenant;
  }

  const firstLine = await createGroup(seeder, { name: 'First line', strategy: 'manual' });
  const secondLine = await createGroup(seeder, { name: 'Second line', strategy: 'least_busy' });
  const operator = (name: string, email: string, role: 'admin' | 'supervisor' | 'operator', groupIds: string[]) =>
    insertOperator({ name, email, role, groupIds, capacity: 5, enabled: true });
  const admin = await operator('Ada Admin', 'admin@demo.switchboard.local', 'admin', []);
  const supervisor = await operator('Sam Supervisor', 'sam@demo.switchboard.local', 'supervisor', []);
  const anna = await operator('Anna', 'anna@demo.switchboard.local', 'operator', [firstLine.groupId]);
  const boris = await operator('Boris', 'boris@demo.switchboard.local', 'operator', [secondLine.groupId]);
  const base = { defaultGroupId: firstLine.groupId, enabled: true, overrides: {} };
  const widget = await createChannel(seeder, {
    ...base,
    kind: 'widget',
    name: 'Website',
    settings: { allowedOrigins: [DEMO_WIDGET_ORIGIN] },
  });
  const telegram = await createChannel(seeder, {
    ...base,
    kind: 'telegram',
    name: 'Telegram bot',
    settings: { botToken: '123456789:AAH-local-demo-bot-token-0000' },
  });
  const whatsapp = await createChannel(seeder, {
    ...base,
    kind: 'whatsapp',
    name: 'WhatsApp',
    settings: { ...DEMO_WHATSAPP_SETTINGS },
  });
  const api = await createChannel(seeder, {
    ...base,
    kind: 'api',
    name: 'CRM',
    settings: { callbackUrl: options.apiCallbackUrl },
  });
  // S1: short demo thresholds, so an unanswered message turns warning and breached within a minute on `npm start`.
  await replaceSettings(
    seeder,
    settingsSchema.parse({ sla: { enabled: true, default: { warningSeconds: 30, deadlineSeconds: 60 } } }),
  );
  await createCategory(seeder, { name: 'Billing' });
  await createCategory(seeder, { name: 'Technical issue' });
  // Q1–Q4: a global greeting, so typing "/hel" in a ticket finds it and renders it with the client's name.
  await createTemplate(
    { ...seeder, operatorId: admin.operatorId },
    {
      scope: 'global',
      title: 'Greeting',
      category: 'Openers',
      command: 'hello',
      language: 'en',
      text: 'Hello {{client.name}}! My name is {{operator.name}}; how can I help?',
    },
  );

  const tenant: DemoTenant = {
    groups: { firstLine: firstLine.groupId, secondLine: secondLine.groupId },
    operators: {
      admin: admin.operatorId,
      supervisor: supervisor.operatorId,
      anna: anna.operatorId,
      boris: boris.operatorId,
    },
    channels: {
      widget: widget.channelId,
      telegram: telegram.channelId,
      whatsapp: whatsapp.channelId,
      api: api.channelId,
    },
    webhookSecrets: Object.fromEntries(
      [widget, telegram, whatsapp, api].map((channel) => [channel.channelId, channel.webhookSecret]),
    ),
  };
  await dynamo().send(new PutCommand({ TableName: table, Item: { ...keys.demoSeed(), type: 'demoSeed', tenant } }));
  return tenant;
}
