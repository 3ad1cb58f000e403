import type { FastifyInstance } from "fastify";
import { AppError } from "../errors.js";
import { isPublicRoute } from "./auth.js";

/** What an overloaded server tells clients to wait: short, since requests finish continuously. */
const OVERLOADED_RETRY_AFTER_SECONDS = 1;

/**
 * A bound on requests being served at once. Beyond `maxInFlight` a request is refused at once with
 * 503 OVERLOADED and Retry-After, never queued: a queue only adds waiting to a server that is
 * already behind, and clients (or a load balancer) can retry elsewhere. Health and docs routes are
 * not counted, so probes keep answering under load.
 *
 * The check runs in preParsing, after authentication and the rate limit (onRequest), so a caller
 * over its own limit hears 429, and before the body is read. A slot is released when the response
 * closes, whether it was answered or the client went away.
 */
export function registerInFlightLimit(app: FastifyInstance, maxInFlight: number): { current: () => number } {
  let inFlight = 0;
  app.addHook("preParsing", async (request, reply) => {
    if (isPublicRoute(request)) return;
    if (inFlight >= maxInFlight) {
      reply.header("retry-after", String(OVERLOADED_RETRY_AFTER_SECONDS));
      throw new AppError("OVERLOADED", `The service is answering ${maxInFlight} requests already; retry after the delay in Retry-After.`);
    }
    inFlight++;
    reply.raw.once("close", () => inFlight--);
  });
  return { current: () => inFlight };
}
