// Runs s3rver as the local S3, with the attachments bucket (and its CORS rules) configured at start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no type declarations
import S3rver from '@20minutes/s3rver';

export interface S3Local {
  endpoint: string;
  stop(): Promise<void>;
}

const corsConfiguration = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export async function startS3Local(options: {
  port: number;
  bucketName: string;
  host?: string;
  /** Keep objects here across restarts; a temporary folder (removed at stop) when unset. */
  directory?: string;
}): Promise<S3Local> {
  const host = options.host ?? '127.0.0.1';
  const temporary = options.directory ? undefined : mkdtempSync(path.join(tmpdir(), 'switchboard-s3-'));
  const server = new S3rver({
    address: host,
    port: options.port,
    silent: true,
    directory: options.directory ?? temporary,
    configureBuckets: [{ name: options.bucketName, configs: [corsConfiguration] }],
  });
  await server.run();
  return {
    endpoint: `http://${host}:${options.port}`,
    stop: async () => {
      await server.close();
      if (temporary) rmSync(temporary, { recursive: true, force: true });
    },
  };
}
