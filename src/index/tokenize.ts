/**
 * Code-aware tokenization shared by the search index and the router's features.
 *
 * One raw token such as `parseRetryPolicy`, `MAX_RETRY_COUNT`, `src/queue/worker.ts` or `E_QUOTA_EXCEEDED`
 * is kept whole (so exact identifiers and error codes match) and also split into its parts
 * (so `retry policy` finds `parseRetryPolicy`).
 */

const RAW_TOKEN = /[A-Za-z0-9_$]+(?:[.\-/][A-Za-z0-9_$]+)*/g;
const CAMEL_BOUNDARY = /([a-z0-9])([A-Z])|([A-Z]+)([A-Z][a-z])/g;

const STOPWORDS = new Set(
  (
    "a an and are as at be by do does for from how i in is it its me my of on or so that the their them then " +
    "there these this to was what when where which who why will with you your can could should would we our " +
    "us into about any all some has have had not no yes than too very just also get got"
  ).split(" "),
);

export function isStopword(token: string): boolean {
  return STOPWORDS.has(token);
}

const splitCache = new Map<string, string[]>();

function splitIdentifier(identifier: string): string[] {
  let parts = splitCache.get(identifier);
  if (parts === undefined) {
    if (splitCache.size > 200_000) splitCache.clear(); // bounds memory on huge vocabularies
    parts = splitIdentifierUncached(identifier);
    splitCache.set(identifier, parts);
  }
  return parts;
}

function splitIdentifierUncached(identifier: string): string[] {
  return identifier
    .replace(CAMEL_BOUNDARY, (_m, a, b, c, d) => (a ? `${a} ${b}` : `${c} ${d}`))
    .split(/[_$\s]+/)
    .filter(Boolean);
}

/**
 * Tokens for indexing and querying: lowercase, whole compound tokens plus their parts.
 * Stopwords are dropped only when `dropStopwords` is set (queries), never from compound tokens.
 */
export function tokenizeCode(text: string, dropStopwords = false): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(RAW_TOKEN)) {
    const raw = match[0];
    const segments = raw.split(/[.\-/]/).filter(Boolean);
    const isCompound = segments.length > 1;
    if (isCompound) out.push(raw.toLowerCase());
    for (const segment of segments) {
      const parts = splitIdentifier(segment);
      const lower = segment.toLowerCase();
      if (parts.length > 1 || !(dropStopwords && isStopword(lower))) out.push(lower);
      if (parts.length > 1) {
        for (const part of parts) {
          const p = part.toLowerCase();
          if (p.length > 1 && !(dropStopwords && isStopword(p))) out.push(p);
        }
      }
    }
  }
  return out;
}
