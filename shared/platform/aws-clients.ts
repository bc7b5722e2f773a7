// AWS SDK clients, created once per process from the runtime configuration (local endpoints when configured). S3 and
// SES are reached with signed fetches (platform/signed-fetch.ts): their clients would add ~100 KB to every bundle.
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConfig } from './config';

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
/** s3rver knows one fixed key pair and refuses any other access key. */
export const s3rverCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let documentClient: DynamoDBDocumentClient | undefined;
let managementClient: ApiGatewayManagementApiClient | undefined;

export function dynamo(): DynamoDBDocumentClient {
  if (!documentClient) {
    const config = readConfig();
    const base = new DynamoDBClient({
      region: config.region,
      ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint, credentials: localCredentials } : {}),
    });
    documentClient = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return documentClient;
}

export function management(): ApiGatewayManagementApiClient {
  if (!managementClient) {
    const config = readConfig();
    if (!config.wsManagementEndpoint) throw new Error('WS_MANAGEMENT_ENDPOINT is not configured');
    const local = config.wsManagementEndpoint.startsWith('http://');
    managementClient = new ApiGatewayManagementApiClient({
      region: config.region,
      endpoint: config.wsManagementEndpoint,
      // Every frame is a post: the command's middleware is resolved once, not per post (a middleware added to this
      // client later is not seen — add it before the first post, as the bench's meter does).
      cacheMiddleware: true,
      ...(local ? { credentials: localCredentials } : {}),
    });
  }
  return managementClient;
}

/** Forgets cached clients so a process (tests, the local stack) can point them elsewhere. */
export function resetClients(): void {
  documentClient = undefined;
  managementClient = undefined;
}
