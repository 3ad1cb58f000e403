import type { FastifyInstance } from "fastify";
import type { PipelineName } from "../contract.js";
import type { ErrorCode } from "../errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The pipeline an /ask request ran, for its log line. */
    askPipeline: PipelineName | null;
    /** The catalogue code of the error the request ended with, for its log line. */
    errorCode: ErrorCode | null;
  }
}

/** Status recorded for a request whose client went away before the answer (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;

/**
 * One log line per request, replacing Fastify's pair of "incoming request" / "request completed"
 * lines. It carries what an operator looks for (route, pipeline, status, error code, latency) and
 * no headers, so credentials in them cannot reach the log. It is written when the response closes,
 * which also covers clients that disconnect before their answer.
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.decorateRequest("askPipeline", null);
  app.decorateRequest("errorCode", null);

  app.addHook("onRequest", async (request, reply) => {
    const receivedAt = performance.now();
    reply.raw.once("close", () => {
      // end() was called: the server gave its answer (writableFinished is not set under app.inject).
      const completed = reply.raw.writableEnded;
      const summary = {
        method: request.method,
        route: request.routeOptions.url ?? null,
        url: request.url,
        pipeline: request.askPipeline,
        status: completed ? reply.statusCode : CLIENT_CLOSED_REQUEST,
        errorCode: request.errorCode,
        latencyMs: Math.round((performance.now() - receivedAt) * 10) / 10,
      };
      if (!completed) request.log.info(summary, "request abandoned by the client");
      // 503 is an expected state (still indexing, model provider down), reported by its error code.
      else if (reply.statusCode >= 500 && reply.statusCode !== 503) request.log.warn(summary, "request failed");
      else request.log.info(summary, "request completed");
    });
  });
}
