// O3, R2 operator presence end to end: operators connect through the real authorizer and handlers, and supervisors and
// group members hear `operator.presence` when an operator's first connection opens and its last one closes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../infra/local/gateway';
import type { TokenIssuer } from '../../infra/local/token-issuer';
import { connectionIdsOf } from '../../shared/realtime/connections';
import { isOnline, PRESENCE_EVENT } from '../../shared/realtime/presence';
import type { Operator } from '../../shared/store/operators';
import { seedGroup, seedOperator, startAuthGateway, withToken } from '../support/operator-auth';
import { useTestTable } from '../support/table';
import { connectClient, eventually, type TestClient } from './clients';

let gateway: LocalGateway;
let tokens: TokenIssuer;
const clients: TestClient[] = [];

beforeAll(async () => {
  await useTestTable();
  ({ gateway, tokens } = await startAuthGateway());
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await gateway?.close();
});

async function connectAs(operator: Operator): Promise<TestClient> {
  const client = await connectClient(gateway, withToken(await tokens.mintAccessToken(operator.operatorId)));
  clients.push(client);
  return client;
}

const presence = (operator: Operator, online: boolean) => ({
  type: 'event',
  event: PRESENCE_EVENT,
  data: { operatorId: operator.operatorId, online, at: expect.any(String) },
});

/** Proves nothing was pushed to `client` before now: the reply to a fresh request is the next frame it gets. */
async function expectNothingPushed(client: TestClient): Promise<void> {
  client.send({ action: 'whoami', requestId: 'quiet?' });
  expect(await client.next()).toMatchObject({ type: 'reply', requestId: 'quiet?' });
}

describe('O3: operator presence follows live WebSocket connections', () => {
  it('O3: staff and the operator’s group hear it go online and offline; another group does not', async () => {
    const [g1, g2] = [await seedGroup('Line one'), await seedGroup('Line two')];
    const supervisor = await seedOperator({ role: 'supervisor' });
    const colleague = await seedOperator({ groupIds: [g1.groupId] });
    const stranger = await seedOperator({ groupIds: [g2.groupId] });
    const mover = await seedOperator({ groupIds: [g1.groupId] });

    const supervisorSocket = await connectAs(supervisor);
    const colleagueSocket = await connectAs(colleague);
    expect(await supervisorSocket.next()).toEqual(presence(colleague, true));
    const strangerSocket = await connectAs(stranger);
    expect(await supervisorSocket.next()).toEqual(presence(stranger, true));

    const moverSocket = await connectAs(mover);
    expect(await isOnline(mover.operatorId)).toBe(true);
    expect(await supervisorSocket.next()).toEqual(presence(mover, true));
    expect(await colleagueSocket.next()).toEqual(presence(mover, true));
    await expectNothingPushed(strangerSocket);
    // The connection being opened is never posted to (it cannot receive yet), so it is not removed either.
    await expectNothingPushed(moverSocket);

    await moverSocket.close();
    expect(await supervisorSocket.next()).toEqual(presence(mover, false));
    expect(await colleagueSocket.next()).toEqual(presence(mover, false));
    expect(await isOnline(mover.operatorId)).toBe(false);
    await expectNothingPushed(strangerSocket);
    await expectNothingPushed(supervisorSocket);
  });

  it('O3: a second tab announces nothing; only the last connection closing announces offline', async () => {
    const supervisor = await seedOperator({ role: 'admin' });
    const operator = await seedOperator();
    const watcher = await connectAs(supervisor);

    const firstTab = await connectAs(operator);
    expect(await watcher.next()).toEqual(presence(operator, true));
    const secondTab = await connectAs(operator);
    // The first tab hears nothing about its own operator's second tab: not staff, and no group.
    await expectNothingPushed(watcher);
    await expectNothingPushed(firstTab);

    await firstTab.close();
    await eventually(async () => (await connectionIdsOf(`operator#${operator.operatorId}`)).length === 1);
    expect(await isOnline(operator.operatorId)).toBe(true);
    await expectNothingPushed(watcher);

    await secondTab.close();
    expect(await watcher.next()).toEqual(presence(operator, false));
    expect(await isOnline(operator.operatorId)).toBe(false);
  });

  it('O3: an operator in no group is announced to staff only, and listens as `ungrouped`', async () => {
    const admin = await seedOperator({ role: 'admin' });
    const loner = await seedOperator();
    const watcher = await connectAs(admin);
    const socket = await connectAs(loner);
    expect(await watcher.next()).toEqual(presence(loner, true));
    expect(await connectionIdsOf('ungrouped')).toContain(socket.connectionId);
    expect(await connectionIdsOf('staff')).toContain(watcher.connectionId);
    expect(await connectionIdsOf('staff')).not.toContain(socket.connectionId);
  });
});
