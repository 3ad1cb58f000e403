import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Readiness } from "../readiness.js";
import { ErrorResponseSchema, HealthSchema, ReadySchema } from "../schemas.js";

export interface HealthRoutesOptions {
  readiness: Readiness;
}

export const healthRoutes: FastifyPluginAsyncZod<HealthRoutesOptions> = async (app, { readiness }) => {
  app.get(
    "/healthz",
    { schema: { tags: ["operations"], summary: "Liveness: the process is up and serving", response: { 200: HealthSchema } } },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["operations"],
        summary: "Readiness: the repository index is built and the pipelines can answer",
        response: { 200: ReadySchema, 503: ErrorResponseSchema },
      },
    },
    async () => {
      const { index, models, modelCircuit } = readiness.require();
      return {
        status: "ready" as const,
        provider: models.kind,
        indexVersion: index.version,
        files: index.stats.files,
        chunks: index.stats.chunks,
        // An open circuit leaves the service ready: it answers offline, marked degraded.
        ...(modelCircuit ? { modelCircuit: modelCircuit.state } : {}),
      };
    },
  );
};
