// X2 (local stack): DynamoDB Local listens on 127.0.0.1 only, like every other part of the local stack — a machine on
// the same network cannot read or write the local table.
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, inject, it } from 'vitest';
import { dynamoDbLocalCommand, LOOPBACK_LAUNCHER, startDynamoDbLocal } from '../../infra/local/dynamodb-local';

/** Resolves 'open' when a TCP connection to address:port is accepted, else the error code. */
function probe(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

const outside = Object.values(networkInterfaces())
  .flat()
  .filter((entry) => entry && !entry.internal && !entry.address.startsWith('fe80:'))
  .map((entry) => entry?.address as string);

describe('X2: DynamoDB Local binds 127.0.0.1', () => {
  it("X2: the test run's DynamoDB Local answers on 127.0.0.1 and on no other interface of this machine", async () => {
    const port = Number(new URL(inject('dynamoEndpoint')).port);
    expect(await probe('127.0.0.1', port)).toBe('open');
    // Without another interface there is nothing to probe; the launch arguments below still hold.
    for (const address of outside) expect(await probe(address, port), address).not.toBe('open');
  });

  it('X2: it is launched through the binding launcher with the host as its first argument', () => {
    const command = dynamoDbLocalCommand({ port: 4002 });
    const launcher = command.indexOf(LOOPBACK_LAUNCHER);
    expect(launcher).toBeGreaterThan(0);
    expect(command[launcher + 1]).toBe('127.0.0.1');
    expect(command).not.toContain('-jar');
    expect(command.slice(launcher + 2)).toEqual(['-inMemory', '-port', '4002', '-disableTelemetry']);
  });
});

describe('OP4: DynamoDB Local that cannot start says so at once', () => {
  it('OP4: a port taken after the check ends the start within seconds, naming the bind failure, and leaves no Java behind', async () => {
    // Something else holds the port: it accepts connections and never answers.
    const held: Socket[] = [];
    const holder = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const started = Date.now();
      const error = await startDynamoDbLocal({ port }).then(
        (stack) => stack.stop().then(() => new Error('started on a taken port')),
        (failure: Error) => failure,
      );
      expect(error.message).toMatch(/DynamoDB Local exited early: .*Address already in use/);
      // A JVM on a loaded machine takes a few seconds to start and fail; the wait for an answer is 90 s.
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 90_000);
});
