import { AIMessageChunk } from "@langchain/core/messages";
import type { StreamMode } from "@langchain/langgraph";
import { RunProgressEventSchema, type RunProgressEvent, type RunStep } from "../src/contract.js";

/**
 * A run's progress, read from LangGraph's own stream rather than a side channel:
 *
 * - `tasks`: a node starting (`{id, name, input, triggers}`) is a `step`; a node finishing
 *   (`{id, name, result, error}`) carries the router's decision (`route`) and what a specialist
 *   found (`evidence`).
 * - `custom`: what nodes and the tool session write with `config.writer` (`tool` events).
 * - `messages`: `[message chunk, metadata]` for each piece of model text (`token`).
 * - `values`: the state after each step; the last one is the run's result.
 */
export const PROGRESS_STREAM_MODES = ["values", "tasks", "custom", "messages"] as const satisfies readonly StreamMode[];

/** What each node is doing, for people watching a run (and a job's `progress`). */
const STEPS: Readonly<Record<string, { step: RunStep; label: string }>> = {
  recall: { step: "recalling", label: "Reading the conversation so far" },
  router: { step: "routing", label: "Choosing a specialist" },
  code: { step: "searching_code", label: "Searching the code" },
  docs: { step: "reading_docs", label: "Reading the documentation" },
  debug: { step: "debugging", label: "Tracing the error to the code" },
  general: { step: "searching_repository", label: "Searching the repository" },
  baseline: { step: "searching_repository", label: "Searching the repository" },
  synthesize: { step: "synthesizing", label: "Writing the answer" },
  remember: { step: "remembering", label: "Saving the turn to the thread" },
};

interface TaskChunk {
  name: string;
  /** Present once the task has finished: the channels it wrote. */
  result?: Record<string, unknown>;
}

function textOf(message: AIMessageChunk): string {
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

function fromTask(task: TaskChunk): RunProgressEvent[] {
  if (!("result" in task)) {
    const step = STEPS[task.name];
    return step ? [{ type: "step", ...step, node: task.name }] : [];
  }
  const result = task.result ?? {};
  if (task.name === "router" && result["route"]) {
    return [
      {
        type: "route",
        route: result["route"],
        confidence: result["routeConfidence"],
        reason: result["routeReason"],
        dispatched: result["dispatched"],
        source: result["routerSource"],
      } as RunProgressEvent,
    ];
  }
  const evidence = result["evidence"];
  if (Array.isArray(evidence)) {
    const paths = [...new Set(evidence.map((item: { path?: unknown }) => item.path).filter((path): path is string => typeof path === "string"))];
    return [{ type: "evidence", node: task.name, paths }];
  }
  return [];
}

/** The progress events in one chunk of a multi-mode graph stream (`[mode, payload]`). */
export function progressEventsOf(mode: string, payload: unknown): RunProgressEvent[] {
  switch (mode) {
    case "tasks":
      return fromTask(payload as TaskChunk);
    case "custom": {
      // Only our own events: anything else written to the custom stream is not part of the API.
      const parsed = RunProgressEventSchema.safeParse(payload);
      return parsed.success ? [parsed.data] : [];
    }
    case "messages": {
      const [message, metadata] = payload as [unknown, { langgraph_node?: string }];
      if (!AIMessageChunk.isInstance(message)) return [];
      const text = textOf(message);
      return text ? [{ type: "token", node: metadata.langgraph_node ?? "unknown", text }] : [];
    }
    default:
      return [];
  }
}
