import { z } from "zod";
import { AskResultSchema, PipelineNameSchema, RunErrorSchema, RunEventSchema, RunStepSchema } from "../contract.js";
import { ERROR_CATALOGUE, type ErrorCode } from "../errors.js";
import { THREAD_TURN_LIMIT, ThreadTurnSchema } from "../store/thread-turns.js";

/**
 * The API's request and response schemas. They validate requests, serialise responses and
 * generate the OpenAPI document, so each shape is written once.
 */

/**
 * Names (`id`) and descriptions for the OpenAPI document. Fields are described by registering them
 * here rather than with `.describe()`, whose global-registry metadata the generator does not read.
 */
export const apiSchemaRegistry = z.registry<{ id?: string; description?: string }>();

export const MAX_QUESTION_LENGTH = 8000;
/** Room for an 8000-character question even when every character is JSON-escaped, and little more. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Longest path parameter the router passes on to a route's schema (a longer one is answered 414 by Fastify). */
export const MAX_PATH_PARAM_LENGTH = 1000;

/** One conversation's id, chosen by the client: in POST /ask bodies and in /threads/{threadId} paths. */
export const ThreadIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(/^[A-Za-z0-9._:-]+$/, "may contain only letters, digits and . _ : -");

export const AskRequestSchema = z.strictObject(
  {
    question: z
      .string({ error: (issue) => (issue.input === undefined ? "required" : "must be a string") })
      .trim()
      .min(1, "must not be empty")
      .max(MAX_QUESTION_LENGTH, `must be at most ${MAX_QUESTION_LENGTH} characters`)
      .register(apiSchemaRegistry, { description: "The question about the repository; a pasted stack trace or log is welcome." }),
    pipeline: PipelineNameSchema.default("orchestrated").register(apiSchemaRegistry, {
      description: "`orchestrated` (router and specialists) or `baseline` (one agent with every tool).",
    }),
    threadId: ThreadIdSchema.optional().register(apiSchemaRegistry, {
      description: "Continues the conversation of this thread: its earlier turns reach the router and the specialists (see GET /threads/{threadId}). Also the trace's session.",
    }),
    userId: z.string().min(1).max(200).optional().register(apiSchemaRegistry, { description: "Who asked; recorded on the trace." }),
  },
  { error: (issue) => (issue.code === "invalid_type" ? 'must be a JSON object like {"question": "…"}' : undefined) },
);

const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

export const ErrorResponseSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES).register(apiSchemaRegistry, { description: "Stable error code from the catalogue in src/errors.ts." }),
    message: z.string().register(apiSchemaRegistry, { description: "What went wrong and what to do about it." }),
    requestId: z.string().optional().register(apiSchemaRegistry, { description: "The x-request-id of the request, for finding its log line." }),
  }),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

export const HealthSchema = z.object({ status: z.literal("ok") });

export const ReadySchema = z.object({
  status: z.literal("ready"),
  provider: z.enum(["offline", "openai"]),
  indexVersion: z.string(),
  files: z.number().int().nonnegative(),
  chunks: z.number().int().nonnegative(),
  modelCircuit: z
    .enum(["closed", "open", "half_open"])
    .optional()
    .register(apiSchemaRegistry, { description: "The model provider's circuit breaker (OpenAI provider): while `open`, answers come from the offline provider with `degraded: true`." }),
});

export const ThreadParamsSchema = z.object({ threadId: ThreadIdSchema });

export const ThreadSchema = z.object({
  threadId: z.string(),
  turns: z.array(ThreadTurnSchema).register(apiSchemaRegistry, { description: `The thread's answered questions, oldest first (the newest ${THREAD_TURN_LIMIT} are kept).` }),
});

/** The body of `text/event-stream` responses: each event's `data` is one of these, and its `event:` field is the `type`. */
export const EventStreamResponseSchema = (description: string) => ({
  description,
  content: { "text/event-stream": { schema: RunEventSchema } },
});

export const IdempotencyHeadersSchema = z.looseObject({
  "idempotency-key": z
    .string()
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters")
    .regex(/^[\x21-\x7e]+$/, "may contain only printable ASCII characters without spaces")
    .optional()
    .register(apiSchemaRegistry, { description: "Sending the same key again (same caller) returns the job it created, with 200 instead of 202, instead of queueing another." }),
});

export const LastEventIdHeadersSchema = z.looseObject({
  "last-event-id": z
    .string()
    .regex(/^\d{1,15}$/, "must be the id of an event of this stream (a number)")
    .transform(Number)
    .optional()
    .register(apiSchemaRegistry, { description: "Resume after this event: the events after it are replayed, then new ones follow. Browsers' EventSource sends it when reconnecting." }),
});

export const JobParamsSchema = z.object({ jobId: z.uuid("must be a job id (a UUID)") });

const JobStatusSchema = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);

export const JobAcceptedSchema = z.object({
  jobId: z.string(),
  status: JobStatusSchema,
  statusUrl: z.string(),
  eventsUrl: z.string(),
  cancelUrl: z.string(),
});

export const JobSchema = z.object({
  jobId: z.string(),
  status: JobStatusSchema,
  progress: z
    .object({ step: z.enum(["queued", "starting", ...RunStepSchema.options, "finished"]), label: z.string() })
    .register(apiSchemaRegistry, { description: "What the job is doing: `queued`, `starting`, a pipeline step (routing, searching_code, reading_docs, …, synthesizing) or `finished`." }),
  result: AskResultSchema.optional().register(apiSchemaRegistry, { description: "The answer, once the job has succeeded." }),
  error: RunErrorSchema.optional().register(apiSchemaRegistry, { description: "Why the job failed or was cancelled." }),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
  attempts: z.number().int().nonnegative().register(apiSchemaRegistry, { description: "Runs started: more than one when the process running the job died and another took it over." }),
  cancelRequested: z.boolean(),
});

export const JobCancelSchema = z.object({
  jobId: z.string(),
  status: JobStatusSchema,
  message: z.string(),
});

// Named schemas become components of the OpenAPI document instead of being inlined.
apiSchemaRegistry.add(AskRequestSchema, { id: "AskRequest" });
apiSchemaRegistry.add(AskResultSchema, { id: "AskResult" });
apiSchemaRegistry.add(ErrorResponseSchema, { id: "ErrorResponse" });
apiSchemaRegistry.add(RunEventSchema, { id: "RunEvent" });
apiSchemaRegistry.add(JobSchema, { id: "Job" });
