import type { Evidence } from "../../src/contract.js";
import { coverage, evidenceTerms, type QuestionProfile } from "./relevance.js";

/** Removes evidence that repeats a range already held for the same file (keeps the first). */
export function dedupeEvidence(evidence: readonly Evidence[]): Evidence[] {
  const kept: Evidence[] = [];
  for (const item of evidence) {
    const overlapping = kept.find(
      (k) => k.path === item.path && item.startLine <= k.endLine && k.startLine <= item.endLine && (item.startLine >= k.startLine && item.endLine <= k.endLine),
    );
    if (!overlapping) kept.push(item);
  }
  return kept;
}

/**
 * Orders evidence by how well it covers the question, keeping each tool's own order as a tie
 * breaker (a tool's first hit stays ahead of its third at equal coverage).
 */
export function rankByCoverage(profile: QuestionProfile, evidence: readonly Evidence[]): Array<{ evidence: Evidence; coverage: number }> {
  return evidence
    .map((item, position) => ({ evidence: item, coverage: coverage(profile, evidenceTerms(item)), position }))
    .sort((a, b) => b.coverage - a.coverage || a.position - b.position)
    .map(({ evidence: item, coverage: c }) => ({ evidence: item, coverage: c }));
}
