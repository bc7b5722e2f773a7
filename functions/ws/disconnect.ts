// $disconnect: forgets the connection and announces an operator whose last connection this was as offline.
import middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { principalFromContext } from '../../shared/realtime/connection-principal';
import { closeConnection } from '../../shared/realtime/presence';
import { observe } from '../adapters/observe';
import type { AuthorizedWebSocketEvent } from '../adapters/websocket';

export const handler = observe(
  middy<AuthorizedWebSocketEvent, APIGatewayProxyResultV2>().handler(async (event) => {
    const { connectionId, requestTimeEpoch, authorizer } = event.requestContext;
    await closeConnection(connectionId, principalFromContext(authorizer), new Date(requestTimeEpoch));
    return { statusCode: 200 };
  }),
);
