import type { Evidence, ToolCallRecord } from "../contract.js";
import { isAppError } from "../errors.js";
import type { RepositoryIndex } from "../index/repository-index.js";
import { withSpan } from "../tracing/spans.js";
import { runTool, type ToolName, type ToolResult } from "./registry.js";

export type ToolOutcome = { ok: true; result: ToolResult } | { ok: false; error: string };

/**
 * The tools one agent may use during one request: it enforces the agent's tool subset, opens a tool
 * observation per call, and records every call (arguments, duration, result count) for the result.
 * Tool failures are returned, not thrown, so an agent can read the error and try something else.
 */
export class ToolSession {
  readonly calls: ToolCallRecord[] = [];
  /** Every evidence item returned so far, in call order: what answers may cite. */
  readonly evidence: Evidence[] = [];

  constructor(
    private readonly index: RepositoryIndex,
    readonly allowed: readonly ToolName[],
    private readonly node: string,
  ) {}

  can(name: ToolName): boolean {
    return this.allowed.includes(name);
  }

  async call(name: ToolName, args: Record<string, unknown>): Promise<ToolOutcome> {
    const started = performance.now();
    const outcome = await withSpan(name, "tool", async (span): Promise<ToolOutcome> => {
      span.update({ input: args, metadata: { node: this.node } });
      if (!this.can(name)) {
        const error = `tool ${name} is not available to ${this.node}; available: ${this.allowed.join(", ")}`;
        span.update({ level: "WARNING", statusMessage: error });
        return { ok: false, error };
      }
      try {
        const result = await runTool(this.index, name, args);
        span.update({
          output: { evidenceCount: result.evidence.length, paths: [...new Set(result.evidence.map((e) => e.path))] },
          metadata: { node: this.node, durationMs: Math.round(performance.now() - started) },
        });
        return { ok: true, result };
      } catch (error) {
        if (!isAppError(error)) throw error;
        span.update({ level: "WARNING", statusMessage: `${error.code}: ${error.message}` });
        return { ok: false, error: `${error.code}: ${error.message}` };
      }
    });
    if (outcome.ok) this.evidence.push(...outcome.result.evidence);
    this.calls.push({
      name,
      args,
      ms: Math.round((performance.now() - started) * 100) / 100,
      resultCount: outcome.ok ? outcome.result.evidence.length : 0,
      node: this.node,
      ...(outcome.ok ? {} : { error: outcome.error }),
    });
    return outcome;
  }
}
