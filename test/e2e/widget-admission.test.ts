import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { OperatorActor } from '../../shared/domain/actors';
import type { ChannelConfig } from '../../shared/store/channels';
import { updateChannel } from '../../shared/use-cases/admin/channels';
import { type AuthGateway, seedGroup, seedWidgetChannel, startAuthGateway, withToken } from '../support/operator-auth';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op_admin', role: 'admin', groupIds: [] };
let stack: AuthGateway;
let widget: ChannelConfig;
let visitorToken: string;

/** The handshake's HTTP status: 101 when accepted, else what the gateway refused it with. */
function handshake(origin?: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${stack.gateway.wsUrl}${withToken(visitorToken)}`, origin ? { origin } : {});
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', () => {});
  });
}

beforeAll(async () => {
  await useTestTable();
  stack = await startAuthGateway();
  widget = await seedWidgetChannel((await seedGroup('Web')).groupId);
  const response = await fetch(`${stack.gateway.httpUrl}/widget/${widget.channelId}/session`, { method: 'POST' });
  visitorToken = ((await response.json()) as { visitorToken: string }).visitorToken;
});

afterAll(async () => {
  await stack.gateway.close();
});

describe('CH1/C6 widget visitors are admitted by their channel', () => {
  it('CH1/X3: only from the widget’s allowed origins; a handshake with no Origin is refused', async () => {
    expect(await handshake('https://shop.example')).toBe(101);
    expect(await handshake()).toBe(403);
    expect(await handshake('https://evil.example')).toBe(403);
  });

  it('C6: a visitor whose address the widget blocks is refused at connect, and at session start', async () => {
    await updateChannel(admin, widget.channelId, { settings: { blockedIps: ['127.0.0.0/8'] } });
    expect(await handshake('https://shop.example')).toBe(403);
    const session = await fetch(`${stack.gateway.httpUrl}/widget/${widget.channelId}/session`, { method: 'POST' });
    expect(session.status).toBe(403);
    await updateChannel(admin, widget.channelId, { settings: { blockedIps: [] } });
    expect(await handshake('https://shop.example')).toBe(101);
  });
});
