// The WebSocket API's Lambda REQUEST authorizer on $connect (identity source: the `token` query parameter): allows
// the handshake with the principal as context, denies a disabled operator (403), refuses anything else (401).
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { DomainError } from '../../shared/domain/errors';
import { noteOutcome } from '../../shared/platform/log';
import { authenticateConnection } from '../../shared/realtime/connection-auth';
import { connectionContextOf, principalKeyOf } from '../../shared/realtime/connection-principal';
import { observe } from '../adapters/observe';

/** The fields of API Gateway's WebSocket REQUEST authorizer event that this authorizer reads. */
export interface ConnectAuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  queryStringParameters?: Record<string, string | undefined> | null;
  headers?: Record<string, string | undefined> | null;
  requestContext: { connectionId: string; requestTimeEpoch: number; identity?: { sourceIp?: string } };
}

/** API Gateway answers 401 only for this exact error message; any other failure becomes a 500. */
const UNAUTHORIZED = 'Unauthorized';

function policy(principalId: string, effect: 'Allow' | 'Deny', methodArn: string) {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
    },
  };
}

export const handler = observe(
  middy<ConnectAuthorizerEvent, APIGatewayAuthorizerResult>().handler(async (event) => {
    const token = event.queryStringParameters?.token;
    if (!token) throw new Error(UNAUTHORIZED);
    try {
      const principal = await authenticateConnection(token, new Date(event.requestContext.requestTimeEpoch), {
        sourceIp: event.requestContext.identity?.sourceIp,
        origin: event.headers?.origin ?? event.headers?.Origin,
      });
      const principalId = principalKeyOf(principal);
      return { ...policy(principalId, 'Allow', event.methodArn), context: connectionContextOf(principal) };
    } catch (error) {
      if (!(error instanceof DomainError) || (error.code !== 'forbidden' && error.code !== 'unauthorized')) throw error;
      // The client only sees the status; the reason goes on the request's log line (the message names no token).
      noteOutcome({ errorCode: error.code, reason: error.message });
      if (error.code === 'forbidden') return policy('denied', 'Deny', event.methodArn);
      throw new Error(UNAUTHORIZED);
    }
  }),
);
