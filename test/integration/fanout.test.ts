// R2, R3 fan-out against DynamoDB Local with the management API mocked: recipients come from audience queries, each
// gets the frame once, a gone connection is removed without failing the others, and posts run with a bound.
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetClients } from '../../shared/platform/aws-clients';
import {
  connectionIdsOf,
  findConnection,
  HANDSHAKE_GRACE_SECONDS,
  recordConnection,
} from '../../shared/realtime/connections';
import { FAN_OUT_CONCURRENCY, pushToAudiences } from '../../shared/realtime/fanout';
import type { Audience } from '../../shared/store/keys';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
});

beforeEach(() => {
  management.reset();
});

afterAll(() => {
  management.restore();
});

let counter = 0;

/** Records a connection opened `ageSeconds` ago (past the handshake grace unless told otherwise). */
async function connection(audiences: Audience[], ageSeconds = 2 * HANDSHAKE_GRACE_SECONDS): Promise<string> {
  counter += 1;
  const connectionId = `Conn${String(counter).padStart(11, '0')}=`;
  await recordConnection({
    connectionId,
    principal: `operator#op_${counter}`,
    audiences,
    connectedAt: new Date(Date.now() - ageSeconds * 1000).toISOString(),
  });
  return connectionId;
}

const postedTo = () => management.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input.ConnectionId);

describe('R2/R3: fan-out to audiences', () => {
  it('R3: a gone connection among three recipients: two delivered, the stale one removed, nothing thrown', async () => {
    const live = [await connection(['group#fan-a']), await connection(['group#fan-a'])];
    const stale = await connection(['group#fan-a']);
    management.on(PostToConnectionCommand).resolves({});
    management
      .on(PostToConnectionCommand, { ConnectionId: stale })
      .rejects(new GoneException({ message: 'gone', $metadata: {} }));

    const result = await pushToAudiences(['group#fan-a'], { type: 'event', event: 'test' });

    expect(result).toEqual({ recipients: 3, delivered: 2, gone: 1, failed: 0 });
    expect(await findConnection(stale)).toBeUndefined();
    expect((await connectionIdsOf('group#fan-a')).sort()).toEqual([...live].sort());
    for (const id of live) expect(await findConnection(id)).toBeDefined();
  });

  it('R3: a Gone connection still inside its handshake grace is kept (its $connect may still be running)', async () => {
    const opening = await connection(['group#fan-f'], 1);
    management.on(PostToConnectionCommand).rejects(new GoneException({ message: 'gone', $metadata: {} }));

    expect(await pushToAudiences(['group#fan-f'], { type: 'event' })).toEqual({
      recipients: 1,
      delivered: 0,
      gone: 1,
      failed: 0,
    });
    expect(await findConnection(opening)).toBeDefined();
  });

  it('R2: a connection in several audiences gets the frame once; other audiences get nothing', async () => {
    const both = await connection(['staff', 'group#fan-b']);
    const member = await connection(['group#fan-b']);
    const outsider = await connection(['group#fan-c']);
    management.on(PostToConnectionCommand).resolves({});

    const result = await pushToAudiences(['staff', 'group#fan-b', 'group#fan-b'], { type: 'event' });

    expect(result.recipients).toBe(2);
    expect(postedTo().sort()).toEqual([both, member].sort());
    expect(postedTo()).not.toContain(outsider);
    const data = management.commandCalls(PostToConnectionCommand)[0]?.args[0].input.Data;
    expect(JSON.parse(Buffer.from(data as Uint8Array).toString())).toEqual({ type: 'event' });
  });

  it('R3: a post failing for another reason is counted, not thrown, and the connection is kept', async () => {
    const ok = await connection(['group#fan-d']);
    const throttled = await connection(['group#fan-d']);
    management.on(PostToConnectionCommand).resolves({});
    management.on(PostToConnectionCommand, { ConnectionId: throttled }).rejects(new Error('throttled'));
    const quiet = console.error;
    console.error = () => {};
    try {
      const result = await pushToAudiences(['group#fan-d'], { type: 'event' });
      expect(result).toEqual({ recipients: 2, delivered: 1, gone: 0, failed: 1 });
    } finally {
      console.error = quiet;
    }
    expect(await findConnection(throttled)).toBeDefined();
    expect(await findConnection(ok)).toBeDefined();
  });

  it(`R2: at most ${FAN_OUT_CONCURRENCY} posts are in flight at once`, async () => {
    const ids = await Promise.all(Array.from({ length: 40 }, () => connection(['group#fan-e'])));
    let inFlight = 0;
    let most = 0;
    management.on(PostToConnectionCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight -= 1;
      return {};
    });
    const result = await pushToAudiences(['group#fan-e'], { type: 'event' });
    expect(result).toEqual({ recipients: ids.length, delivered: ids.length, gone: 0, failed: 0 });
    expect(most).toBe(FAN_OUT_CONCURRENCY);
  });
});
