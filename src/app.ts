import { createPipelines, type GraphPipeline } from "../graphs/pipelines.js";
import type { GraphDependencies } from "../graphs/context.js";
import { SPECIALISTS, singleAgent } from "../specialists/index.js";
import type { AppConfig } from "./config.js";
import type { PipelineName, Route } from "./contract.js";
import { buildRepositoryIndex, type RepositoryIndex } from "./index/repository-index.js";
import { JobService } from "./jobs/job-service.js";
import type { ModelCallCache } from "./models/model-call-cache.js";
import { loadRouteClassifier } from "./models/offline/router/index.js";
import { CircuitBreaker } from "./models/circuit-breaker.js";
import { circuitOf, DegradingProvider, routeWithModelWhileAvailable } from "./models/degrading-provider.js";
import { ModelRouter } from "./models/openai/model-router.js";
import { createOpenAIProvider } from "./models/openai/provider.js";
import { offlineProvider, type ModelProvider } from "./models/provider.js";
import { ClassifierRouter, type Router } from "./models/routing.js";
import { openStore, type Store } from "./store/store.js";
import { ThreadMemory } from "./store/thread-memory.js";
import { ThreadRegistry } from "./store/thread-registry.js";
import { generationCallbacks } from "./tracing/generation-handler.js";
import { initTracing } from "./tracing/setup.js";

/** Everything a request needs, built once per process. */
export interface AppServices {
  config: AppConfig;
  index: RepositoryIndex;
  models: ModelProvider;
  pipelines: Record<PipelineName, GraphPipeline>;
  /** The model provider's circuit breaker (OpenAI provider only), for /readyz and transition logs. */
  modelCircuit?: CircuitBreaker;
  /** The persistent state (SQLite file or PostgreSQL) and the threads kept in it. */
  store: Store;
  threads: ThreadMemory;
  /** Background jobs on the store; their workers run in server processes (see src/server/app.ts). */
  jobs: JobService;
  /** Closes what createServices opened (the store, unless it was passed in), after stopping the job workers. */
  close(): Promise<void>;
}

export interface ServiceOverrides {
  index?: RepositoryIndex;
  models?: ModelProvider;
  /** Replace specialists (tests inject failing or slow ones). */
  specialists?: Partial<GraphDependencies["specialists"]>;
  /** Replace the baseline's single agent (tests inject a failing one). */
  baselineAgent?: GraphDependencies["baselineAgent"];
  modelCache?: ModelCallCache;
  modelCallbacks?: GraphDependencies["modelCallbacks"];
  onIndexProgress?: (done: number, total: number) => void;
  /** An open store to use instead of opening config.store (its owner closes it). */
  store?: Store;
}

/** A run holds its thread at most this much longer than the request deadline, should its replica die mid-run. */
const THREAD_LEASE_MARGIN_MS = 30_000;

/** The OpenAI provider behind a circuit breaker (offline while it is open), or the offline provider. */
export function createModelProvider(config: AppConfig): ModelProvider {
  if (config.models.provider !== "openai") return offlineProvider;
  return new DegradingProvider((outcomes) => createOpenAIProvider(config.models, [outcomes]), new CircuitBreaker(config.models.circuitBreaker));
}

export async function createServices(config: AppConfig, overrides: ServiceOverrides = {}): Promise<AppServices> {
  // Idempotent: a test that installed its own exporter first keeps it.
  initTracing(config.tracing);
  // Opened first: a database that cannot be reached fails the start-up before the index is built.
  const store = overrides.store ?? (await openStore(config.store));
  const close = () => (overrides.store ? Promise.resolve() : store.close());
  try {
    return await createServicesOn(store, close, config, overrides);
  } catch (error) {
    await close();
    throw error;
  }
}

async function createServicesOn(store: Store, close: () => Promise<void>, config: AppConfig, overrides: ServiceOverrides): Promise<AppServices> {
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
    ? routeWithModelWhileAvailable(models, new ModelRouter(routerModel, models.models.router ?? "unknown", models.prices, purposes, classifierRouter, modelCallbacks), classifierRouter)
    : classifierRouter;
  const deps: GraphDependencies = {
    index,
    models,
    router,
    specialists,
    baselineAgent: overrides.baselineAgent ?? singleAgent,
    lowConfidence: config.routing.lowConfidence,
    minCoverage: config.answers.minCoverage,
    specialistTimeoutMs: config.specialists.timeoutMs,
    specialistMaxAttempts: config.specialists.maxAttempts,
    specialistMaxSteps: config.specialists.maxSteps,
    modelCallbacks,
    ...(overrides.modelCache ? { modelCache: overrides.modelCache } : {}),
  };
  const threads = new ThreadMemory(store.checkpoints, new ThreadRegistry(store.db), { leaseMs: config.server.requestTimeoutMs + THREAD_LEASE_MARGIN_MS });
  const pipelines = createPipelines(deps, { repository: index.root, indexVersion: index.version }, { memory: threads, contextTokens: config.threads.contextTokens });
  const modelCircuit = circuitOf(models);
  const jobs = new JobService(store.db, store.kind, pipelines, { jobs: config.jobs, deadlineMs: config.server.requestTimeoutMs });
  // Workers write to the store: they stop (re-queueing what they run) before it closes.
  const closeAll = async () => {
    await jobs.stopWorkers();
    await close();
  };
  return { config, index, models, pipelines, ...(modelCircuit ? { modelCircuit } : {}), store, threads, jobs, close: closeAll };
}
