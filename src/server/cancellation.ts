import type { FastifyReply } from "fastify";
import { AppError } from "../errors.js";

export interface RequestCancellation {
  /** Aborts when the client disconnects or the deadline passes; its reason is the AppError to report. */
  readonly signal: AbortSignal;
  /** True once the client has gone away: there is nobody left to answer. */
  readonly clientGone: boolean;
  /** Runs `work`, settling early with the abort reason if the signal fires before `work` honours it. */
  race<T>(work: Promise<T>): Promise<T>;
  dispose(): void;
}

/**
 * Cancellation for one request. Fastify's `request.signal` cannot serve here: on Node 20 it aborts
 * as soon as a POST body has been read (it listens to the request stream's 'close'), so this
 * watches the response instead, whose 'close' before end() means the connection dropped.
 */
export function cancelOnDisconnectOrDeadline(reply: FastifyReply, deadlineMs: number): RequestCancellation {
  const controller = new AbortController();
  let clientGone = false;
  const onClose = () => {
    if (reply.raw.writableEnded) return;
    clientGone = true;
    controller.abort(new AppError("CANCELLED", "The client disconnected before the answer was ready."));
  };
  reply.raw.once("close", onClose);
  const deadline = setTimeout(
    () => controller.abort(new AppError("DEADLINE_EXCEEDED", `The question was not answered within ${deadlineMs} ms; retry, or ask something narrower.`)),
    deadlineMs,
  );
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
  });
  // Nobody awaits `aborted` when the work wins the race; an unobserved rejection would crash the process.
  aborted.catch(() => {});

  return {
    signal: controller.signal,
    get clientGone() {
      return clientGone;
    },
    race: (work) => Promise.race([work, aborted]),
    dispose() {
      clearTimeout(deadline);
      reply.raw.off("close", onClose);
    },
  };
}
