// Runs aws-ses-v2-local as the local SES: sent mail is kept in memory and shown in its web mailbox.
import type { Server } from 'node:http';
import * as sesLocalModule from 'aws-ses-v2-local';

type StartSes = (config: { host: string; port: number }) => Promise<Server>;
// The package is CommonJS with an `__esModule` default export; Node's ESM loader nests it one level deeper.
const moduleExports = sesLocalModule as unknown as { default: StartSes | { default: StartSes } };
const sesLocal: StartSes =
  typeof moduleExports.default === 'function' ? moduleExports.default : moduleExports.default.default;

export interface SesLocal {
  endpoint: string;
  mailboxUrl: string;
  stop(): Promise<void>;
}

export async function startSesLocal(options: { port: number; host?: string }): Promise<SesLocal> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = await sesLocal({ host, port: options.port });
  const endpoint = `http://${host}:${options.port}`;
  return {
    endpoint,
    mailboxUrl: `${endpoint}/`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
