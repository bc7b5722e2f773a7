// Stream consumer of the outgoing webhooks output (W1, W2): one batch of table changes in, one event record per
// subscribed endpoint and its due work written; a throw has the batch retried (records are written once).
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { projectChanges } from '../../shared/use-cases/change-projector';
import { webhookOutput } from '../../shared/use-cases/webhook-projection';
import { observe } from '../adapters/observe';

export const handler = observe(async (event: DynamoDBStreamEvent) => projectChanges(webhookOutput, event));
