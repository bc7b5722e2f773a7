// Attachment writes as a SigV4-signed PUT: the S3 client, with its checksum, XML and endpoint middleware, is ~130 KB of
// bundle a webhook function would carry for this one call. Presigned URLs and reads still use the S3 client.
import { createHash } from 'node:crypto';
import { s3rverCredentials } from './aws-clients';
import { readConfig } from './config';
import { signedFetch } from './signed-fetch';

/** S3 keys keep their slashes; every other reserved character is percent-encoded once, as S3 signs it. */
const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

export async function putObject(key: string, body: Buffer, contentType: string): Promise<void> {
  const config = readConfig();
  const url = config.s3Endpoint
    ? new URL(`${config.s3Endpoint.replace(/\/$/, '')}/${config.bucketName}/${encodeKey(key)}`)
    : new URL(`https://${config.bucketName}.s3.${config.region}.amazonaws.com/${encodeKey(key)}`);
  const response = await signedFetch({
    service: 's3',
    region: config.region,
    method: 'PUT',
    url,
    headers: {
      'content-type': contentType,
      'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    },
    body,
    uriEscapePath: false,
    ...(config.s3Endpoint ? { credentials: s3rverCredentials } : {}),
  });
  if (!response.ok)
    throw new Error(`Storing ${key} failed: ${response.status} ${(await response.text()).slice(0, 300)}`);
}
