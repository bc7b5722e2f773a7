// The local gateway as the local stack runs it — the real authorizers, a local token issuer serving its keys — plus
// operators and groups seeded straight into the test table, so tests connect and call routes with real tokens.
import { type GatewayOptions, type LocalGateway, startGateway } from '../../infra/local/gateway';
import { createTokenIssuer, LOCAL_TOKEN_CLIENT_ID, type TokenIssuer } from '../../infra/local/token-issuer';
import type { OperatorActor } from '../../shared/domain/actors';
import { resetClients } from '../../shared/platform/aws-clients';
import { type ChannelConfig, getChannel } from '../../shared/store/channels';
import type { Group } from '../../shared/store/groups';
import { insertOperator, type Operator, type OperatorInput } from '../../shared/store/operators';
import { channelCreateSchema, createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';

export interface AuthGateway {
  gateway: LocalGateway;
  tokens: TokenIssuer;
}

/** Starts the gateway, then an issuer named by its HTTP URL, and points the handlers' TOKEN_* env at that issuer. */
export async function startAuthGateway(options: GatewayOptions = {}): Promise<AuthGateway> {
  let tokens: TokenIssuer | undefined;
  const gateway = await startGateway({ log: () => {}, ...options, jwks: () => tokens?.jwks() ?? { keys: [] } });
  tokens = await createTokenIssuer({ issuer: gateway.httpUrl, clientId: LOCAL_TOKEN_CLIENT_ID });
  Object.assign(process.env, tokens.env(), { WS_MANAGEMENT_ENDPOINT: gateway.managementEndpoint });
  resetClients();
  return { gateway, tokens };
}

let seeded = 0;

export async function seedOperator(overrides: Partial<OperatorInput> = {}): Promise<Operator> {
  seeded += 1;
  return insertOperator({
    name: `Operator ${seeded}`,
    email: `operator.${seeded}.${Date.now()}@example.com`,
    role: 'operator',
    groupIds: [],
    capacity: 5,
    enabled: true,
    ...overrides,
  });
}

const seedingAdmin: OperatorActor = { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] };

export function seedGroup(name: string): Promise<Group> {
  return createGroup(seedingAdmin, { name, strategy: 'manual' });
}

/** The page the seeded widget is embedded on: visitor handshakes must name it (CH1, X3). */
export const WIDGET_ORIGIN = 'https://shop.example';

/** A widget channel (CH1) as the admin API creates it, read back as stored. */
export async function seedWidgetChannel(defaultGroupId: string): Promise<ChannelConfig> {
  const input = channelCreateSchema.parse({
    name: 'Website',
    kind: 'widget',
    defaultGroupId,
    settings: { allowedOrigins: [WIDGET_ORIGIN] },
  });
  const { channelId } = await createChannel(seedingAdmin, input);
  const channel = await getChannel(channelId);
  if (!channel) throw new Error(`channel ${channelId} was not stored`);
  return channel;
}

/** `?token=…` for a WebSocket URL. */
export const withToken = (token: string) => `?token=${encodeURIComponent(token)}`;
