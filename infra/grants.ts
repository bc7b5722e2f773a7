// The grants vocabulary of the route table: what a route's handler may touch in AWS. CDK turns a function's grants
// (the union over the rows it serves) into its IAM policy (infra/stack.ts), and the local stack holds each function
// to its table grants (infra/local/table-grants.ts); nothing else grants a function anything.
import { ITEM_FAMILY_NAMES, type ItemFamily } from '../shared/store/keys';

export interface Grants {
  /**
   * Table access by item family (shared/store/keys.ts `ITEM_FAMILIES`), fenced in IAM by `dynamodb:LeadingKeys`:
   * `read` families may be read (GetItem, BatchGetItem, Query, ConditionCheckItem); `write` families read and written
   * (PutItem, UpdateItem, DeleteItem, BatchWriteItem); `writeOnly` families written blind, never read and never
   * returned by a write (the channel admin stores secrets it may not read back). Never Scan.
   */
  readonly table?: {
    readonly read?: readonly ItemFamily[];
    readonly write?: readonly ItemFamily[];
    readonly writeOnly?: readonly ItemFamily[];
  };
  /**
   * Attachments bucket: `put` stores objects and signs uploads (s3:PutObject), `get` reads, inspects and signs
   * downloads (s3:GetObject), `delete` removes objects (s3:DeleteObject). A copy needs `get` and `put`.
   */
  readonly attachments?: readonly AttachmentAccess[];
  /** SES: send mail from the tenant's identity (transcripts). */
  readonly email?: boolean;
  /** The WebSocket management API of the live stage: push to, inspect and close connections. */
  readonly push?: boolean;
  /** Cognito: create, enable and disable operator logins in the tenant's user pool. */
  readonly logins?: boolean;
  /** S4: send to the timer wake-up queue, which wakes the timers function at a timer's due second. */
  readonly wakeUps?: boolean;
}

export type AttachmentAccess = 'put' | 'get' | 'delete';

/** Grants in one normal form (sorted, no duplicates, a written family not repeated as read), so they compare. */
export interface ResolvedGrants {
  read: ItemFamily[];
  write: ItemFamily[];
  writeOnly: ItemFamily[];
  attachments: AttachmentAccess[];
  email: boolean;
  push: boolean;
  logins: boolean;
  wakeUps: boolean;
}

const byFamilyOrder = (a: ItemFamily, b: ItemFamily) => ITEM_FAMILY_NAMES.indexOf(a) - ITEM_FAMILY_NAMES.indexOf(b);

/** What a function serving all of `grants` gets: their union. */
export function unionOf(grants: readonly Grants[]): ResolvedGrants {
  const reads = new Set(grants.flatMap((g) => g.table?.read ?? []));
  const blind = new Set(grants.flatMap((g) => g.table?.writeOnly ?? []));
  // A family one row reads and another writes blind is read and written by this function.
  const write = new Set([...grants.flatMap((g) => g.table?.write ?? []), ...[...blind].filter((f) => reads.has(f))]);
  const read = [...reads].filter((family) => !write.has(family));
  const writeOnly = [...blind].filter((family) => !write.has(family));
  return {
    read: read.sort(byFamilyOrder),
    write: [...write].sort(byFamilyOrder),
    writeOnly: writeOnly.sort(byFamilyOrder),
    attachments: [...new Set(grants.flatMap((g) => g.attachments ?? []))].sort(),
    email: grants.some((g) => g.email === true),
    push: grants.some((g) => g.push === true),
    logins: grants.some((g) => g.logins === true),
    wakeUps: grants.some((g) => g.wakeUps === true),
  };
}

/** Every family a function with these grants may read (written families are read too: conditions, read-modify-write). */
export const readableFamilies = (grants: ResolvedGrants): ItemFamily[] => [...grants.read, ...grants.write];
/** Every family a function with these grants may write. */
export const writableFamilies = (grants: ResolvedGrants): ItemFamily[] => [...grants.write, ...grants.writeOnly];
