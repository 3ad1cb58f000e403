import { AppError } from "../errors.js";

/**
 * Telling "the database could not be reached or dropped the connection" (a restart, a failover, a
 * network cut: worth retrying) from every other failure, so clients get 503 STORE_UNAVAILABLE with
 * Retry-After instead of a pipeline failure or a generic 500.
 */

/** Socket errors of a connection that could not be made or was lost. */
const CONNECTION_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * PostgreSQL SQLSTATEs that mean the server went away or is not taking work: class 08 (connection
 * exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;

/** node-postgres's own messages for a connection that ended or timed out (it gives them no code). */
const PG_CONNECTION_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
  "Query read timeout",
];

/** How deep a chain of causes (and AggregateError members) is searched. */
const MAX_CAUSE_DEPTH = 5;

export function isStoreConnectionError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > MAX_CAUSE_DEPTH) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  if (PG_CONNECTION_MESSAGES.some((message) => error.message.startsWith(message))) return true;
  if (error instanceof AggregateError && error.errors.some((member) => isStoreConnectionError(member, depth + 1))) return true;
  return isStoreConnectionError(error.cause, depth + 1);
}

/** The client-facing error: retryable, and without the database's address or the driver's message. */
export function storeUnavailable(cause: unknown): AppError {
  const error = new AppError("STORE_UNAVAILABLE", "The state database is unreachable (restarting, or the connection was lost); retry after the delay in Retry-After.", true);
  error.cause = cause;
  return error;
}

/** Runs `work`; a lost or refused database connection becomes STORE_UNAVAILABLE, anything else is rethrown as is. */
export async function whileStoreReachable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isStoreConnectionError(error) ? storeUnavailable(error) : error;
  }
}
