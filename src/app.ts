import { createPipelines, type GraphPipeline } from "../graphs/pipelines.js";
import type { GraphDependencies } from "../graphs/context.js";
import { SPECIALISTS, singleAgent } from "../specialists/index.js";
import type { AppConfig } from "./config.js";
import type { PipelineName, Route } from "./contract.js";
import { buildRepositoryIndex, type RepositoryIndex } from "./index/repository-index.js";
import type { ModelCallCache } from "./models/model-call-cache.js";
import { loadRouteClassifier } from "./models/offline/router/index.js";
import { ModelRouter } from "./models/openai/model-router.js";
import { createOpenAIProvider } from "./models/openai/provider.js";
import { offlineProvider, type ModelProvider } from "./models/provider.js";
import { ClassifierRouter, type Router } from "./models/routing.js";
import { generationCallbacks } from "./tracing/generation-handler.js";
import { initTracing } from "./tracing/setup.js";

/** Everything a request needs, built once per process. */
export interface AppServices {
  config: AppConfig;
  index: RepositoryIndex;
  models: ModelProvider;
  pipelines: Record<PipelineName, GraphPipeline>;
}

export interface ServiceOverrides {
  index?: RepositoryIndex;
  models?: ModelProvider;
  /** Replace specialists (tests inject failing or slow ones). */
  specialists?: Partial<GraphDependencies["specialists"]>;
  modelCache?: ModelCallCache;
  modelCallbacks?: GraphDependencies["modelCallbacks"];
  onIndexProgress?: (done: number, total: number) => void;
}

export function createModelProvider(config: AppConfig): ModelProvider {
  return config.models.provider === "openai" ? createOpenAIProvider(config.models) : offlineProvider;
}

export async function createServices(config: AppConfig, overrides: ServiceOverrides = {}): Promise<AppServices> {
  // Idempotent: a test that installed its own exporter first keeps it.
  initTracing(config.tracing);
  const index =
    overrides.index ??
    (await buildRepositoryIndex({
      root: config.repository.path,
      cacheDirectory: config.repository.cacheDirectory,
      extraIgnore: config.repository.extraIgnore,
      ...(overrides.onIndexProgress ? { onProgress: overrides.onIndexProgress } : {}),
    }));
  const models = overrides.models ?? createModelProvider(config);
  const modelCallbacks = overrides.modelCallbacks ?? generationCallbacks(models.prices);
  const classifierRouter = new ClassifierRouter(loadRouteClassifier(config.routing.classifierPath));
  const specialists = { ...SPECIALISTS, ...overrides.specialists };
  const routerModel = models.chatModel("router");
  const purposes = Object.fromEntries(Object.entries(specialists).map(([route, agent]) => [route, agent.purpose])) as Record<Route, string>;
  const router: Router = routerModel
    ? new ModelRouter(routerModel, models.models.router ?? "unknown", models.prices, purposes, classifierRouter, modelCallbacks)
    : classifierRouter;
  const deps: GraphDependencies = {
    index,
    models,
    router,
    specialists,
    baselineAgent: singleAgent,
    lowConfidence: config.routing.lowConfidence,
    minCoverage: config.answers.minCoverage,
    specialistTimeoutMs: config.specialists.timeoutMs,
    specialistMaxAttempts: config.specialists.maxAttempts,
    specialistMaxSteps: config.specialists.maxSteps,
    modelCallbacks,
    ...(overrides.modelCache ? { modelCache: overrides.modelCache } : {}),
  };
  const pipelines = createPipelines(deps, { repository: index.root, indexVersion: index.version });
  return { config, index, models, pipelines };
}
