import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ERROR_CATALOGUE, isAppError, type ErrorCode } from "../errors.js";
import { REQUEST_ID_HEADER } from "./request-id.js";
import { MAX_PATH_PARAM_LENGTH, type ErrorResponse } from "./schemas.js";

/**
 * Every error leaves the server as `{error: {code, message, requestId}}` with a code from the one
 * catalogue (src/errors.ts). Fastify's own errors (content type, body size, JSON syntax, schema
 * validation) are translated here; anything unexpected becomes a generic 500 whose
 * details go to the log only, never to the client.
 */

interface ClientError {
  status: number;
  code: ErrorCode;
  message: string;
}

/** How long a client should wait before retrying, for errors that clear up by themselves. */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = { NOT_READY: 2, MODEL_UNAVAILABLE: 5, STORE_UNAVAILABLE: 2 };

const EXAMPLE_BODY = '{"question": "…"}';
const MAX_ECHOED_LENGTH = 100;
const clip = (text: string) => (text.length > MAX_ECHOED_LENGTH ? `${text.slice(0, MAX_ECHOED_LENGTH)}…` : text);

const invalid = (message: string): ClientError => ({ status: 400, code: "INVALID_REQUEST", message });

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as FastifyError).code === "string" && (error as FastifyError).code.startsWith("FST_");
}

/** "question: must not be empty; Unrecognized key: "foo"" from the validator's issues. */
function describeValidationIssues(issues: ReadonlyArray<{ instancePath: string; message?: string }>, part: string): string {
  return issues
    .map(({ instancePath, message = "is invalid" }) => {
      const field = instancePath.replace(/^\//, "").replaceAll("/", ".");
      return `${field || part}: ${message}`;
    })
    .join("; ");
}

function translateFastifyError(error: FastifyError, request: FastifyRequest): ClientError | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE": {
      const contentType = request.headers["content-type"];
      return invalid(`Content-Type must be application/json (got ${contentType ? `"${clip(contentType)}"` : "none"}).`);
    }
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return invalid(`The request body is larger than the limit of ${request.routeOptions.bodyLimit ?? "the configured"} bytes.`);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return invalid(`The request body is empty; send a JSON object like ${EXAMPLE_BODY}.`);
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return invalid(`The request body is not valid JSON; send a JSON object like ${EXAMPLE_BODY}.`);
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return invalid("The Content-Length header does not match the length of the body.");
    // Raised before routing (see answerFrameworkError); Fastify's own messages echo the whole path.
    case "FST_ERR_BAD_URL":
      return invalid("The URL is not valid: it has a malformed percent-encoding (% must be followed by two hex digits).");
    case "FST_ERR_MAX_PARAM_LENGTH":
      return invalid(`A path parameter is longer than ${MAX_PATH_PARAM_LENGTH} characters.`);
  }
  // Fastify's remaining client errors (prototype poisoning, …) carry fixed, safe messages.
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return invalid(error.message);
  return undefined;
}

/** Node's error on a request whose connection closed before its body was read (connResetException("aborted")). */
const isClientAbort = (error: unknown) => error instanceof Error && (error as NodeJS.ErrnoException).code === "ECONNRESET" && error.message === "aborted";

/** Maps any thrown value to what the client may see. */
function toClientError(error: unknown, request: FastifyRequest): ClientError {
  if (isAppError(error)) return { status: error.status, code: error.code, message: error.message };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const part = error.validationContext ?? "body";
    return invalid(`Invalid request ${part}: ${describeValidationIssues(error.validation, part)}.`);
  }
  if (isFastifyError(error)) {
    const translated = translateFastifyError(error, request);
    if (translated) return translated;
  }
  // The client closed the connection before its body arrived (Node aborts the request stream):
  // nothing failed here, and it must not be logged as an unexpected error.
  if (isClientAbort(error)) return { status: 499, code: "CANCELLED", message: "The client closed the connection before the request was received." };
  return { status: 500, code: "INTERNAL", message: ERROR_CATALOGUE.INTERNAL.message };
}

function sendError(request: FastifyRequest, reply: FastifyReply, clientError: ClientError): FastifyReply {
  const retryAfter = RETRY_AFTER_SECONDS[clientError.code];
  if (retryAfter !== undefined) reply.header("retry-after", String(retryAfter));
  request.errorCode = clientError.code;
  const body: ErrorResponse = { error: { code: clientError.code, message: clientError.message, requestId: request.id } };
  return reply.status(clientError.status).send(body);
}

/**
 * For Fastify's `frameworkErrors` option: errors it raises before routing (a malformed
 * percent-encoding, an over-long path parameter), which neither the error handler nor the hooks
 * see, answered in the same shape with the request id.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header(REQUEST_ID_HEADER, request.id);
  void sendError(request, reply, toClientError(error, request));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const clientError = toClientError(error, request);
    // Operators need the stack of the unexpected only; a known failure's message says what happened.
    if (clientError.code === "INTERNAL") request.log.error({ err: error }, "unexpected error");
    else if (clientError.status >= 500 && clientError.code !== "NOT_READY") request.log.warn({ errorCode: clientError.code }, clientError.message);
    return sendError(request, reply, clientError);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, {
      status: 404,
      code: "NOT_FOUND",
      message: `No route for ${request.method} ${clip(request.url)}; the API is described at /docs.`,
    }),
  );
}
