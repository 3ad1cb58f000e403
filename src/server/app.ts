import Fastify, { LogController, type FastifyInstance, type RawServerDefault } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppServices } from "../app.js";
import type { AppConfig } from "../config.js";
import { registerAuth } from "./auth.js";
import { answerClientError, requireHostHeader } from "./client-errors.js";
import { answerFrameworkError, registerErrorHandling } from "./error-handler.js";
import { registerInFlightLimit } from "./in-flight.js";
import { logModelCircuitTransitions } from "./model-circuit-log.js";
import { registerOpenApi } from "./openapi.js";
import { registerRateLimit } from "./rate-limit.js";
import { trackReadiness } from "./readiness.js";
import { REQUEST_ID_HEADER, requestIdFor } from "./request-id.js";
import { registerRequestLog } from "./request-log.js";
import { askRoutes } from "./routes/ask.js";
import { askStreamRoutes } from "./routes/ask-stream.js";
import { healthRoutes } from "./routes/health.js";
import { jobRoutes, runJobWorkers } from "./routes/jobs.js";
import { threadRoutes } from "./routes/threads.js";
import { BODY_LIMIT_BYTES, MAX_PATH_PARAM_LENGTH } from "./schemas.js";
import { closeConnectionsWhenClosing } from "./shutdown.js";

export type ApiServer = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyInstance["log"], ZodTypeProvider>;

export interface BuildServerOptions {
  config: AppConfig;
  /** The index and pipelines; a promise while they are still being built (the server answers 503 NOT_READY until then). */
  services?: Promise<AppServices> | AppServices;
  /** false for no logs; a stream to capture them (tests); default: JSON lines on stdout. */
  logger?: boolean | { stream: { write(line: string): void } };
}

/** Log paths that could hold credentials; pino replaces their values wherever they are logged. */
const REDACTED_LOG_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  "headers.authorization",
  "headers.cookie",
  'headers["x-api-key"]',
  "*.apiKey",
  "*.secretKey",
  "*.*.apiKey",
  "*.*.secretKey",
  "*.apiKeys",
  "*.*.apiKeys",
];

export function buildServer({ config, services, logger = true }: BuildServerOptions): ApiServer {
  const app = Fastify({
    logger:
      logger === false
        ? false
        : {
            level: config.server.logLevel,
            redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
            ...(typeof logger === "object" ? { stream: logger.stream } : {}),
          },
    genReqId: requestIdFor,
    // registerRequestLog writes one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Path parameters (thread ids, up to 200 characters) reach the route schemas, which answer an
    // over-long one with our 400; past the router's own limit (default 100) Fastify raises its 414.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // Errors raised before routing (that 414, a malformed percent-encoding) and requests Node's
    // parser rejects are answered in our error shape too, not in Fastify's.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Node's own refusal of a request without Host has an empty body; requireHostHeader refuses it in our shape.
    http: { requireHostHeader: false },
    // The rare request that still arrives on an open connection while closing is served, not refused
    // with Fastify's own 503 body (which is not in our error format).
    return503OnClosing: false,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Every body this API accepts is JSON; without the text parser a text/plain body is a media-type error, not a string.
  app.removeContentTypeParser("text/plain");
  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  requireHostHeader(app);
  registerRequestLog(app);
  registerErrorHandling(app);
  closeConnectionsWhenClosing(app);
  // Before any route: the rate limit attaches itself to the routes registered after it.
  registerAuth(app, config);
  registerRateLimit(app, config.limits);
  registerInFlightLimit(app, config.limits.maxInFlight);
  registerOpenApi(app);

  logModelCircuitTransitions(app.log, services);
  const readiness = trackReadiness(services);
  app.register(healthRoutes, { readiness });
  app.register(askRoutes, { readiness, requestTimeoutMs: config.server.requestTimeoutMs });
  app.register(threadRoutes, { readiness });
  const heartbeatMs = config.streaming.heartbeatMs;
  app.register(askStreamRoutes, { readiness, requestTimeoutMs: config.server.requestTimeoutMs, heartbeatMs });
  app.register(jobRoutes, { readiness, heartbeatMs });
  runJobWorkers(app, services, app.log.child({ component: "jobs" }));
  return app;
}
