// Entity ids: a readable prefix (`op_`, `grp_`, `ch_`, `cat_`) and 96 random bits, so logs show what an id names.
import { randomBytes } from 'node:crypto';

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
