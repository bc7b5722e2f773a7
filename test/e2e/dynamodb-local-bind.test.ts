// X2 (local stack): DynamoDB Local listens on 127.0.0.1 only, like every other part of the local stack — a machine on
// the same network cannot read or write the local table.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, inject, it } from 'vitest';
import { dynamoDbLocalCommand, LOOPBACK_LAUNCHER } from '../../infra/local/dynamodb-local';

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
