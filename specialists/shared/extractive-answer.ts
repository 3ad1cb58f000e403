import { NOT_FOUND_PHRASE, type Citation, type Evidence } from "../../src/contract.js";
import { fileTypeOf } from "../../src/index/languages.js";
import { isTestPath } from "../../src/index/path-kinds.js";
import { coverage, evidenceTerms, isMarkupLine, lineScores, missingTerms, type QuestionProfile } from "./relevance.js";

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
  /** Evidence quoted whatever its coverage, after the primary block. */
  pinned?: readonly Evidence[];
  /** Below this share of the question's weight, the answer is "not found". */
  minCoverage: number;
  /** True when the question asks about tests, so test files are not ranked down. */
  aboutTests?: boolean;
  /** Names in the question the repository never mentions: the answer is "not found". */
  absentNames?: readonly string[];
  /**
   * A follow-up's own terms (the rest of the profile is the subject carried from the turn before):
   * the primary block comes from evidence that mentions one of them, when such evidence covers
   * enough of the question. Otherwise "where is it tested?" would quote the code asked about before.
   */
  followUpTerms?: readonly string[];
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
const PINNED_LINES = 16;
const TEST_COVERAGE_WEIGHT = 0.7;
/** A second file counts as an alternative source when it covers this share of what the primary covers. */
const ALTERNATIVE_SOURCE_COVERAGE = 0.95;
/** A further block is added only when it covers at least this share of the question's weight anew. */
const MIN_MARGINAL_GAIN = 0.1;
/** Evidence for a further block must itself reach this share of the coverage threshold. */
const SECONDARY_MIN_COVERAGE_SHARE = 0.5;
/** The primary block is the first evidence covering at least this share of the best coverage. */
const PRIMARY_RELATIVE_COVERAGE = 0.8;
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
  const skippable = (line: string) => !line.trim() || isMarkupLine(line);
  while (last > first && skippable(lines[last]!)) last--;
  while (first < last && skippable(lines[first]!)) first++;
  return { evidence, startLine: evidence.startLine + first, endLine: evidence.startLine + last, lines: lines.slice(first, last + 1) };
}

function blockTerms(block: Block): ReadonlySet<string> {
  return evidenceTerms({ ...block.evidence, text: block.lines.join("\n") });
}

function quotedTerms(blocks: readonly Block[]): Set<string> {
  return new Set(blocks.flatMap((block) => [...blockTerms(block)]));
}

/** The part of the question the given terms do not cover yet. */
function restrictProfile(profile: QuestionProfile, covered: ReadonlySet<string>): QuestionProfile {
  const weights = new Map([...profile.weights].filter(([term]) => !covered.has(term)));
  return { weights, total: [...weights.values()].reduce((sum, w) => sum + w, 0) };
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

const quoteAll = (terms: readonly string[]) => terms.map((t) => `“${t}”`).join(", ");

export function notFoundAnswer(missing: readonly string[], absent: readonly string[] = []): string {
  if (absent.length > 0) return `The answer was ${NOT_FOUND_PHRASE}: it never mentions ${quoteAll(absent)}.`;
  const about = missing.length > 0 ? `: no indexed file covers ${quoteAll(missing)}` : "";
  return `The answer was ${NOT_FOUND_PHRASE}${about}.`;
}

export function composeExtractiveAnswer(options: ComposeOptions): ComposedAnswer {
  const { profile, minCoverage } = options;
  // Evidence stays in the strategy's order (its tools' own ranking); coverage filters it. Tests
  // repeat the words of the code they test, so they count for less unless the question is about tests.
  const testWeight = options.aboutTests ? 1 : TEST_COVERAGE_WEIGHT;
  const scored = options.evidence.map((item) => ({
    evidence: item,
    coverage: coverage(profile, evidenceTerms(item)) * (isTestPath(item.path) ? testWeight : 1),
  }));
  const bestCoverage = Math.max(0, ...scored.map((s) => s.coverage));
  const allTerms = new Set(options.evidence.flatMap((e) => [...evidenceTerms(e)]));
  const absent = options.strongSignal ? [] : (options.absentNames ?? []);
  if (scored.length === 0 || absent.length > 0 || (!options.strongSignal && bestCoverage < minCoverage)) {
    return { answer: notFoundAnswer(missingTerms(profile, allTerms), absent), citations: [], notFound: true, coverage: bestCoverage };
  }

  // A strong signal (a stack frame) leads even when its wording covers less of the question;
  // otherwise the first item that covers nearly as much as the best one does.
  const askedAnew = new Set(options.followUpTerms ?? []);
  const onTheFollowUp = scored.filter((s) => s.coverage >= minCoverage && [...evidenceTerms(s.evidence)].some((term) => askedAnew.has(term)));
  const candidates = onTheFollowUp.length > 0 ? onTheFollowUp : scored;
  const bestCandidate = Math.max(...candidates.map((s) => s.coverage));
  const primary = options.strongSignal ? scored[0]! : candidates.find((s) => s.coverage >= bestCandidate * PRIMARY_RELATIVE_COVERAGE)!;
  const blocks: Block[] = [bestWindow(primary.evidence, profile, PRIMARY_LINES)];
  for (const item of options.pinned ?? []) {
    if (item !== primary.evidence) blocks.push(bestWindow(item, profile, PINNED_LINES));
  }
  const maxBlocks = (options.maxBlocks ?? 3) + blocks.length - 1;
  // Further blocks answer what the quoted lines do not yet cover (a multi-part question's other
  // parts), chosen greedily by the weight of the question terms they add.
  while (blocks.length < maxBlocks) {
    const covered = quotedTerms(blocks);
    const remaining = restrictProfile(profile, covered);
    if (remaining.total < profile.total * MIN_MARGINAL_GAIN) break;
    let best: { block: Block; gain: number } | undefined;
    for (const candidate of scored) {
      if (candidate.evidence === primary.evidence || candidate.coverage < minCoverage * SECONDARY_MIN_COVERAGE_SHARE) continue;
      const block = bestWindow(candidate.evidence, remaining, SECONDARY_LINES);
      if (blocks.some((b) => b.evidence.path === block.evidence.path && block.startLine <= b.endLine && b.startLine <= block.endLine)) continue;
      const gain = coverage(remaining, blockTerms(block)) * remaining.total;
      if (!best || gain > best.gain) best = { block, gain };
    }
    if (!best || best.gain < profile.total * MIN_MARGINAL_GAIN) break;
    blocks.push(best.block);
  }
  // Another file that covers the question as fully as the primary is a second source worth quoting
  // (a charter that defines "lead maintainers" and a README that names them).
  const alternative = scored.find(
    (candidate) =>
      candidate.evidence.path !== primary.evidence.path &&
      candidate.coverage >= primary.coverage * ALTERNATIVE_SOURCE_COVERAGE &&
      !blocks.some((b) => b.evidence.path === candidate.evidence.path),
  );
  if (alternative && blocks.length < maxBlocks) blocks.push(bestWindow(alternative.evidence, profile, SECONDARY_LINES));

  const quoted = quotedTerms(blocks);
  const parts = [options.lead, ...blocks.map(formatBlock)].filter(Boolean);
  return {
    answer: parts.join("\n\n"),
    citations: blocks.map((b) => ({ path: b.evidence.path, startLine: b.startLine, endLine: b.endLine })),
    notFound: false,
    coverage: coverage(profile, quoted),
  };
}
