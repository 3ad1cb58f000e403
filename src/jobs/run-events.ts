import type { AskResult, RunError, RunEvent, RunProgressEvent } from "../contract.js";
import { ERROR_CATALOGUE, isAppError, type ErrorCode } from "../errors.js";

/**
 * One question run as a sequence of events, the same for POST /ask/stream and for jobs: the
 * pipeline's progress as it happens, then `answer` or `error`, then `done`.
 */

/** How a run ended. */
export type RunOutcome = { status: "succeeded"; result: AskResult } | { status: "failed" | "cancelled"; error: RunError };

/** Failures that may well not happen again: worth retrying the same question later. */
const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set(["MODEL_UNAVAILABLE", "STORE_UNAVAILABLE", "OVERLOADED", "NOT_READY", "DEADLINE_EXCEEDED", "RATE_LIMITED", "WORKER_LOST"]);

/**
 * The outcome of a run that threw. When the run was aborted, the abort reason says why (the
 * client left, the deadline passed, the job was cancelled): the pipeline reports every abort as
 * CANCELLED. Anything that is not one of our errors is reported as INTERNAL, without its details.
 */
export function failedOutcome(error: unknown, signal: AbortSignal): Extract<RunOutcome, { status: "failed" | "cancelled" }> {
  const reason = signal.aborted ? signal.reason : error;
  if (!isAppError(reason)) return { status: "failed", error: { code: "INTERNAL", message: ERROR_CATALOGUE.INTERNAL.message, retryable: false } };
  return {
    status: reason.code === "CANCELLED" ? "cancelled" : "failed",
    error: { code: reason.code, message: reason.message, retryable: reason.retryable || TRANSIENT_CODES.has(reason.code) },
  };
}

export interface RunToOutcomeOptions {
  signal: AbortSignal;
  /** Receives the progress events; a listener that throws does not stop the run. */
  onEvent: (event: RunProgressEvent) => void;
  /** Errors that are not ours (bugs): for the log, since the client only hears INTERNAL. */
  onUnexpectedError?: (error: unknown) => void;
}

/** Runs `run` with a progress listener and returns how it ended; it never throws. */
export async function runToOutcome(run: (onEvent: (event: RunProgressEvent) => void) => Promise<AskResult>, options: RunToOutcomeOptions): Promise<RunOutcome> {
  const onEvent = (event: RunProgressEvent) => {
    try {
      options.onEvent(event);
    } catch (error) {
      options.onUnexpectedError?.(error);
    }
  };
  try {
    return { status: "succeeded", result: await run(onEvent) };
  } catch (error) {
    const outcome = failedOutcome(error, options.signal);
    if (outcome.error.code === "INTERNAL") options.onUnexpectedError?.(error);
    return outcome;
  }
}

/** The events that close a run with this outcome. */
export function finalEvents(outcome: RunOutcome): RunEvent[] {
  const done: RunEvent = { type: "done", status: outcome.status };
  return outcome.status === "succeeded" ? [{ type: "answer", result: outcome.result }, done] : [{ type: "error", ...outcome.error }, done];
}
