// Favourites (C9): the clients an operator watches, kept as a short list on the operator item, so the actor read that
// every request makes already carries them (policy.ts) and a new connection joins their audiences (presence.ts).
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conflict, notFound } from '../domain/errors';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { getOperator } from './operators';
import { isConditionFailure } from './transactions';

/** An operator watches at most this many clients: each is one audience on each of its connections. */
export const MAX_WATCHED_CLIENTS = 50;

export async function addWatchedClient(operatorId: string, clientId: string): Promise<void> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: readConfig().tableName,
        Key: keys.operator(operatorId),
        UpdateExpression: 'SET watchedClientIds = list_append(if_not_exists(watchedClientIds, :none), :client)',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(watchedClientIds) OR ' +
          '(NOT contains(watchedClientIds, :clientId) AND size(watchedClientIds) < :max))',
        ExpressionAttributeValues: {
          ':none': [],
          ':client': [clientId],
          ':clientId': clientId,
          ':max': MAX_WATCHED_CLIENTS,
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const watched = (await getOperator(operatorId))?.watchedClientIds ?? [];
    if (watched.includes(clientId)) throw conflict('You already watch this client.');
    throw conflict(`You already watch ${MAX_WATCHED_CLIENTS} clients; unwatch one first.`);
  }
}

export async function removeWatchedClient(operatorId: string, clientId: string): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const operator = await getOperator(operatorId);
    if (!operator) throw notFound(`Operator ${operatorId} does not exist.`);
    const index = operator.watchedClientIds?.indexOf(clientId) ?? -1;
    if (index < 0) throw conflict('You do not watch this client.');
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: readConfig().tableName,
          Key: keys.operator(operatorId),
          // A list element is removed by position, conditioned on still being the client (another change may move it).
          UpdateExpression: `REMOVE watchedClientIds[${index}]`,
          ConditionExpression: `watchedClientIds[${index}] = :clientId`,
          ExpressionAttributeValues: { ':clientId': clientId },
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw conflict('Your favourites are being changed right now; try again.');
}
