import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ErrorCode } from "../../errors.js";
import { finalEvents, runToOutcome } from "../../jobs/run-events.js";
import { cancelOnDisconnectOrDeadline } from "../cancellation.js";
import type { Readiness } from "../readiness.js";
import { AskRequestSchema, ErrorResponseSchema, EventStreamResponseSchema } from "../schemas.js";
import { openEventStream } from "../sse.js";

export interface AskStreamRoutesOptions {
  readiness: Readiness;
  /** Deadline for one question, as on POST /ask. */
  requestTimeoutMs: number;
  heartbeatMs: number;
}

/**
 * POST /ask, streamed: the same body, auth and limits, answered with server-sent events while the
 * pipeline works. Bad input and an unready service are still JSON errors, sent before the stream
 * opens. A client that disconnects cancels the run: the abort reaches the graph, its model calls
 * and its tool calls.
 */
export const askStreamRoutes: FastifyPluginAsyncZod<AskStreamRoutesOptions> = async (app, { readiness, requestTimeoutMs, heartbeatMs }) => {
  app.post(
    "/ask/stream",
    {
      schema: {
        tags: ["questions"],
        summary: "Answer a question, streaming progress as server-sent events",
        description:
          "Same body as POST /ask. Events: `step` (a pipeline step starts), `route`, `tool` (`status: started`, then `finished` with `ms` and `resultCount`), " +
          "`evidence` (paths a specialist found), `token` (model text, when a model streams), then `answer` (the AskResult) or `error` " +
          "(`{code, message, retryable}`), then `done`. Each has `event:` (its type), `id:` (1, 2, …) and `data:` (JSON). Comment lines are " +
          "heartbeats. Disconnecting cancels the run. The stream counts against MAX_IN_FLIGHT while open.",
        body: AskRequestSchema,
        response: { 200: EventStreamResponseSchema("The run's events, ending with `done`."), "4xx": ErrorResponseSchema, "5xx": ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const services = readiness.require();
      const { question, pipeline, threadId, userId } = request.body;
      request.askPipeline = pipeline;
      const cancellation = cancelOnDisconnectOrDeadline(reply, requestTimeoutMs);
      const stream = openEventStream(reply, heartbeatMs);
      let seq = 0;
      try {
        // Without a userId in the body, the trace's user is the caller's key id (a digest prefix, never the key).
        const traceUser = userId ?? request.callerId ?? undefined;
        const outcome = await runToOutcome(
          (onEvent) => cancellation.race(services.pipelines[pipeline].run(question, { threadId, userId: traceUser, signal: cancellation.signal, onEvent })),
          {
            signal: cancellation.signal,
            onEvent: (event) => stream.send(++seq, event),
            onUnexpectedError: (error) => request.log.error({ err: error }, "unexpected error in a streamed answer"),
          },
        );
        if (outcome.status !== "succeeded") request.errorCode = outcome.error.code as ErrorCode;
        for (const event of finalEvents(outcome)) stream.send(++seq, event);
      } finally {
        cancellation.dispose();
        stream.end();
      }
    },
  );
};
