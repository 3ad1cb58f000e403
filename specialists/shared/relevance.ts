import { LRUCache } from "lru-cache";
import type { Evidence } from "../../src/contract.js";
import type { RepositoryIndex } from "../../src/index/repository-index.js";
import { indexTerms, type Vocabulary } from "../../src/index/search-engine.js";
import { phrasingFactor } from "../../src/index/term-weights.js";

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
    weights.set(term, informative * phrasingFactor(term, index.termFrequency(term)));
  }
  const kept = [...weights].sort((a, b) => b[1] - a[1]).slice(0, MAX_TERMS);
  const map = new Map(kept);
  return { weights: map, total: kept.reduce((sum, [, w]) => sum + w, 0) };
}

/**
 * Lines of a repository are scored again for every question that retrieves them; their terms never
 * change. Bounded by entries and by the text they key (in UTF-16 units).
 */
const termsByText = new LRUCache<string, ReadonlySet<string>>({ max: 100_000, maxSize: 32 * 1024 * 1024, sizeCalculation: (_terms, text) => text.length + 64 });
const CACHED_TEXT_LENGTH = 8_192;

export function termsOf(text: string): ReadonlySet<string> {
  if (text.length > CACHED_TEXT_LENGTH) return new Set(indexTerms(text));
  let terms = termsByText.get(text);
  if (!terms) {
    terms = new Set(indexTerms(text));
    termsByText.set(text, terms);
  }
  return terms;
}

/** Share of the question's weight whose terms occur in the given texts. */
export function coverage(profile: QuestionProfile, terms: ReadonlySet<string>): number {
  if (profile.total === 0) return 0;
  let covered = 0;
  for (const [term, weight] of profile.weights) if (terms.has(term)) covered += weight;
  return covered / profile.total;
}

const termsByEvidence = new WeakMap<Evidence, ReadonlySet<string>>();

/** The terms of an evidence item (its path, symbol and text); computed once per item. */
export function evidenceTerms(evidence: Evidence): ReadonlySet<string> {
  let terms = termsByEvidence.get(evidence);
  if (!terms) {
    terms = termsOf(`${evidence.path} ${evidence.symbol ?? ""}\n${evidence.text}`);
    termsByEvidence.set(evidence, terms);
  }
  return terms;
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
