import { z } from "zod";
import { AppError } from "../errors.js";
import type { RepositoryIndex } from "../index/repository-index.js";
import { findSymbol } from "./find-symbol.js";
import { listFiles } from "./list-files.js";
import { parseStackTraceTool } from "./parse-stack-trace.js";
import { readFileTool } from "./read-file.js";
import { searchCode, searchDocs } from "./search-code.js";
import { searchErrors } from "./search-errors.js";
import type { RepoTool, ToolName, ToolResult } from "./tool.js";

export type { RepoTool, ToolName, ToolResult } from "./tool.js";

export const TOOLS: Readonly<Record<ToolName, RepoTool>> = {
  search_code: searchCode,
  find_symbol: findSymbol,
  read_file: readFileTool,
  list_files: listFiles,
  search_docs: searchDocs,
  parse_stack_trace: parseStackTraceTool,
  search_errors: searchErrors,
} as Record<ToolName, RepoTool>;

export const TOOL_NAMES = Object.keys(TOOLS) as ToolName[];

/** Validates raw arguments (from a model or a caller) and runs the tool. */
export async function runTool(index: RepositoryIndex, name: ToolName, rawArgs: unknown): Promise<ToolResult> {
  const tool = TOOLS[name];
  if (!tool) throw new AppError("INVALID_TOOL_INPUT", `Unknown tool "${String(name)}". Tools: ${TOOL_NAMES.join(", ")}.`);
  const parsed = tool.schema.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    throw new AppError("INVALID_TOOL_INPUT", `${name}: ${z.prettifyError(parsed.error).replace(/\n/g, "; ")}`);
  }
  return tool.run(index, parsed.data);
}
