import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Evidence, RunProgressEvent, ToolCallRecord } from "../contract.js";
import { isAppError } from "../errors.js";
import type { RepositoryIndex } from "../index/repository-index.js";
import { withSpan } from "../tracing/spans.js";
import { runTool, type ToolName, type ToolResult } from "./registry.js";

export type ToolOutcome = { ok: true; result: ToolResult } | { ok: false; error: string };

/**
 * The graph run this call belongs to, if a graph node is making it (LangGraph keeps the node's
 * config in async-local storage): its signal, and the writer of its `custom` stream.
 */
function currentGraphRun(): Pick<LangGraphRunnableConfig, "signal" | "writer"> | undefined {
  return AsyncLocalStorageProviderSingleton.getRunnableConfig() as LangGraphRunnableConfig | undefined;
}

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

  /**
   * Runs one tool call. Inside a graph run, a call after the run was cancelled throws instead of
   * running, so no tool works for a client that is gone; and every call is reported to the run's
   * stream as it starts and as it ends.
   */
  async call(name: ToolName, args: Record<string, unknown>): Promise<ToolOutcome> {
    const run = currentGraphRun();
    run?.signal?.throwIfAborted();
    const report = (event: RunProgressEvent) => run?.writer?.(event);
    report({ type: "tool", status: "started", node: this.node, name, args });
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
    const record = {
      name,
      args,
      ms: Math.round((performance.now() - started) * 100) / 100,
      resultCount: outcome.ok ? outcome.result.evidence.length : 0,
      node: this.node,
      ...(outcome.ok ? {} : { error: outcome.error }),
    };
    this.calls.push(record);
    report({ type: "tool", status: "finished", ...record });
    return outcome;
  }
}
