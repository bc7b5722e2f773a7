// The ping use case: proves a connection is known to the server and reports its age.

import { notFound } from '../domain/errors';
import { findConnection } from './connections';

export interface Pong {
  pong: true;
  connectionId: string;
  principal: string;
  connectedAt: string;
  serverTime: string;
}

export async function pingConnection(connectionId: string, now: Date): Promise<Pong> {
  const connection = await findConnection(connectionId);
  if (!connection) throw notFound('This connection is not registered; reconnect.');
  return {
    pong: true,
    connectionId,
    principal: connection.principal,
    connectedAt: connection.connectedAt,
    serverTime: now.toISOString(),
  };
}
