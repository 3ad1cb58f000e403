import type { z } from "zod";
import type { Evidence } from "../contract.js";
import type { RepositoryIndex } from "../index/repository-index.js";

export type ToolName =
  | "search_code"
  | "find_symbol"
  | "read_file"
  | "list_files"
  | "search_docs"
  | "parse_stack_trace"
  | "search_errors";

export interface ToolResult {
  evidence: Evidence[];
  /** Structured extras a caller may use (a parsed trace, a match count); evidence is what gets cited. */
  details?: Record<string, unknown>;
}

/** A repository tool: a zod input schema and a description a model can use, over one index. */
export interface RepoTool<Schema extends z.ZodType = z.ZodType> {
  name: ToolName;
  description: string;
  schema: Schema;
  run(index: RepositoryIndex, input: z.output<Schema>): Promise<ToolResult>;
}

export function defineTool<Schema extends z.ZodType>(tool: RepoTool<Schema>): RepoTool<Schema> {
  return tool;
}

/** Evidence text is bounded so one chunk cannot flood a prompt or a response. */
export const MAX_EVIDENCE_LINES = 80;
export const MAX_EVIDENCE_CHARS = 6000;

export function boundText(text: string, maxLines = MAX_EVIDENCE_LINES, maxChars = MAX_EVIDENCE_CHARS): string {
  let lines = text.split("\n");
  if (lines.length > maxLines) lines = lines.slice(0, maxLines);
  let bounded = lines.join("\n");
  if (bounded.length > maxChars) bounded = bounded.slice(0, maxChars);
  return bounded;
}

/** Line range actually covered by a bounded text that starts at `startLine`. */
export function boundedEndLine(startLine: number, endLine: number, text: string): number {
  return Math.min(endLine, startLine + text.split("\n").length - 1);
}

export const round = (score: number) => Math.round(score * 1000) / 1000;
