// ping: replies through the management API with what the server knows of this connection.
import middy from '@middy/core';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { pushFrame } from '../../shared/realtime/connections';
import { pingConnection } from '../../shared/realtime/ping';
import { observe } from '../adapters/observe';
import { errorFrame, parseFrame, requestIdOf } from '../adapters/websocket';

const pingFrame = z.object({ action: z.literal('ping') });

export const handler = observe(
  middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>().handler(async (event) => {
    const { connectionId } = event.requestContext;
    try {
      const { requestId } = parseFrame(event.body, pingFrame);
      const data = await pingConnection(connectionId, new Date(event.requestContext.requestTimeEpoch));
      await pushFrame(connectionId, { type: 'reply', requestId, ok: true, data });
    } catch (error) {
      await pushFrame(connectionId, errorFrame(requestIdOf(event.body), error));
    }
    return { statusCode: 200 };
  }),
);
