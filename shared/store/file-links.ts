// Long-lived download links (M9): a presigned URL made with a Lambda role's credentials dies with those credentials
// (hours), so a transcript's file links point at GET /files/{token} instead — an HMAC-signed token naming the object,
// its display name and an expiry days away — which answers with a fresh short-lived presigned URL.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { isConditionFailure } from './transactions';

/** M9: how long a transcript's file links work. */
export const FILE_LINK_DAYS = 14;

let cachedKey: Buffer | undefined;

/** The tenant's link-signing key: made once (a conditional put, so concurrent first uses agree), then cached. */
async function linkKey(): Promise<Buffer> {
  if (cachedKey) return cachedKey;
  const { tableName } = readConfig();
  const read = async () =>
    (await dynamo().send(new GetCommand({ TableName: tableName, Key: keys.fileLinkKey(), ConsistentRead: true }))).Item
      ?.secret as string | undefined;
  let secret = await read();
  if (!secret) {
    try {
      await dynamo().send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.fileLinkKey(), type: 'fileLinkKey', secret: randomBytes(32).toString('base64') },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    secret = await read();
  }
  cachedKey = Buffer.from(secret as string, 'base64');
  return cachedKey;
}

export interface FileLink {
  key: string;
  name: string;
  /** Unix seconds. */
  expiresAt: number;
}

const sign = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();

export async function fileLinkToken(link: FileLink): Promise<string> {
  const payload = Buffer.from(JSON.stringify({ k: link.key, n: link.name, e: link.expiresAt })).toString('base64url');
  return `${payload}.${sign(await linkKey(), payload).toString('base64url')}`;
}

/** The link a token stands for, or undefined when it is forged, altered or expired. */
export async function readFileLinkToken(token: string, now = new Date()): Promise<FileLink | undefined> {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || token.length > 4096) return undefined;
  const expected = sign(await linkKey(), payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const { k, n, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof k !== 'string' || typeof n !== 'string' || typeof e !== 'number') return undefined;
    return e * 1000 > now.getTime() ? { key: k, name: n, expiresAt: e } : undefined;
  } catch {
    return undefined;
  }
}

/** Forgets the cached key (tests point the process at another table). */
export function forgetFileLinkKey(): void {
  cachedKey = undefined;
}
