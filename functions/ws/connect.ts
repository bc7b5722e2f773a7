// $connect: records the connection under the principal the authorizer established and announces operator presence.
import middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { DomainError } from '../../shared/domain/errors';
import { principalFromContext } from '../../shared/realtime/connection-principal';
import { openConnection } from '../../shared/realtime/presence';
import { observe } from '../adapters/observe';
import type { AuthorizedWebSocketEvent } from '../adapters/websocket';

export const handler = observe(
  middy<AuthorizedWebSocketEvent, APIGatewayProxyResultV2>().handler(async (event) => {
    const { connectionId, connectedAt, identity, authorizer } = event.requestContext;
    const principal = principalFromContext(authorizer);
    // Never without the authorizer; refusing keeps an unauthenticated socket from ever being recorded.
    if (!principal) return { statusCode: 401 };
    try {
      await openConnection({
        connectionId,
        principal,
        connectedAt: new Date(connectedAt),
        sourceIp: identity?.sourceIp,
      });
    } catch (error) {
      // The operator was disabled or removed between the authorizer and now.
      if (error instanceof DomainError && error.httpStatus < 500) return { statusCode: error.httpStatus };
      throw error;
    }
    return { statusCode: 200 };
  }),
);
