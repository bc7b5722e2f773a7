// Connect codes: short-lived, single-use codes a browser puts in the WebSocket URL instead of the operator's access
// token, so long-lived credentials never land in URLs, proxy logs or browser history. Only a hash is stored.
import { randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from '../store/keys';
import { hashToken } from './visitors';

export const CONNECT_CODE_PREFIX = 'cc_';
export const CONNECT_CODE_TTL_SECONDS = 60;
/** `cc_` + 43 base64url characters; anything much longer is not a code of ours. */
const MAX_CODE_LENGTH = 64;

export interface ConnectCode {
  code: string;
  /** ISO time after which the code is refused. */
  expiresAt: string;
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export async function issueConnectCode(operatorId: string, now: Date): Promise<ConnectCode> {
  const code = `${CONNECT_CODE_PREFIX}${randomBytes(32).toString('base64url')}`;
  const expiresAt = epochSeconds(now) + CONNECT_CODE_TTL_SECONDS;
  await dynamo().send(
    new PutCommand({
      TableName: readConfig().tableName,
      Item: { ...keys.connectCode(hashToken(code)), type: 'connectCode', operatorId, expiresAt },
    }),
  );
  return { code, expiresAt: new Date(expiresAt * 1000).toISOString() };
}

/**
 * The operator a code was issued to, or undefined for an unknown, used or expired code. Deleting under a condition
 * makes the code single-use even when two handshakes race with it; the expiry is part of the condition because TTL
 * deletion may lag by hours.
 */
export async function redeemConnectCode(code: string, now: Date): Promise<string | undefined> {
  if (!code.startsWith(CONNECT_CODE_PREFIX) || code.length > MAX_CODE_LENGTH) return undefined;
  try {
    const { Attributes } = await dynamo().send(
      new DeleteCommand({
        TableName: readConfig().tableName,
        Key: keys.connectCode(hashToken(code)),
        ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
        ExpressionAttributeValues: { ':now': epochSeconds(now) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return typeof Attributes?.operatorId === 'string' ? Attributes.operatorId : undefined;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}
