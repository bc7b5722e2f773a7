// Attacks on the local gateway that must be refused: floods of WebSocket actions (R5) and the like.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../infra/local/gateway';
import type { TokenIssuer } from '../../infra/local/token-issuer';
import type { ChannelConfig } from '../../shared/store/channels';
import { historyPage } from '../../shared/store/messages';
import { seedGroup, seedOperator, seedWidgetChannel, startAuthGateway, withToken } from '../support/operator-auth';
import { useTestTable } from '../support/table';
import { connectClient, type TestClient } from './clients';

let gateway: LocalGateway;
let tokens: TokenIssuer;
let widget: ChannelConfig;

interface Reply {
  type: 'reply';
  requestId: string;
  ok: boolean;
  data?: unknown;
  error?: { code: string; message: string; details?: { retryAfterSeconds?: number } };
}

/** Sends every frame at once and collects one reply per frame, skipping pushed events. */
async function burst(
  client: TestClient,
  frames: Record<string, unknown>[],
): Promise<{ replies: Reply[]; seconds: number }> {
  const started = Date.now();
  for (const [index, frame] of frames.entries()) client.send({ ...frame, requestId: `r${index}` });
  const replies: Reply[] = [];
  while (replies.length < frames.length) {
    const frame = (await client.next(10_000)) as Reply | { type: string };
    if (frame.type === 'reply') replies.push(frame as Reply);
  }
  return { replies, seconds: (Date.now() - started) / 1000 };
}

async function newVisitor(): Promise<{ client: TestClient; clientId: string; token: string }> {
  const response = await fetch(`${gateway.httpUrl}/widget/${widget.channelId}/session`, { method: 'POST' });
  const session = (await response.json()) as { visitorToken: string; clientId: string };
  const client = await connectClient(gateway, withToken(session.visitorToken), { origin: 'https://shop.example' });
  return { client, clientId: session.clientId, token: session.visitorToken };
}

beforeAll(async () => {
  await useTestTable();
  ({ gateway, tokens } = await startAuthGateway());
  widget = await seedWidgetChannel((await seedGroup('Web')).groupId);
});

afterAll(async () => {
  await gateway.close();
});

describe('R5 rate limits per connection', () => {
  it('R5: a widget visitor flooding chat.send gets 5 messages through, the rest refused with a retry-after, none stored', async () => {
    const { client, clientId } = await newVisitor();
    const { replies, seconds } = await burst(
      client,
      Array.from({ length: 20 }, (_, i) => ({ action: 'chat.send', text: `spam ${i}` })),
    );
    const admitted = replies.filter((reply) => reply.ok);
    const refused = replies.filter((reply) => !reply.ok);
    // 5 at once, then 1 per second while the burst was being answered.
    expect(admitted.length).toBeGreaterThanOrEqual(5);
    expect(admitted.length).toBeLessThanOrEqual(5 + Math.ceil(seconds));
    expect(refused.length).toBe(20 - admitted.length);
    for (const reply of refused) {
      expect(reply.error?.code).toBe('rate_limited');
      // One interval (1 s) after the burst; a frame answered after a later-received one was admitted waits longer.
      const retryAfter = reply.error?.details?.retryAfterSeconds ?? 0;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(1 + Math.ceil(seconds));
    }
    const stored = await historyPage(clientId, 'M#', { limit: 50, viewer: 'visitor' });
    expect(stored.items).toHaveLength(admitted.length);
    await client.close();
  });

  it('R5: chat.send frames refused as invalid do not count against the visitor rate', async () => {
    const { client, clientId } = await newVisitor();
    const invalid = await burst(
      client,
      Array.from({ length: 10 }, () => ({ action: 'chat.send', text: '   ' })),
    );
    expect(invalid.replies.map((reply) => reply.error?.code)).toEqual(Array(10).fill('invalid'));
    const { replies } = await burst(
      client,
      Array.from({ length: 5 }, (_, i) => ({ action: 'chat.send', text: `hello ${i}` })),
    );
    expect(replies.filter((reply) => reply.ok)).toHaveLength(5);
    const stored = await historyPage(clientId, 'M#', { limit: 50, viewer: 'visitor' });
    expect(stored.items).toHaveLength(5);
    await client.close();
  });

  it('R5: repeated typing frames of a visitor are coalesced into one push', async () => {
    const { client } = await newVisitor();
    const { replies } = await burst(
      client,
      Array.from({ length: 4 }, () => ({ action: 'chat.typing', typing: true })),
    );
    const coalesced = replies.map((reply) => (reply.data as { coalesced?: boolean }).coalesced === true);
    expect(coalesced.filter((flag) => !flag)).toHaveLength(1);
    await client.close();
  });

  it('R5: an operator connection gets 40 actions at once, then 20 per second; the rest are refused', async () => {
    const operator = await seedOperator();
    const client = await connectClient(gateway, withToken(await tokens.mintAccessToken(operator.operatorId)));
    const { replies, seconds } = await burst(
      client,
      Array.from({ length: 80 }, () => ({ action: 'counters' })),
    );
    const admitted = replies.filter((reply) => reply.ok).length;
    expect(admitted).toBeGreaterThanOrEqual(40);
    expect(admitted).toBeLessThanOrEqual(40 + Math.ceil(seconds * 20));
    expect(replies.filter((reply) => !reply.ok).map((reply) => reply.error?.code)).toEqual(
      Array(80 - admitted).fill('rate_limited'),
    );
    await client.close();
  });
});
