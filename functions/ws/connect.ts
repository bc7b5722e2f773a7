// $connect: records the new connection so pushes and presence can find it.
import middy from '@middy/core';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { recordConnection } from '../../shared/connections';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { identity?: { sourceIp?: string } };
};

export const handler = middy<ConnectEvent, APIGatewayProxyResultV2>().handler(async (event) => {
  const { connectionId, connectedAt, identity } = event.requestContext;
  await recordConnection({
    connectionId,
    principal: 'anonymous',
    connectedAt: new Date(connectedAt).toISOString(),
    ...(identity?.sourceIp ? { sourceIp: identity.sourceIp } : {}),
  });
  return { statusCode: 200 };
});
