// DynamoDB transactions with domain meaning: each write names the error its failed condition stands for, collisions
// with a concurrent transaction are retried, and read-modify-write use cases retry from a fresh read when stale.
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { conflict } from '../domain/errors';
import { dynamo } from '../platform/aws-clients';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface TransactStep {
  item: TransactItem;
  /** What this step's condition failing means: a duplicate e-mail, a missing group, a record changed meanwhile… */
  onConditionFailed?: () => Error;
}

/** A version condition failed: the record changed between read and write. Use cases retry from a fresh read. */
export class StaleRecord extends Error {
  constructor() {
    super('The record changed while it was being updated.');
    this.name = 'StaleRecord';
  }
}

const CONFLICT_ATTEMPTS = 6;
const STALE_ATTEMPTS = 10;

export async function transactWrite(steps: readonly TransactStep[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dynamo().send(new TransactWriteCommand({ TransactItems: steps.map((step) => step.item) }));
      return;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      const failed = codes.indexOf('ConditionalCheckFailed');
      if (failed >= 0) {
        throw steps[failed]?.onConditionFailed?.() ?? conflict('A concurrent change got there first; try again.');
      }
      // Another transaction held one of these items; nothing was written, so the same write may simply run again.
      if (codes.includes('TransactionConflict') && attempt < CONFLICT_ATTEMPTS) {
        await pause(attempt);
        continue;
      }
      if (codes.includes('TransactionConflict')) throw conflict('These records are busy; try again.');
      throw error;
    }
  }
}

/** A step whose failed condition means the state it was decided from is gone: retry from a fresh read. */
export function stale(item: TransactItem): TransactStep {
  return { item, onConditionFailed: () => new StaleRecord() };
}

/** Runs a read-modify-write until it commits against the state it read (or gives up with `conflict`). */
export async function withFreshRead<T>(attempt: () => Promise<T>, attempts = STALE_ATTEMPTS): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StaleRecord)) throw error;
      if (n >= attempts) throw conflict('This record is being changed by someone else right now; try again.');
      await pause(n);
    }
  }
}

/** Condition on the record's version; records written before versioning count as version 0. */
export function versionCondition(version: number): { expression: string; values: Record<string, number> } {
  return version === 0
    ? { expression: 'attribute_not_exists(version)', values: {} }
    : { expression: 'version = :expectedVersion', values: { ':expectedVersion': version } };
}

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

function cancellationCodes(error: unknown): string[] | undefined {
  if ((error as { name?: string }).name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: ReadonlyArray<{ Code?: string }> }).CancellationReasons;
  return reasons?.map((reason) => reason.Code ?? 'None');
}

function pause(attempt: number): Promise<void> {
  const ms = Math.min(200, 10 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
