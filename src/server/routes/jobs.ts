import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { z } from "zod";
import type { AppServices } from "../../app.js";
import { AppError } from "../../errors.js";
import type { JobRecord } from "../../jobs/job-service.js";
import type { Readiness } from "../readiness.js";
import {
  AskRequestSchema,
  ErrorResponseSchema,
  EventStreamResponseSchema,
  IdempotencyHeadersSchema,
  JobAcceptedSchema,
  JobCancelSchema,
  JobParamsSchema,
  JobSchema,
  LastEventIdHeadersSchema,
} from "../schemas.js";
import { openEventStream } from "../sse.js";

export interface JobRoutesOptions {
  readiness: Readiness;
  heartbeatMs: number;
}

/** With auth off there are no callers to tell apart: every job belongs to everyone. */
const ANONYMOUS_CALLER = "anonymous";
const callerOf = (request: FastifyRequest) => request.callerId ?? ANONYMOUS_CALLER;

const unknownJob = (jobId: string) =>
  new AppError("NOT_FOUND", `There is no job ${jobId} for this API key: it was never submitted with it, or it finished more than JOB_RETENTION ago and was deleted.`);

const iso = (epochMs: number) => new Date(epochMs).toISOString();

const links = (jobId: string) => ({ statusUrl: `/jobs/${jobId}`, eventsUrl: `/jobs/${jobId}/events`, cancelUrl: `/jobs/${jobId}/cancel` });

function progressOf(job: JobRecord): z.infer<typeof JobSchema>["progress"] {
  if (job.status === "queued") return { step: "queued", label: "Waiting for a worker" };
  if (job.status === "running") return job.progress ?? { step: "starting", label: "Starting" };
  return { step: "finished", label: job.status === "succeeded" ? "Answered" : job.status === "cancelled" ? "Cancelled" : "Failed" };
}

function jobView(job: JobRecord): z.infer<typeof JobSchema> {
  return {
    jobId: job.jobId,
    status: job.status,
    progress: progressOf(job),
    ...(job.result ? { result: job.result } : {}),
    ...(job.error ? { error: job.error } : {}),
    createdAt: iso(job.createdAt),
    ...(job.startedAt !== undefined ? { startedAt: iso(job.startedAt) } : {}),
    ...(job.finishedAt !== undefined ? { finishedAt: iso(job.finishedAt) } : {}),
    attempts: job.attempts,
    cancelRequested: job.cancelRequested,
  };
}

/**
 * Background questions. POST /jobs answers at once; the job runs on whichever replica's worker
 * claims it, and any replica answers for it: its status, its events (replayed from the store,
 * then followed live) and its cancellation. A caller sees only its own jobs (per API key).
 */
export const jobRoutes: FastifyPluginAsyncZod<JobRoutesOptions> = async (app, { readiness, heartbeatMs }) => {
  app.post(
    "/jobs",
    {
      schema: {
        tags: ["jobs"],
        summary: "Submit a question to answer in the background",
        description:
          "Same body as POST /ask. Answers 202 at once with the job's id and links; the answer is in GET /jobs/{jobId} once the job has succeeded. " +
          "With an `Idempotency-Key` header, the same key (same API key) returns the same job with 200, however often it is sent.",
        body: AskRequestSchema,
        headers: IdempotencyHeadersSchema,
        response: { 200: JobAcceptedSchema, 202: JobAcceptedSchema, "4xx": ErrorResponseSchema, "5xx": ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const { jobs } = readiness.require();
      const { question, pipeline, threadId, userId } = request.body;
      // As on POST /ask: without a userId, the trace's user is the caller's key id (never the key).
      const traceUser = userId ?? request.callerId ?? undefined;
      const idempotencyKey = request.headers["idempotency-key"];
      const { job, created } = await jobs.submit(callerOf(request), { question, pipeline, ...(threadId ? { threadId } : {}), ...(traceUser ? { userId: traceUser } : {}) }, idempotencyKey);
      const body = { jobId: job.jobId, status: job.status, ...links(job.jobId) };
      return reply.status(created ? 202 : 200).header("location", body.statusUrl).send(body);
    },
  );

  app.get(
    "/jobs/:jobId",
    {
      schema: {
        tags: ["jobs"],
        summary: "A job's status, progress and result",
        params: JobParamsSchema,
        response: { 200: JobSchema, "4xx": ErrorResponseSchema, "5xx": ErrorResponseSchema },
      },
    },
    async (request) => {
      const { jobs } = readiness.require();
      const job = await jobs.get(request.params.jobId, callerOf(request));
      if (!job) throw unknownJob(request.params.jobId);
      return jobView(job);
    },
  );

  /**
   * Open event streams, ended when the server starts closing (clients resume elsewhere). The hook
   * waits for them to end, so that their connections are idle when the server closes its idle
   * connections, instead of holding the close up until the clients drop them.
   */
  const openStreams = new Map<AbortController, Promise<void>>();
  app.addHook("preClose", async () => {
    for (const following of openStreams.keys()) following.abort();
    await Promise.all(openStreams.values());
  });

  app.get(
    "/jobs/:jobId/events",
    {
      schema: {
        tags: ["jobs"],
        summary: "A job's events as server-sent events, replayed and then followed live",
        description:
          "The events of POST /ask/stream, with the job's sequence numbers as ids, plus `retry` when the job restarted after the process running it died. " +
          "Replays what the job has reported (after `Last-Event-ID` when sent), follows it live, and ends after `done`. " +
          "Closing the stream does not cancel the job. An `error` event without an id is about the stream, not the job: reconnect with Last-Event-ID. " +
          "The stream counts against MAX_IN_FLIGHT while open.",
        params: JobParamsSchema,
        headers: LastEventIdHeadersSchema,
        response: { 200: EventStreamResponseSchema("The job's events, ending with `done`."), "4xx": ErrorResponseSchema, "5xx": ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const { jobs } = readiness.require();
      const { jobId } = request.params;
      if (!(await jobs.get(jobId, callerOf(request)))) throw unknownJob(jobId);
      const following = new AbortController();
      reply.raw.once("close", () => following.abort());
      const stream = openEventStream(reply, heartbeatMs);
      const streaming = (async () => {
        try {
          for await (const { seq, event } of jobs.events(jobId, request.headers["last-event-id"] ?? 0, following.signal)) stream.send(seq, event);
          if (following.signal.aborted) stream.comment("the server is closing: reconnect with Last-Event-ID to resume");
        } catch (error) {
          request.log.error({ err: error, jobId }, "a job's event stream failed");
          stream.sendWithoutId({ type: "error", code: "INTERNAL", message: "The event stream failed; reconnect with Last-Event-ID to resume.", retryable: true });
        } finally {
          stream.end();
        }
      })();
      openStreams.set(following, streaming);
      try {
        await streaming;
      } finally {
        openStreams.delete(following);
      }
    },
  );

  app.post(
    "/jobs/:jobId/cancel",
    {
      schema: {
        tags: ["jobs"],
        summary: "Cancel a job",
        description:
          "A queued job is cancelled at once (202, `status: cancelled`). A running one is told to stop: 202 with `status: running`; it ends `cancelled` within " +
          "JOB_POLL_INTERVAL, on whichever replica runs it. A finished job is left as it is: 200 with its status.",
        params: JobParamsSchema,
        response: { 200: JobCancelSchema, 202: JobCancelSchema, "4xx": ErrorResponseSchema, "5xx": ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const { jobs } = readiness.require();
      const { jobId } = request.params;
      const outcome = await jobs.cancel(jobId, callerOf(request));
      switch (outcome.kind) {
        case "not_found":
          throw unknownJob(jobId);
        case "cancelled":
          return reply.status(202).send({ jobId, status: "cancelled", message: "The job was cancelled before it started." });
        case "cancelling":
          return reply.status(202).send({ jobId, status: "running", message: "The job is running; it stops at once and ends cancelled (see GET /jobs/{jobId})." });
        case "finished":
          return reply.status(200).send({ jobId, status: outcome.job.status, message: `The job had already finished (${outcome.job.status}); nothing was cancelled.` });
      }
    },
  );
};

/**
 * Every server process runs job workers (JOB_WORKERS of them) from when it is ready until it
 * closes; a job they were running when it closes is queued again for another replica.
 */
export function runJobWorkers(app: FastifyInstance, services: Promise<AppServices> | AppServices | undefined, log: FastifyBaseLogger): void {
  if (!services) return;
  let closing = false;
  let started: AppServices | undefined;
  app.addHook("onReady", async () => {
    void Promise.resolve(services).then(
      (built) => {
        if (closing) return;
        // Test doubles of the services may have no job service.
        built.jobs?.startWorkers(log);
        started = built;
      },
      () => {},
    );
  });
  app.addHook("preClose", async () => {
    closing = true;
    await started?.jobs?.stopWorkers();
  });
}
