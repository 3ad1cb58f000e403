import { stemmer } from "stemmer";
import { tokenizeCode } from "./tokenize.js";

/** Terms as the index stores them: code-aware tokens, plain words stemmed. */

const stems = new Map<string, string>();

/** Stems plain words so "retries" finds "retry"; identifiers with digits or separators stay whole. */
export function normalizeTerm(term: string): string {
  if (term.length <= 3 || !/^[a-z]+$/.test(term)) return term;
  let stem = stems.get(term);
  if (stem === undefined) {
    if (stems.size > 200_000) stems.clear(); // vocabularies are bounded in practice; this bounds memory anyway
    stem = stemmer(term);
    stems.set(term, stem);
  }
  return stem;
}

/** The terms a text contributes to the index, normalized as the index stores them. */
export function indexTerms(text: string, dropStopwords = false): string[] {
  return tokenizeCode(text, dropStopwords).map(normalizeTerm);
}

