import type { Evidence } from "../../src/contract.js";
import type { ToolName } from "../../src/tools/tool.js";
import type { StrategyContext } from "../types.js";
import { dependencySection } from "./project-files.js";

/** Runs one tool within the strategy's budget and returns its evidence ([] on error or no budget). */
export async function collect(context: StrategyContext, budget: { left: number }, name: ToolName, args: Record<string, unknown>): Promise<Evidence[]> {
  if (budget.left <= 0 || !context.tools.can(name)) return [];
  if (context.signal?.aborted) throw context.signal.reason ?? new Error("aborted");
  budget.left--;
  const outcome = await context.tools.call(name, args);
  return outcome.ok ? outcome.result.evidence : [];
}

export async function collectDetails(context: StrategyContext, budget: { left: number }, name: ToolName, args: Record<string, unknown>) {
  if (budget.left <= 0 || !context.tools.can(name)) return undefined;
  budget.left--;
  const outcome = await context.tools.call(name, args);
  return outcome.ok ? outcome.result : undefined;
}

/** Reads the dependency section of a manifest (or its start when no section is found). */
export async function readDependencies(context: StrategyContext, budget: { left: number }, manifest: string): Promise<Evidence[]> {
  const lines = (await context.index.fileLines(manifest)) ?? [];
  const section = dependencySection(manifest, lines) ?? { startLine: 1, endLine: 80 };
  return collect(context, budget, "read_file", { path: manifest, ...section });
}
