// X3/C1: a client's name as channels send it, normalized on arrival — control and bidirectional-override characters
// removed, whitespace collapsed, at most 256 characters — so what is stored (the "original name") is safe to show.

export const MAX_CLIENT_NAME_LENGTH = 256;
export const UNNAMED_CLIENT = 'Client';

// C0/C1 controls, and the bidi embeddings, overrides and isolates that can reorder what an operator reads.
const UNSAFE = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C]/gu;

export function normalizeClientName(raw: string | undefined): string {
  const cleaned = (raw ?? '').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  const capped = [...cleaned].slice(0, MAX_CLIENT_NAME_LENGTH).join('').trim();
  return capped || UNNAMED_CLIENT;
}
