import { NOT_FOUND_PHRASE, type Citation, type Evidence } from "../../src/contract.js";
import { coverage, termsOf, type QuestionProfile } from "./relevance.js";

/** `path:12-30`, `path:12`, `path#L12-L30`, as models write citations. */
const CITATION = /([\w@./-]+\.[A-Za-z0-9]+|[A-Z][\w-]*)(?::|#L)(\d+)(?:-L?(\d+))?/g;

export function parseCitations(answer: string): Citation[] {
  const seen = new Set<string>();
  const citations: Citation[] = [];
  for (const match of answer.matchAll(CITATION)) {
    const startLine = Number(match[2]);
    const endLine = Number(match[3] ?? match[2]);
    if (!startLine || endLine < startLine) continue;
    const citation = { path: match[1]!.replace(/^\.\//, ""), startLine, endLine };
    const key = `${citation.path}:${startLine}-${endLine}`;
    if (!seen.has(key)) {
      seen.add(key);
      citations.push(citation);
    }
  }
  return citations;
}

export function saysNotFound(answer: string): boolean {
  return answer.toLowerCase().includes(NOT_FOUND_PHRASE);
}

/**
 * Keeps the citations of a model's answer that fall inside retrieved evidence; a citation of
 * something never retrieved is dropped rather than passed on as if it were grounded.
 */
export function groundCitations(answer: string, evidence: readonly Evidence[]) {
  const citations = parseCitations(answer).filter((c) =>
    evidence.some((e) => e.path === c.path && c.startLine >= e.startLine && c.endLine <= e.endLine),
  );
  const cited = evidence.filter((e) => citations.some((c) => c.path === e.path && c.startLine <= e.endLine && e.startLine <= c.endLine));
  return {
    citations,
    notFound: saysNotFound(answer) && citations.length === 0,
    coverage: (profile: QuestionProfile) => coverage(profile, termsOf(cited.map((e) => e.text).join("\n"))),
  };
}
