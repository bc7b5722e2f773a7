// $disconnect: forgets the connection.
import middy from '@middy/core';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { removeConnection } from '../../shared/connections';

export const handler = middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>().handler(async (event) => {
  await removeConnection(event.requestContext.connectionId);
  return { statusCode: 200 };
});
