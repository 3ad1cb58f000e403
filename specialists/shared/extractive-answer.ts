import { NOT_FOUND_PHRASE, type Citation, type Evidence } from "../../src/contract.js";
import { fileTypeOf } from "../../src/index/languages.js";
import { rankByCoverage } from "./evidence-ranking.js";
import { coverage, evidenceTerms, lineScores, missingTerms, type QuestionProfile } from "./relevance.js";

/**
 * The offline answer: the key lines of the best evidence, quoted verbatim, each block cited as
 * `path:start-end`. Nothing is paraphrased or invented; when the evidence does not cover the
 * question the answer says it was not found.
 */

export interface ComposeOptions {
  profile: QuestionProfile;
  evidence: readonly Evidence[];
  /** A grounded opening sentence from the strategy (e.g. the parsed error and its frame). */
  lead?: string;
  /** Evidence that answers by itself (a mapped stack frame) skips the coverage threshold. */
  strongSignal?: boolean;
  /** Below this share of the question's weight, the answer is "not found". */
  minCoverage: number;
  maxBlocks?: number;
}

export interface ComposedAnswer {
  answer: string;
  citations: Citation[];
  notFound: boolean;
  coverage: number;
}

const PRIMARY_LINES = 14;
const SECONDARY_LINES = 8;
/** A secondary block must cover at least this share of what the primary block covers. */
const SECONDARY_RELATIVE_COVERAGE = 0.6;
/** Keep a definition's first line when the best window starts this close below it. */
const SIGNATURE_REACH = 6;

interface Block {
  evidence: Evidence;
  startLine: number;
  endLine: number;
  lines: string[];
}

/** The contiguous window of at most `maxLines` lines with the highest score, trimmed of empty edges. */
function bestWindow(evidence: Evidence, profile: QuestionProfile, maxLines: number): Block {
  const lines = evidence.text.split("\n");
  const scores = lineScores(profile, lines);
  const length = Math.min(maxLines, lines.length);
  let bestStart = 0;
  let bestScore = -1;
  let running = scores.slice(0, length).reduce((a, b) => a + b, 0);
  for (let start = 0; start + length <= lines.length; start++) {
    if (start > 0) running += scores[start + length - 1]! - scores[start - 1]!;
    if (running > bestScore) {
      bestScore = running;
      bestStart = start;
    }
  }
  let first = bestStart;
  let last = bestStart + length - 1;
  // A symbol's signature line says what the quoted body belongs to.
  if (evidence.symbol && first > 0 && first <= SIGNATURE_REACH) first = 0;
  while (last > first && !lines[last]!.trim()) last--;
  while (first < last && !lines[first]!.trim()) first++;
  return { evidence, startLine: evidence.startLine + first, endLine: evidence.startLine + last, lines: lines.slice(first, last + 1) };
}

function fenceLanguage(path: string): string {
  const type = fileTypeOf(path);
  return type?.category === "code" ? type.language : "";
}

function isProse(evidence: Evidence): boolean {
  const type = fileTypeOf(evidence.path);
  return evidence.kind === "doc" || type?.category === "doc";
}

function formatBlock(block: Block): string {
  const { evidence } = block;
  const where = `${evidence.path}:${block.startLine}-${block.endLine}`;
  const heading = evidence.symbol ? `\`${evidence.symbol}\` in ${evidence.path}` : evidence.path;
  const body = isProse(evidence)
    ? block.lines.map((line) => `> ${line}`).join("\n")
    : ["```" + fenceLanguage(evidence.path), ...block.lines, "```"].join("\n");
  return `${heading} (${where}):\n${body}`;
}

export function notFoundAnswer(missing: readonly string[]): string {
  const about = missing.length > 0 ? `: no indexed file covers ${missing.map((t) => `“${t}”`).join(", ")}` : "";
  return `The answer was ${NOT_FOUND_PHRASE}${about}.`;
}

export function composeExtractiveAnswer(options: ComposeOptions): ComposedAnswer {
  const { profile, minCoverage } = options;
  const ranked = rankByCoverage(profile, options.evidence);
  const best = ranked[0];
  const allTerms = new Set(options.evidence.flatMap((e) => [...evidenceTerms(e)]));
  if (!best || (!options.strongSignal && best.coverage < minCoverage)) {
    return { answer: notFoundAnswer(missingTerms(profile, allTerms)), citations: [], notFound: true, coverage: best?.coverage ?? 0 };
  }

  // A strong signal (a stack frame) leads even when its wording covers less of the question.
  const primary = options.strongSignal ? { evidence: options.evidence[0]!, coverage: coverage(profile, evidenceTerms(options.evidence[0]!)) } : best;
  const blocks: Block[] = [bestWindow(primary.evidence, profile, PRIMARY_LINES)];
  const maxBlocks = options.maxBlocks ?? 3;
  for (const candidate of ranked) {
    if (blocks.length >= maxBlocks) break;
    if (candidate.evidence === primary.evidence) continue;
    if (candidate.coverage < Math.max(minCoverage, primary.coverage * SECONDARY_RELATIVE_COVERAGE)) continue;
    const block = bestWindow(candidate.evidence, profile, SECONDARY_LINES);
    const overlaps = blocks.some((b) => b.evidence.path === block.evidence.path && block.startLine <= b.endLine && b.startLine <= block.endLine);
    if (!overlaps) blocks.push(block);
  }

  const quoted = new Set(blocks.flatMap((b) => [...evidenceTerms({ ...b.evidence, text: b.lines.join("\n") })]));
  const parts = [options.lead, ...blocks.map(formatBlock)].filter(Boolean);
  return {
    answer: parts.join("\n\n"),
    citations: blocks.map((b) => ({ path: b.evidence.path, startLine: b.startLine, endLine: b.endLine })),
    notFound: false,
    coverage: coverage(profile, quoted),
  };
}
