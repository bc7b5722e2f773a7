// Presigned POST uploads (A1): a browser posts a file straight to the bucket with form fields whose policy S3 checks —
// one exact key, one exact Content-Type, a size range and an expiry — signed with SigV4 like the SDK's
// createPresignedPost, without the S3 client that package needs (see object-store.ts on bundle size).
import { createHmac } from 'node:crypto';
import { readConfig } from './config';
import { bucketUrl, signingCredentials } from './object-store';

export interface UploadPolicyInput {
  key: string;
  contentType: string;
  /** Inclusive bounds of the file's size in bytes (`content-length-range`). */
  minBytes: number;
  maxBytes: number;
  expiresAt: Date;
  /** Stored as `x-amz-meta-<name>` and required verbatim by the policy. */
  metadata: Record<string, string>;
}

export interface PresignedPost {
  /** POST a multipart/form-data body here: every field below, then the file as the last field, named `file`. */
  url: string;
  fields: Record<string, string>;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** SigV4 signing key for a day, region and service. */
export function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
}

/** `20261128T233000Z` */
export const amzDate = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export async function presignUpload(input: UploadPolicyInput, now = new Date()): Promise<PresignedPost> {
  const { bucketName, region } = readConfig();
  const credentials = await signingCredentials();
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const fields: Record<string, string> = {
    key: input.key,
    'Content-Type': input.contentType,
    ...Object.fromEntries(Object.entries(input.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
    'x-amz-algorithm': 'AWS4-HMAC-SHA256',
    'x-amz-credential': `${credentials.accessKeyId}/${day}/${region}/s3/aws4_request`,
    'x-amz-date': date,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  // Every field the form carries (but the signature, the policy and the file) must be named by a condition.
  const policy = {
    expiration: input.expiresAt.toISOString(),
    conditions: [
      { bucket: bucketName },
      ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
      ['content-length-range', input.minBytes, input.maxBytes],
    ],
  };
  const encoded = Buffer.from(JSON.stringify(policy), 'utf8').toString('base64');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, region, 's3'))
    .update(encoded, 'utf8')
    .digest('hex');
  return { url: bucketUrl(), fields: { ...fields, Policy: encoded, 'X-Amz-Signature': signature } };
}
