/**
 * Every error a client or an operator can see: a stable code, an HTTP status and a message that
 * says what to do. Thrown as AppError; the server and the CLIs turn it into a response or a message.
 */
export const ERROR_CATALOGUE = {
  INVALID_REQUEST: { status: 400, message: "The request is invalid." },
  INVALID_TOOL_INPUT: { status: 400, message: "A tool was called with invalid arguments." },
  PATH_OUTSIDE_REPOSITORY: { status: 400, message: "The path leaves the indexed repository." },
  SECRET_PATH: { status: 400, message: "The path names a secret file, which is never read." },
  FILE_NOT_INDEXED: { status: 404, message: "The file is not in the index (missing, ignored, binary or too large)." },
  NOT_FOUND: { status: 404, message: "Not found." },
  UNAUTHORIZED: { status: 401, message: "A valid API key is required: send Authorization: Bearer <key>." },
  RATE_LIMITED: { status: 429, message: "Too many requests; retry after the delay in Retry-After." },
  REQUEST_TIMEOUT: { status: 408, message: "The request was not received in time; send it again, all at once." },
  HEADERS_TOO_LARGE: { status: 431, message: "The request's headers (the URL among them) are too large; send shorter ones." },
  OVERLOADED: { status: 503, message: "The service is at capacity; retry after the delay in Retry-After." },
  NOT_READY: { status: 503, message: "The repository index is still being built; retry shortly." },
  PIPELINE_FAILED: { status: 502, message: "The question could not be answered because a pipeline step failed." },
  MODEL_UNAVAILABLE: { status: 503, message: "The language model provider is unavailable." },
  STORE_UNAVAILABLE: { status: 503, message: "The state database is unreachable; retry after the delay in Retry-After." },
  DEADLINE_EXCEEDED: { status: 504, message: "The request did not finish within its deadline." },
  CANCELLED: { status: 499, message: "The request was cancelled." },
  IDEMPOTENCY_KEY_REUSED: { status: 409, message: "This Idempotency-Key was already used with a different request; send a new key for a new request." },
  WORKER_LOST: { status: 503, message: "The job was interrupted too many times because the process running it stopped; submit it again." },
  INTERNAL: { status: 500, message: "An unexpected error occurred." },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CATALOGUE[code].message,
    readonly retryable = false,
  ) {
    super(message);
    this.name = "AppError";
    this.status = ERROR_CATALOGUE[code].status;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
