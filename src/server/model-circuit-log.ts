import type { FastifyBaseLogger } from "fastify";
import type { AppServices } from "../app.js";
import { redactSecrets } from "../index/secrets.js";
import type { CircuitTransition } from "../models/circuit-breaker.js";

const MESSAGES: Record<CircuitTransition["to"], string> = {
  open: "model provider circuit opened: answering offline (degraded) until a trial call succeeds",
  half_open: "model provider circuit half-open: trying the model again",
  closed: "model provider circuit closed: answering with the model again",
};

/** One log line per change of the model provider's circuit, once the services (and the circuit) exist. */
export function logModelCircuitTransitions(log: FastifyBaseLogger, services: Promise<AppServices> | AppServices | undefined): void {
  Promise.resolve(services).then(
    (built) =>
      built?.modelCircuit?.onTransition(({ from, to, consecutiveFailures, lastError }) => {
        const reason = lastError === undefined ? undefined : redactSecrets(lastError instanceof Error ? lastError.message : String(lastError));
        const fields = { modelCircuit: to, from, consecutiveFailures, ...(reason ? { reason } : {}) };
        if (to === "open") log.warn(fields, MESSAGES[to]);
        else log.info(fields, MESSAGES[to]);
      }),
    // A failed build is reported by whoever built the services (main.ts).
    () => {},
  );
}
