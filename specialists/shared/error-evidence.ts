import type { Evidence } from "../../src/contract.js";
import type { GatheredEvidence, StrategyContext } from "../types.js";
import { collectDetails } from "./gather.js";
import { looksLikeError, looksLikeTrace } from "./question.js";

interface TraceDetails {
  errorType?: string;
  errorCode?: string;
  message?: string;
  frames?: Array<{ mappedPath?: string; line: number; symbol?: string; inRepository: boolean }>;
}

interface SiteDetails {
  sites?: Array<{ path: string; line: number; role: string; term: string }>;
}

/**
 * A saved log in the repository (the same program's output on another day, with the same messages
 * and codes) covers every word of a pasted log line, so it would be quoted first, yet it explains
 * nothing: it is dropped, unless the question names the file ("the full log is in logs/ci.log").
 */
export function withoutEchoes(evidence: readonly Evidence[], question: string): Evidence[] {
  return evidence.filter((item) => !/\.log$/i.test(item.path) || question.includes(item.path));
}

/** "`SignatureError` (E_SIGNATURE_MISMATCH): bad signature" — only what the parsed trace says. */
function describeError(trace: TraceDetails): string | undefined {
  if (!trace.errorType && !trace.errorCode) return undefined;
  const name = trace.errorType ? `\`${trace.errorType}\`` : `\`${trace.errorCode}\``;
  const code = trace.errorType && trace.errorCode ? ` (${trace.errorCode})` : "";
  const message = trace.message ? `: ${trace.message}` : "";
  return `${name}${code}${message}`;
}

/**
 * Evidence for a pasted error: the repository frames of a trace (a strong signal: the answer is
 * there whatever its wording), and where the error's code or class is defined or raised (pinned:
 * "where does this come from" belongs in the answer). Used by the debug specialist and by the
 * baseline's single agent alike.
 */
export async function gatherErrorEvidence(context: StrategyContext, budget: { left: number }): Promise<Required<Pick<GatheredEvidence, "evidence" | "pinned" | "strongSignal">> & Pick<GatheredEvidence, "lead">> {
  const evidence: Evidence[] = [];
  const pinned: Evidence[] = [];
  let lead: string | undefined;
  let strongSignal = false;

  if (looksLikeTrace(context.question)) {
    const result = await collectDetails(context, budget, "parse_stack_trace", { text: context.question });
    const trace = (result?.details ?? {}) as TraceDetails;
    const frame = trace.frames?.find((f) => f.inRepository && f.mappedPath);
    if (result && result.evidence.length > 0 && frame) {
      evidence.push(...result.evidence);
      strongSignal = true;
      const where = frame.symbol ? ` in \`${frame.symbol}\`` : "";
      const error = describeError(trace);
      lead = `${error ? `${error} — raised` : "Raised"}${where} at ${frame.mappedPath}:${frame.line}.`;
    }
  }
  if (looksLikeError(context.question)) {
    const result = await collectDetails(context, budget, "search_errors", { text: context.question.slice(0, 20_000) });
    if (result) {
      evidence.push(...withoutEchoes(result.evidence, context.question));
      // Where the error code or class itself is defined or raised answers "where does this come from".
      const site = (result.details as SiteDetails | undefined)?.sites?.find((s) => (s.role === "definition" || s.role === "throw") && !s.term.includes(" "));
      const siteEvidence = site && result.evidence.find((e) => e.path === site.path && site.line >= e.startLine && site.line <= e.endLine);
      if (site && siteEvidence) {
        pinned.push(siteEvidence);
        strongSignal = true;
        lead ??= `\`${site.term}\` is ${site.role === "definition" ? "defined" : "raised"} at ${site.path}:${site.line}.`;
      }
    }
  }
  return { evidence, pinned, strongSignal, ...(lead ? { lead } : {}) };
}
