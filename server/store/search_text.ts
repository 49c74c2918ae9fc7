/**
 * How SEARCH text becomes what a store matches: words split on white space, each matched on its
 * own (all must be present). SQLite hands them to FTS5 as quoted strings, so nothing a client
 * types is FTS5 query syntax (no AND/OR/NEAR, no column filters, no `*`, no syntax errors);
 * Redis compares them as case-insensitive substrings.
 *
 * @module
 */

/** Words a search may ask for, at most: each one is a term lookup in the index. */
export const MAX_SEARCH_WORDS = 16;

/** The words of a search text, or why they cannot be searched for. */
export function searchWords(text: string): string[] | { problem: string } {
  // a word without a letter or digit is no FTS5 token: it could only match nothing
  const words = text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length === 0) {
    return { problem: "The text has no letters or digits to search for" };
  }
  if (words.length > MAX_SEARCH_WORDS) {
    return { problem: `At most ${MAX_SEARCH_WORDS} words` };
  }
  return words;
}

/**
 * An FTS5 MATCH expression asking for every word: each one a string in double quotes (an
 * embedded quote doubled), which FTS5 reads as a phrase of that word's tokens and never as
 * operators.
 */
export function ftsMatch(words: readonly string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"`).join(" ");
}

/** True when `text` contains every word, ignoring case (the Redis store's match). */
export function containsWords(text: string, words: readonly string[]): boolean {
  const folded = text.toLowerCase();
  return words.every((w) => folded.includes(w.toLowerCase()));
}
