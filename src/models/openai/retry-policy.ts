import { classifyRateLimitError } from "@langchain/core/utils/async_caller";

/**
 * Which failed model calls are retried. LangChain's caller retries with exponential backoff and
 * jitter (1–2 s, then 2–4 s, …, up to MODEL_MAX_RETRIES times) and asks this handler after each
 * failed attempt: returning lets it retry, throwing stops it.
 *
 * Retried: 429 (waiting at least its Retry-After), 408, 5xx, and a connection that failed before
 * any response. Not retried: any other 4xx (the request is wrong or unauthorised and would fail
 * again), a 429 that says the quota is exhausted or asks to wait more than a minute, a call that
 * ran out of MODEL_TIMEOUT_MS (retrying it would spend the request's deadline), and an abort.
 *
 * LangChain's default differs on two points that matter here: it does not retry a 429 without a
 * Retry-After header (which most OpenAI-compatible servers send), and it retries timeouts.
 */
export function retryOnlyTransientFailures(error: unknown): void {
  if (typeof error !== "object" || error === null) throw error;
  const { name } = error as { name?: unknown };
  if (name === "AbortError" || name === "TimeoutError") throw error;
  const status = (error as { status?: unknown }).status;
  if (typeof status !== "number") {
    if (error.constructor?.name === "APIConnectionError") return;
    throw error;
  }
  if (status === 429) {
    const rateLimit = classifyRateLimitError(error);
    if (rateLimit?.action === "stop") throw error;
    if (rateLimit?.retryAfterMs !== undefined) {
      if (rateLimit.action !== "wait") throw error;
      // The caller waits the longer of its backoff and this.
      (error as { retryAfterMs?: number }).retryAfterMs = rateLimit.retryAfterMs;
    }
    return;
  }
  if (status === 408 || status >= 500) return;
  throw error;
}
