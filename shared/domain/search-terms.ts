// Search words (M8): how text is folded and cut into words, which words are indexed, and what a valid query is.
// Pure, so the projector that builds the index and the search that reads it agree on every character.
import { invalid } from './errors';

/** Queries and indexed words are at least this long: shorter prefixes would match most of the index. */
export const MIN_QUERY_LENGTH = 3;
/** Longer words are cut here; a query is cut the same way, so a long word still matches itself. */
export const MAX_WORD_LENGTH = 24;
/** Index items are grouped by a word's first letter (few items per batch); the rest is matched inside the item. */
export const BUCKET_LETTERS = 1;

const WORD = /[\p{L}\p{N}]+/gu;
const COMBINING_MARKS = /\p{M}/gu;

/**
 * Case-folded, ё = е, Latin accents dropped (é = e), so "Ёлка", "ёлка" and "елка" are one word. Й keeps its breve:
 * it is a letter of its own in Russian, not an accented И.
 */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .replaceAll('ё', 'е')
    .replaceAll('й', '\u0000')
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .normalize('NFC')
    .replaceAll('\u0000', 'й');
}

/** The distinct indexable words of a text, folded, in order of first appearance; words under 3 letters are skipped. */
export function wordsOf(text: string): string[] {
  const words = new Set<string>();
  for (const match of foldText(text).matchAll(WORD)) {
    const word = match[0].slice(0, MAX_WORD_LENGTH);
    if ([...word].length >= MIN_QUERY_LENGTH) words.add(word);
  }
  return [...words];
}

/** The index bucket of a folded word: its first letters. */
export function bucketOf(word: string): string {
  return [...word].slice(0, BUCKET_LETTERS).join('');
}

export interface SearchTerm {
  /** The folded prefix every matching word starts with. */
  prefix: string;
  /** The index bucket to read (the prefix's first letters). */
  bucket: string;
}

/**
 * M8: a query is matched against word beginnings. Of a several-word query the longest word is used (it is the most
 * selective); a query with no word of 3 letters is refused with reason `query_too_short`.
 */
export function searchTermOf(query: string): SearchTerm {
  const words = [...foldText(query).matchAll(WORD)].map((match) => match[0].slice(0, MAX_WORD_LENGTH));
  let longest = '';
  for (const word of words) if ([...word].length > [...longest].length) longest = word;
  if ([...longest].length < MIN_QUERY_LENGTH) {
    throw invalid(`A search needs a word of at least ${MIN_QUERY_LENGTH} letters.`, { reason: 'query_too_short' });
  }
  return { prefix: longest, bucket: bucketOf(longest) };
}

/** Whether an indexed (folded) word matches the term. */
export function matchesTerm(word: string, term: SearchTerm): boolean {
  return word.startsWith(term.prefix);
}
