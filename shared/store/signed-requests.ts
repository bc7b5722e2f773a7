// CH1: signed webhook requests seen within their validity window (the `api` channel accepts a signature for 5 minutes
// either side of its timestamp), so a captured request replayed inside the window is recognized and not processed
// again. One short-lived item per request, written with a conditional put; DynamoDB's TTL removes it afterwards.
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { isConditionFailure } from './transactions';

/**
 * Records the request; false when it was recorded before and is still within its window (a replay). TTL deletion may
 * lag by days, so an item past its window counts as absent.
 */
export async function rememberSignedRequest(
  channelId: string,
  fingerprint: string,
  until: number,
  now: Date,
): Promise<boolean> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  try {
    await dynamo().send(
      new PutCommand({
        TableName: readConfig().tableName,
        Item: { ...keys.signedRequest(channelId, fingerprint), type: 'signedRequest', expiresAt: until },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Forgets a request whose processing failed, so the sender's retry of the same signed request is processed. */
export async function forgetSignedRequest(channelId: string, fingerprint: string): Promise<void> {
  await dynamo().send(
    new DeleteCommand({ TableName: readConfig().tableName, Key: keys.signedRequest(channelId, fingerprint) }),
  );
}
