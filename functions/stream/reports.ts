// Stream consumer of the reports output (RP1): one batch of table changes in, one ADD per day and dimension written;
// a throw has the batch retried, and a redelivered batch adds nothing twice.
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { projectChanges } from '../../shared/use-cases/change-projector';
import { reportsOutput } from '../../shared/use-cases/reports';
import { observe } from '../adapters/observe';

export const handler = observe(async (event: DynamoDBStreamEvent) => projectChanges(reportsOutput, event));
