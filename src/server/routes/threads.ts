import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../errors.js";
import type { Readiness } from "../readiness.js";
import { ErrorResponseSchema, ThreadParamsSchema, ThreadSchema } from "../schemas.js";

export interface ThreadRoutesOptions {
  readiness: Readiness;
}

const unknownThread = (threadId: string) =>
  new AppError("NOT_FOUND", `There is no thread "${threadId}": it was never asked in, or it was deleted. POST /ask with this threadId starts it.`);

/** A conversation's memory: read it back, or forget it. Turns are added by POST /ask with a threadId. */
export const threadRoutes: FastifyPluginAsyncZod<ThreadRoutesOptions> = async (app, { readiness }) => {
  app.get(
    "/threads/:threadId",
    {
      schema: {
        tags: ["threads"],
        summary: "The turns of a conversation",
        description: "Every question asked with this `threadId` in POST /ask, with its answer, route, citations and time, oldest first.",
        params: ThreadParamsSchema,
        response: { 200: ThreadSchema, "4xx": ErrorResponseSchema, "5xx": ErrorResponseSchema },
      },
    },
    async (request) => {
      const { threads } = readiness.require();
      const { threadId } = request.params;
      const turns = await threads.turns(threadId);
      if (!turns) throw unknownThread(threadId);
      return { threadId, turns };
    },
  );

  app.delete(
    "/threads/:threadId",
    {
      schema: {
        tags: ["threads"],
        summary: "Forget a conversation",
        description: "Deletes the thread and its checkpoints on every replica; a later POST /ask with the same `threadId` starts afresh. Waits for a question still running on the thread.",
        params: ThreadParamsSchema,
        response: { 204: z.null(), "4xx": ErrorResponseSchema, "5xx": ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const { threads } = readiness.require();
      const { threadId } = request.params;
      if (!(await threads.forget(threadId))) throw unknownThread(threadId);
      return reply.status(204).send(null);
    },
  );
};
