import { resolve } from "node:path";
import { createModelProvider, createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { Pipeline, PipelineName } from "../src/contract.js";
import { createModelCache } from "../src/models/model-call-cache.js";

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
 * The harness's view of the real pipelines: both graphs built over one index of `repoPath`, with
 * the configuration from the environment (offline unless OPENAI_API_KEY is set) and the on-disk
 * model-call cache unless `--no-cache`.
 */
export function createPipelineFactory(environment: NodeJS.ProcessEnv = process.env): { factory: PipelineFactory; describe: () => ModelDescription } {
  const config = loadConfig(environment);
  const models = createModelProvider(config);
  const services = new Map<string, Promise<AppServices>>();
  const servicesFor = (options: PipelineFactoryOptions) => {
    const key = `${options.repoPath}\0${options.noCache}`;
    let pending = services.get(key);
    if (!pending) {
      pending = createServices(
        { ...config, repository: { ...config.repository, path: resolve(options.repoPath) } },
        { models, modelCache: createModelCache({ noCache: options.noCache }) },
      );
      services.set(key, pending);
    }
    return pending;
  };
  return {
    factory: async (name, options) => (await servicesFor(options)).pipelines[name],
    describe: () => ({
      provider: models.kind,
      models: Object.fromEntries(Object.entries(models.models).map(([role, model]) => [role, model ?? "offline"])),
    }),
  };
}
