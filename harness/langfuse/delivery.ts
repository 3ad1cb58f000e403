import { runPool } from "../runner/pool.js";
import { describeLangfuseFailure } from "./client.js";

/** What became of a batch of requests; the command prints it, nothing here throws. */
export interface DeliveryReport {
  sent: number;
  failed: number;
  /** Never attempted because delivery stopped (a fatal failure, or too many failures in a row). */
  skipped: number;
  /** Distinct failure messages, first seen first (bounded). */
  errors: string[];
  /** Why delivery stopped early, if it did. */
  stoppedBecause: string | null;
}

export interface DeliveryOptions {
  /** Requests in flight at once. */
  concurrency?: number;
  /** Stop after this many failures in a row: a Langfuse that fails them all is not coming back soon. */
  maxConsecutiveFailures?: number;
}

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_MAX_CONSECUTIVE_FAILURES = 5;
const MAX_DISTINCT_ERRORS = 5;

/**
 * Sends every item with bounded concurrency. A request that fails is counted and described; a
 * fatal failure (keys rejected, server unreachable) or a run of failures stops the rest, which are
 * counted as skipped, so a Langfuse outage costs seconds, not one timeout per score.
 */
export async function deliverAll<T>(
  items: readonly T[],
  send: (item: T) => Promise<void>,
  baseUrl: string,
  options: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const maxConsecutive = options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES;
  const report: DeliveryReport = { sent: 0, failed: 0, skipped: 0, errors: [], stoppedBecause: null };
  const stop = new AbortController();
  let consecutiveFailures = 0;
  let attempted = 0;
  await runPool(
    items,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async (item) => {
      attempted++;
      try {
        await send(item);
        report.sent++;
        consecutiveFailures = 0;
      } catch (error) {
        report.failed++;
        consecutiveFailures++;
        const failure = describeLangfuseFailure(error, baseUrl);
        if (!report.errors.includes(failure.message) && report.errors.length < MAX_DISTINCT_ERRORS) report.errors.push(failure.message);
        if (!stop.signal.aborted && (failure.fatal || consecutiveFailures >= maxConsecutive)) {
          report.stoppedBecause = failure.fatal ? failure.message : `${consecutiveFailures} requests in a row failed`;
          stop.abort();
        }
      }
    },
    stop.signal,
  );
  report.skipped = items.length - attempted;
  return report;
}

/** "12 sent, 2 failed (HTTP 500: …), 30 skipped: <reason>" — for warnings. */
export function describeDelivery(report: DeliveryReport): string {
  const parts = [`${report.sent} sent`];
  if (report.failed > 0) parts.push(`${report.failed} failed (${report.errors.join("; ")})`);
  if (report.skipped > 0) parts.push(`${report.skipped} not attempted`);
  const text = parts.join(", ");
  return report.stoppedBecause ? `${text}; stopped: ${report.stoppedBecause}` : text;
}

export const deliveredAll = (report: DeliveryReport) => report.failed === 0 && report.skipped === 0;
