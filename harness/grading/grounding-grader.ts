import { z } from "zod";
import { CitationSchema } from "../../src/contract.js";
import type { RunRecord } from "../run-log-schema.js";
import { normalizePath, pathRefersTo } from "./paths.js";
import { defineGrader } from "./types.js";

export const GroundingGradeSchema = z.object({
  /** Structured citations not inside any evidence range. */
  unsupportedCitations: z.array(CitationSchema),
  /** `path:line` / `path:start-end` / `path#Lstart-Lend` locations written in the answer text and not inside evidence. */
  unsupportedClaims: z.array(z.string()),
  /** Quoted lines (fenced code or blockquote) in the answer that appear in no evidence text. */
  unsupportedQuotes: z.array(z.string()),
  hallucinated: z.boolean(),
});
export type GroundingGrade = z.infer<typeof GroundingGradeSchema>;

type Range = { start: number; end: number };

/** Evidence ranges per path, merged when overlapping or adjacent, so a citation spanning two touching chunks is supported. */
function evidenceRanges(record: RunRecord): Map<string, Range[]> {
  const byPath = new Map<string, Range[]>();
  for (const item of record.evidence) {
    const path = normalizePath(item.path);
    const list = byPath.get(path) ?? [];
    list.push({ start: Math.min(item.startLine, item.endLine), end: Math.max(item.startLine, item.endLine) });
    byPath.set(path, list);
  }
  for (const [path, list] of byPath) {
    list.sort((a, b) => a.start - b.start);
    const merged: Range[] = [];
    for (const range of list) {
      const last = merged[merged.length - 1];
      if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
      else merged.push({ ...range });
    }
    byPath.set(path, merged);
  }
  return byPath;
}

function locationSupported(ranges: Map<string, Range[]>, path: string, start: number, end: number, exactPath: boolean): boolean {
  for (const [evidencePath, list] of ranges) {
    const samePath = exactPath ? evidencePath === normalizePath(path) : pathRefersTo(path, evidencePath);
    if (samePath && list.some((range) => range.start <= start && end <= range.end)) return true;
  }
  return false;
}

/**
 * File extensions that make `name.ext:N` a claimed source location. Restricting to these keeps
 * host:port strings ("example.com:8080") and times ("10:30") from being read as citations.
 */
const SOURCE_EXTENSIONS =
  "ts|tsx|js|jsx|mjs|cjs|mts|cts|json|jsonc|md|mdx|rst|txt|py|go|rs|java|kt|kts|rb|php|c|h|cc|cpp|hpp|cs|swift|scala|sh|bash|zsh|sql|html|css|scss|vue|svelte|yaml|yml|toml|ini|cfg|conf|xml|gradle|proto|graphql|lock|env|log|dockerfile";
const CLAIM_PATTERN = new RegExp(
  String.raw`(?<![\w/.:-])((?:[\w.-]+/)*[\w.-]+\.(?:${SOURCE_EXTENSIONS}))(?::(\d+)(?:[-–](\d+))?|#L(\d+)(?:-L(\d+))?)`,
  "gi",
);

export interface ClaimedLocation {
  text: string;
  path: string;
  start: number;
  end: number;
}

export function claimedLocations(answer: string): ClaimedLocation[] {
  const claims: ClaimedLocation[] = [];
  for (const match of answer.matchAll(CLAIM_PATTERN)) {
    const startText = match[2] ?? match[4];
    if (!startText || !match[1]) continue;
    const start = Number(startText);
    const endText = match[3] ?? match[5];
    const end = endText ? Number(endText) : start;
    claims.push({ text: match[0], path: match[1], start: Math.min(start, end), end: Math.max(start, end) });
  }
  return claims;
}

const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

/**
 * Lines an answer presents as quotes: lines of fenced code blocks (fences open at the start of a
 * line, as Markdown requires) and blockquote lines ("> ..."). After stripping a leading "12:" /
 * "12 |" line number and the "> " marker, a quote counts when it has at least 12 characters and a
 * letter or digit (so "});" or "..." never count). Fence markers inside a blockquote are not fences.
 */
export function quotedLines(answer: string): string[] {
  const lines: string[] = [];
  const keep = (raw: string) => {
    const line = collapse(raw.replace(/^\s*\d+\s*[:|]\s?/, ""));
    if (line.length >= 12 && /[A-Za-z0-9]/.test(line) && !/^(?:\.\.\.|…|```)/.test(line)) lines.push(line);
  };
  let inFence = false;
  for (const raw of answer.split("\n")) {
    if (/^ {0,3}(```|~~~)/.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) keep(raw);
    else if (/^ {0,3}>/.test(raw)) keep(raw.replace(/^ {0,3}> ?/, ""));
  }
  return lines;
}

/**
 * Grounding check. A citation or claimed location is supported when it lies inside one (merged)
 * evidence range of the same file. A quoted line is supported when it occurs, whitespace-collapsed,
 * in some evidence text. Claims and quotes that already appear in the question are exempt: repeating
 * the user's own stack trace or snippet is not invention.
 */
export const groundingGrader = defineGrader({
  name: "grounding",
  schema: GroundingGradeSchema,
  grade({ record }): GroundingGrade {
    const ranges = evidenceRanges(record);
    const unsupportedCitations = record.citations.filter(
      (citation) => !locationSupported(ranges, citation.path, citation.startLine, citation.endLine, true),
    );
    const question = collapse(record.question);
    const unsupportedClaims = claimedLocations(record.answer)
      .filter((claim) => !question.includes(claim.text) && !locationSupported(ranges, claim.path, claim.start, claim.end, false))
      .map((claim) => claim.text);
    const evidenceText = record.evidence.map((item) => collapse(item.text));
    const unsupportedQuotes = quotedLines(record.answer).filter(
      (line) => !question.includes(line) && !evidenceText.some((text) => text.includes(line)),
    );
    return {
      unsupportedCitations,
      unsupportedClaims,
      unsupportedQuotes,
      hallucinated: unsupportedCitations.length + unsupportedClaims.length + unsupportedQuotes.length > 0,
    };
  },
});
