// Stream consumer of the search index output (M8): one batch of table changes in, postings written; a throw has the
// batch retried, bisected and finally sent to the failure destination.
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { projectChanges } from '../../shared/use-cases/change-projector';
import { searchIndexOutput } from '../../shared/use-cases/search-indexing';
import { observe } from '../adapters/observe';

export const handler = observe(async (event: DynamoDBStreamEvent) => projectChanges(searchIndexOutput, event));
