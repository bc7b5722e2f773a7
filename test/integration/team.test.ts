// O3, T5, X1: the team directory (`operators.list`) against DynamoDB Local: who each caller sees, whether each is
// online as connections open and close, and how many reads a directory page costs.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import type { TeamMember } from '../../shared/protocol/entities';
import { recordConnection } from '../../shared/realtime/connections';
import { coveringGroups } from '../../shared/realtime/online-operators';
import { closeConnection, openConnection } from '../../shared/realtime/presence';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { runOperatorAction } from '../../shared/use-cases/operator-actions';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const root: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let front: string;
let back: string;
let anna: Operator;
let alex: Operator;
let boris: Operator;
let sam: Operator;
let lone: Operator;
let gone: Operator;
let connections = 0;

async function person(name: string, groupIds: string[], extra: Partial<Operator> = {}): Promise<Operator> {
  return insertOperator({
    name,
    email: `${name.toLowerCase()}@team.example.com`,
    role: extra.role ?? 'operator',
    groupIds,
    capacity: 5,
    enabled: extra.enabled ?? true,
  });
}

async function directory(operator: Operator, input: Record<string, unknown> = {}) {
  return (await runOperatorAction(actorOf(operator), 'operators.list', input, new Date())) as {
    items: TeamMember[];
    nextCursor?: string;
  };
}

const names = (page: { items: TeamMember[] }) => page.items.map((member) => member.name).sort();
const onlineNames = (page: { items: TeamMember[] }) =>
  page.items
    .filter((member) => member.online)
    .map((member) => member.name)
    .sort();

async function connect(operator: Operator): Promise<string> {
  connections += 1;
  const connectionId = `Team${String(connections).padStart(10, '0')}=`;
  await openConnection({
    connectionId,
    principal: { kind: 'operator', operatorId: operator.operatorId },
    connectedAt: new Date(),
  });
  return connectionId;
}

const disconnect = (connectionId: string, operator: Operator) =>
  closeConnection(connectionId, { kind: 'operator', operatorId: operator.operatorId }, new Date());

/** Counts the DynamoDB commands `work` sends, by command name. */
async function countingReads<T>(work: () => Promise<T>): Promise<{ result: T; commands: Record<string, number> }> {
  const commands: Record<string, number> = {};
  dynamo().middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      commands[name] = (commands[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countTeamReads' },
  );
  try {
    return { result: await work(), commands };
  } finally {
    dynamo().middlewareStack.remove('countTeamReads');
  }
}

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  front = (await createGroup(root, { name: 'Front', strategy: 'manual' })).groupId;
  back = (await createGroup(root, { name: 'Back', strategy: 'manual' })).groupId;
  anna = await person('Anna', [front]);
  alex = await person('Alex', [front, back]);
  boris = await person('Boris', [back]);
  sam = await person('Sam', [], { role: 'supervisor' });
  lone = await person('Lone', []);
  gone = await person('Gone', [front], { enabled: false });
});

afterAll(() => management.restore());

describe('O3/T5: the team directory (operators.list)', () => {
  it('X1/T5: an operator sees itself and the enabled members of its groups, never an operator outside them', async () => {
    const annas = await directory(anna);
    expect(names(annas)).toEqual(['Alex', 'Anna']);
    expect(annas.items.map((member) => member.operatorId)).not.toContain(boris.operatorId);
    expect(annas.items.map((member) => member.operatorId)).not.toContain(gone.operatorId);
    // Of a colleague, only the groups it shares with the caller.
    expect(annas.items.find((member) => member.name === 'Alex')).toMatchObject({ role: 'operator', groupIds: [front] });
    expect(names(await directory(alex))).toEqual(['Alex', 'Anna', 'Boris']);
    expect(names(await directory(boris))).toEqual(['Alex', 'Boris']);
    // In no group it shares a group with no one: only itself, as `assign` allows.
    expect(names(await directory(lone))).toEqual(['Lone']);
  });

  it('X1/T5: supervisors and admins see every enabled operator with all of its groups', async () => {
    const sams = await directory(sam);
    expect(names(sams)).toEqual(['Alex', 'Anna', 'Boris', 'Lone', 'Sam']);
    expect(sams.items.find((member) => member.name === 'Alex')?.groupIds.sort()).toEqual([front, back].sort());
  });

  it('O3: online follows connections: the first opening turns it on, a second tab changes nothing, the last closing turns it off', async () => {
    expect(onlineNames(await directory(sam))).toEqual([]);
    const annaTab = await connect(anna);
    const samTab = await connect(sam);
    expect(onlineNames(await directory(sam))).toEqual(['Anna', 'Sam']);
    expect(onlineNames(await directory(alex))).toEqual(['Anna']);
    // Boris shares no group with Anna: he neither sees her nor learns she is online.
    expect(onlineNames(await directory(boris))).toEqual([]);

    const annaSecondTab = await connect(anna);
    await disconnect(annaTab, anna);
    expect(onlineNames(await directory(alex))).toEqual(['Anna']);
    await disconnect(annaSecondTab, anna);
    expect(onlineNames(await directory(alex))).toEqual([]);
    expect(onlineNames(await directory(sam))).toEqual(['Sam']);

    const loneTab = await connect(lone);
    expect(onlineNames(await directory(lone))).toEqual(['Lone']);
    expect(onlineNames(await directory(sam))).toEqual(['Lone', 'Sam']);
    await disconnect(loneTab, lone);
    await disconnect(samTab, sam);
    expect(onlineNames(await directory(sam))).toEqual([]);
  });

  it('O3: an audience entry without its principal is still counted, through its connection record', async () => {
    // Entries have always carried the principal; this one is rewritten by hand without it.
    const connectionId = 'TeamOld0000001=';
    const connection = await recordConnection({
      connectionId,
      principal: `operator#${boris.operatorId}`,
      audiences: [`group#${back}`],
      connectedAt: new Date().toISOString(),
    });
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('../../shared/store/keys');
    await dynamo().send(
      new PutCommand({
        TableName: process.env.TABLE_NAME,
        Item: {
          ...keys.audienceMember(`group#${back}`, connectionId),
          type: 'audienceMember',
          connectionId,
          expiresAt: connection.expiresAt,
        },
      }),
    );
    expect(onlineNames(await directory(alex))).toEqual(['Boris']);
    await disconnect(connectionId, boris);
    expect(onlineNames(await directory(alex))).toEqual([]);
  });

  it('O3/T5: a page costs a bounded number of reads: one per own group, one BatchGet, one per covering group partition', async () => {
    await connect(anna);
    await connect(boris);
    // Alex (two groups): two member Queries, one BatchGet, and the two group partitions covering Anna, Boris, itself.
    const alexs = await countingReads(() => directory(alex));
    expect(onlineNames(alexs.result)).toEqual(['Anna', 'Boris']);
    expect(alexs.commands).toEqual({ QueryCommand: 4, BatchGetItemCommand: 1 });
    // Anna (one group): one member Query, one BatchGet, one partition (Front covers everyone she sees).
    const annas = await countingReads(() => directory(anna));
    expect(annas.commands).toEqual({ QueryCommand: 2, BatchGetItemCommand: 1 });
    // Sam (staff): one listing Query; Front and Back cover the grouped; Sam and Lone (no group) one each.
    const sams = await countingReads(() => directory(sam));
    expect(onlineNames(sams.result)).toEqual(['Anna', 'Boris']);
    expect(sams.commands).toEqual({ QueryCommand: 5 });
  });

  it('O3: the partitions read cover every operator with the fewest groups first, and none for those in no group', () => {
    expect(
      coveringGroups([
        { operatorId: 'a', groupIds: ['g1'] },
        { operatorId: 'b', groupIds: ['g1', 'g2'] },
        { operatorId: 'c', groupIds: ['g2', 'g3'] },
        { operatorId: 'd', groupIds: [] },
      ]),
    ).toEqual(['g1', 'g2']);
  });

  it('T5: pages of the directory hand out every visible operator once; a cursor from elsewhere is refused', async () => {
    // Pages of 2 (a page may hold fewer: a disabled operator is read and left out).
    const everyPage = async (operator: Operator, limit: number) => {
      const pages: Array<{ items: TeamMember[]; nextCursor?: string }> = [];
      let cursor: string | undefined;
      do {
        const page = await directory(operator, { limit, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        pages.push(page);
        cursor = page.nextCursor;
      } while (cursor && pages.length < 10);
      return pages;
    };
    const alexs = await everyPage(alex, 2);
    expect(alexs.length).toBeGreaterThan(1);
    expect(alexs.flatMap((page) => names(page)).sort()).toEqual(['Alex', 'Anna', 'Boris']);
    const sams = await everyPage(sam, 3);
    expect(sams.length).toBeGreaterThan(1);
    expect(sams.flatMap((page) => names(page)).sort()).toEqual(['Alex', 'Anna', 'Boris', 'Lone', 'Sam']);
    const first = alexs[0] as { nextCursor?: string };
    const staffFirst = sams[0] as { nextCursor?: string };

    await expect(directory(alex, { cursor: staffFirst.nextCursor })).rejects.toMatchObject({ code: 'invalid' });
    await expect(directory(sam, { cursor: first.nextCursor })).rejects.toMatchObject({ code: 'invalid' });
    await expect(directory(alex, { limit: 0 })).rejects.toMatchObject({ code: 'invalid' });
  });
});
