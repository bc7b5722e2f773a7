// $default: a frame whose action has no route gets an error reply; the connection stays open.
import middy from '@middy/core';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { invalid } from '../../shared/domain/errors';
import { observe } from '../adapters/observe';
import { errorFrame, reply, requestIdOf } from '../adapters/websocket';

export const handler = observe(
  middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>().handler(async (event) => {
    const action = actionOf(event.body);
    const problem = action
      ? invalid(`Unknown action '${action}'.`, { action })
      : invalid('Every frame is a JSON object with an action and a requestId.');
    return reply(errorFrame(requestIdOf(event.body), problem));
  }),
);

function actionOf(body: string | undefined): string | undefined {
  try {
    const value = JSON.parse(body ?? '') as { action?: unknown };
    return typeof value.action === 'string' ? value.action.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}
