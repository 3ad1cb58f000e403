import type { RunManifest } from "../run-log-schema.js";
import type { Block } from "./document.js";

/** The manifest as a facts block, so every report says exactly what it measured. */
export function runFacts(manifest: RunManifest | undefined, runLogPath: string): Block {
  if (!manifest) return { kind: "facts", items: [["Run log", runLogPath], ["Manifest", "none found next to the run log"]] };
  const models = Object.entries(manifest.models).map(([role, model]) => `${role}: ${model}`).join(", ") || "not described";
  return {
    kind: "facts",
    items: [
      ["Run", `${manifest.runId} (${manifest.status})`],
      ["Run log", runLogPath],
      ["Benchmark", `${manifest.benchmark.path} (${manifest.benchmark.items} items, sha256 ${manifest.benchmark.sha256.slice(0, 12)}…)`],
      ["Repository", manifest.repoPath ?? "(server)"],
      ["Pipelines × repeats", `${manifest.pipelines.join(", ")} × ${manifest.repeats}`],
      ["Mode", manifest.config.mode === "http" ? `HTTP ${manifest.config.url ?? ""}` : "in-process"],
      ["Provider / models", `${manifest.provider ?? "unknown"} / ${models}`],
      ["Git commit", `${manifest.gitCommit ?? "unknown"}${manifest.gitDirty ? " (with uncommitted changes)" : ""}`],
      ["Time", `${manifest.startedAt} → ${manifest.endedAt ?? "unfinished"}`],
      ["Node", manifest.nodeVersion],
    ],
  };
}
