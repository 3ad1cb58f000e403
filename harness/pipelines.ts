import type { Pipeline, PipelineName } from "../src/contract.js";

export interface PipelineFactoryOptions {
  /** Repository the pipeline answers questions about. */
  repoPath: string;
  /** True when `--no-cache` was given: the factory must bypass harness/model-cache.ts. */
  noCache: boolean;
  /** Harness run id, to be forwarded into trace metadata. */
  runId: string;
}

/** Builds one pipeline instance per name for a run; the runner calls it once per pipeline. */
export type PipelineFactory = (name: PipelineName, options: PipelineFactoryOptions) => Promise<Pipeline>;

/** What the manifest records about models when the factory can say it (results carry only the provider). */
export interface ModelDescription {
  provider: string;
  /** Model name by role, e.g. { router: "gpt-4o-mini", specialist: "gpt-4o" }. */
  models: Record<string, string>;
}

/**
 * ============================================================================
 * WIRING POINT (owned by the lead): connect the harness to the real pipelines.
 * Return a factory that builds the orchestrated LangGraph graph or the single-agent
 * baseline for `options.repoPath`, plugs harness/model-cache.ts into the model
 * provider unless `options.noCache`, and (optionally) a `describe` for the manifest.
 * Until then `run` without `--url` refuses with this message; tests inject fakes.
 * ============================================================================
 */
export function createPipelineFactory(): { factory: PipelineFactory; describe?: () => ModelDescription } {
  throw new Error("pipelines not wired yet");
}
