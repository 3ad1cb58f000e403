import type { AppServices } from "../app.js";
import { ConfigError, loadConfig, type AppConfig } from "../config.js";
import { buildServer } from "./app.js";
import { authDisabledWarning } from "./auth.js";
import { DOCS_PREFIX } from "./openapi.js";
import { closeGracefully, exitOnSignals } from "./shutdown.js";

/** How long SIGTERM waits for in-flight questions; below the 10 s most orchestrators allow before SIGKILL. */
const SHUTDOWN_GRACE_MS = 9_000;

function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();

  // The server listens first and builds the index afterwards, answering 503 NOT_READY meanwhile,
  // so a slow build on a big repository does not look like a dead process to health checks.
  let provideServices!: (services: AppServices) => void;
  let failServices!: (error: unknown) => void;
  const services = new Promise<AppServices>((resolve, reject) => {
    provideServices = resolve;
    failServices = reject;
  });
  const app = buildServer({ config, services });
  // Also in the log (registerAuth); on stderr too, where someone starting the service by hand looks.
  const authWarning = authDisabledWarning(config);
  if (authWarning) console.error(`\n*** WARNING: ${authWarning}\n`);
  // close() runs onClose hooks after the last in-flight request, so the spans of every answered question are exported.
  app.addHook("onClose", async () => {
    // The store's connections (SQLite file, PostgreSQL pool) close after the last request.
    await (await services.catch(() => undefined))?.close();
    const { shutdownTracing } = await import("../tracing/setup.js");
    if (!(await shutdownTracing())) app.log.warn("tracing: some spans could not be exported before shutdown");
  });
  exitOnSignals(app, SHUTDOWN_GRACE_MS);

  try {
    await app.listen({
      host: config.server.host,
      port: config.server.port,
      listenTextResolver: (address) => `Listening on ${address} (API docs: ${address}${DOCS_PREFIX})`,
    });
  } catch (error) {
    app.log.fatal({ err: error }, `cannot listen on ${config.server.host}:${config.server.port}`);
    process.exit(1);
  }

  const { repository, models } = config;
  app.log.info({ repository: repository.path, provider: models.provider }, "building the repository index");
  // Loaded only now: the pipelines' modules (LangChain, LangGraph, tree-sitter) take seconds to load.
  const building = import("../app.js").then(({ createServices }) => createServices(config));
  building.then(
    (built) => {
      provideServices(built);
      const { files, chunks, fromCache, buildMs } = built.index.stats;
      app.log.info({ files, chunks, fromCache, buildMs: Math.round(buildMs) }, "ready: repository indexed");
    },
    (error: unknown) => {
      failServices(error);
      const reason = error instanceof Error ? error.message : String(error);
      app.log.fatal({ err: error, repository: repository.path }, `start-up failed, exiting: ${reason}`);
      void closeGracefully(app, SHUTDOWN_GRACE_MS).finally(() => process.exit(1));
    },
  );
}

await main();
