// Starts DynamoDB Local once per test run on a free port and hands its endpoint to every test file.
import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { freePort } from '../infra/local/ports';

let dynamoDb: DynamoDbLocal | undefined;

export async function setup(project: TestProject): Promise<void> {
  // Which runtime this pass tests is not obvious from npm's output (npm scripts find the pinned Node 24 first).
  console.log(`Tests run on Node.js ${process.version}`);
  dynamoDb = await startDynamoDbLocal({ port: await freePort() });
  project.provide('dynamoEndpoint', dynamoDb.endpoint);
}

export async function teardown(): Promise<void> {
  await dynamoDb?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
