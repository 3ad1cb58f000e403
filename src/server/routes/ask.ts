import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { AskResultSchema } from "../../contract.js";
import { cancelOnDisconnectOrDeadline } from "../cancellation.js";
import type { Readiness } from "../readiness.js";
import { AskRequestSchema, ErrorResponseSchema } from "../schemas.js";

export interface AskRoutesOptions {
  readiness: Readiness;
  /** Deadline for one question: past it the pipeline is aborted and the client gets 504. */
  requestTimeoutMs: number;
}

export const askRoutes: FastifyPluginAsyncZod<AskRoutesOptions> = async (app, { readiness, requestTimeoutMs }) => {
  app.post(
    "/ask",
    {
      schema: {
        tags: ["questions"],
        summary: "Answer a question about the repository",
        description:
          "Runs the chosen pipeline and returns its answer with citations, evidence, tool calls, usage and the trace id. " +
          "The pipeline is cancelled when the client disconnects or the request deadline (REQUEST_TIMEOUT_MS) passes.",
        body: AskRequestSchema,
        response: { 200: AskResultSchema, "4xx": ErrorResponseSchema, "5xx": ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const services = readiness.require();
      const { question, pipeline, threadId, userId } = request.body;
      request.askPipeline = pipeline;
      const cancellation = cancelOnDisconnectOrDeadline(reply, requestTimeoutMs);
      try {
        // Without a userId in the body, the trace's user is the caller's key id (a digest prefix, never the key).
        const traceUser = userId ?? request.callerId ?? undefined;
        return await cancellation.race(services.pipelines[pipeline].run(question, { threadId, userId: traceUser, signal: cancellation.signal }));
      } catch (error) {
        if (cancellation.clientGone) return undefined;
        // A pipeline reports any abort as CANCELLED; the abort reason says which (the deadline, here).
        throw cancellation.signal.aborted ? cancellation.signal.reason : error;
      } finally {
        cancellation.dispose();
      }
    },
  );
};
