// Message tag names (M7): how a typed tag becomes the key that groups messages, so "Complaint" and " complaint "
// are one tag. Pure.
import { invalid } from './errors';

export const MAX_TAG_LENGTH = 50;

/** The display form: trimmed, inner spaces collapsed, NFKC. */
export function tagDisplayName(typed: string): string {
  const name = typed.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (name.length === 0) throw invalid('tag: must not be empty');
  if (name.length > MAX_TAG_LENGTH) throw invalid(`tag: must be at most ${MAX_TAG_LENGTH} characters`);
  if (/[\p{Cc}\p{Cf}]/u.test(name)) throw invalid('tag: must not contain control characters');
  return name;
}

/** The key a tag is stored and counted under: its display form, case-folded. */
export function tagKeyOf(typed: string): string {
  return tagDisplayName(typed).toLowerCase();
}
