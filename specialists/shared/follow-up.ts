import { z } from "zod";
import { fileTypeOf } from "../../src/index/languages.js";
import type { RepositoryIndex } from "../../src/index/repository-index.js";
import { phrasingFactor } from "../../src/index/term-weights.js";
import { indexTerms } from "../../src/index/terms.js";
import type { Turn } from "../types.js";
import { identifiersIn, pathsIn } from "./question.js";

/**
 * Offline follow-up resolution. A chat model reads the conversation and knows what "it" is; the
 * offline router and retrieval see only the words of the question. So when a question leans on
 * an earlier turn (it has a pronoun and next to no subject of its own, or it is a fragment such
 * as "what about the worker?"), the subject of the turn it follows is carried into the text that
 * is routed and searched: the informative words of that turn's question, and the names of the
 * code it cited. The question's own terms are kept apart: they are what is asked anew.
 */

export const FollowUpSchema = z.object({
  /** What is routed and searched: the question, then the carried subject in parentheses. */
  text: z.string(),
  /** The words carried from earlier turns. */
  carried: z.array(z.string()),
  /** The question's own terms (as the index normalizes them): what the follow-up asks about the subject. */
  ownTerms: z.array(z.string()),
});
export type FollowUp = z.infer<typeof FollowUpSchema>;

/** A pronoun that points outside the question. */
const PERSONAL_PRONOUN = /\b(it|its|they|them|their|theirs)\b/i;
/** "this", "that", … standing for a noun rather than before one ("where is that tested?", "how does this work"). */
const DEMONSTRATIVE_PRONOUN =
  /\b(this|that|these|those)\b(?=\s*(?:[?.!,;:]|$)|\s+(?:is|are|was|were|be|do|does|did|has|have|can|could|will|would|should|work|works|happen|happens|mean|means|come|comes|live|lives|get|gets|called|defined|tested|used|implemented|configured|handled|in|on|at|for|from|with|to|of|by)\b)/i;

/** A question with at most this many subject terms of its own is a fragment of the conversation. */
const FRAGMENT_SUBJECT_TERMS = 1;
/** A question with a pronoun and at most this many subject terms leans on an earlier turn for its subject. */
const ANAPHORIC_SUBJECT_TERMS = 2;
const MAX_CARRIED_WORDS = 6;
const CITED_SYMBOLS = 3;

/** Content words the repository uses: not filler, not question phrasing, not unknown to it. */
function isSubjectTerm(index: RepositoryIndex, term: string): boolean {
  const frequency = index.termFrequency(term);
  return term.length > 1 && !/^\d+$/.test(term) && frequency > 0 && phrasingFactor(term, frequency) === 1;
}

function subjectTerms(index: RepositoryIndex, text: string): string[] {
  return [...new Set(indexTerms(text, true))].filter((term) => isSubjectTerm(index, term));
}

/** True when the question cannot stand alone and takes its subject from the turn before it. */
export function isFollowUp(index: RepositoryIndex, question: string): boolean {
  // A question that names code or a file has a subject of its own.
  if (identifiersIn(question).length > 0 || pathsIn(question).length > 0) return false;
  const subjects = subjectTerms(index, question).length;
  const anaphoric = PERSONAL_PRONOUN.test(question) || DEMONSTRATIVE_PRONOUN.test(question);
  return subjects <= FRAGMENT_SUBJECT_TERMS || (anaphoric && subjects <= ANAPHORIC_SUBJECT_TERMS);
}

/** `computeSignature` → ["compute", "Signature"]; `hmac.test.ts` → ["hmac", "test"]. */
function wordsOfName(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

/** The subject of one turn: its question's informative words, then the names of the code it cited. */
function subjectWords(index: RepositoryIndex, turn: Turn): string[] {
  const cited = turn.citations.slice(0, CITED_SYMBOLS).flatMap((citation) => {
    if (fileTypeOf(citation.path)?.category !== "code") return [];
    const symbol = index.enclosingSymbol(citation.path, citation.startLine);
    const file = citation.path.split("/").pop()!.replace(/\.[^.]+$/, "");
    return [...(symbol ? wordsOfName(symbol.name) : []), ...wordsOfName(file)];
  });
  const asked = turn.question.match(/[A-Za-z][A-Za-z0-9_$]*/g) ?? [];
  return [...asked, ...cited].filter((word) => indexTerms(word, true).some((term) => isSubjectTerm(index, term)));
}

/**
 * The question as routing and offline retrieval should read it: unchanged when it stands alone
 * (or there is nothing before it), otherwise with the subject of the turn it follows, traced back
 * through earlier follow-ups ("and where is it tested?" → "how is it configured?" → …).
 */
export function resolveFollowUp(index: RepositoryIndex, question: string, history: readonly Turn[]): FollowUp {
  const ownTerms = [...new Set(indexTerms(question, true))].filter((term) => term.length > 1);
  if (history.length === 0 || !isFollowUp(index, question)) return { text: question, carried: [], ownTerms: [] };
  const seen = new Set(ownTerms);
  const carried: string[] = [];
  for (let i = history.length - 1; i >= 0 && carried.length < MAX_CARRIED_WORDS; i--) {
    const turn = history[i]!;
    for (const word of subjectWords(index, turn)) {
      const terms = indexTerms(word, true);
      if (terms.length === 0 || terms.every((term) => seen.has(term))) continue;
      terms.forEach((term) => seen.add(term));
      carried.push(word);
      if (carried.length === MAX_CARRIED_WORDS) break;
    }
    // An earlier follow-up got its own subject from the turn before it: keep tracing back.
    if (!isFollowUp(index, turn.question)) break;
  }
  if (carried.length === 0) return { text: question, carried: [], ownTerms: [] };
  return { text: `${question} (${carried.join(" ")})`, carried, ownTerms };
}
