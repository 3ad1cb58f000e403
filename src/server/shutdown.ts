import type { FastifyInstance } from "fastify";

/**
 * Once close() starts, in-flight responses tell the client to close the connection. Without it a
 * keep-alive connection stays open after its last response and close() waits for the keep-alive
 * timeout (72 s) instead of returning when the last request is answered.
 */
export function closeConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });
}

/**
 * Stops accepting connections, lets in-flight requests finish and runs the onClose hooks (where
 * tracing flushes). Resolves false when that takes longer than `graceMs`.
 */
export async function closeGracefully(app: FastifyInstance, graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  try {
    return await Promise.race([app.close().then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** On SIGTERM or SIGINT: close gracefully, then exit 0 (1 if the grace period ran out). A second signal exits at once. */
export function exitOnSignals(app: FastifyInstance, graceMs: number, exit: (code: number) => void = process.exit): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      app.log.warn({ signal }, "second signal: exiting without waiting for in-flight requests");
      exit(1);
      return;
    }
    shuttingDown = true;
    app.log.info({ signal, graceMs }, "shutting down: finishing in-flight requests");
    void closeGracefully(app, graceMs).then(
      (closed) => {
        if (closed) app.log.info("server closed");
        else app.log.error({ graceMs }, "in-flight requests did not finish within the grace period; exiting anyway");
        exit(closed ? 0 : 1);
      },
      (error: unknown) => {
        app.log.error({ err: error }, "error while closing the server");
        exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
