import type { AppServices } from "../app.js";
import { AppError } from "../errors.js";

/**
 * The services arrive after the server is listening (building the index can take a while), so
 * routes ask this gate for them: it hands them out once built and refuses with NOT_READY before.
 */
export interface Readiness {
  /** The services once built; undefined while building or after a failed build. */
  current(): AppServices | undefined;
  /** The services, or a NOT_READY AppError explaining why there are none yet. */
  require(): AppServices;
}

export function trackReadiness(services: Promise<AppServices> | AppServices | undefined): Readiness {
  let ready: AppServices | undefined;
  let failure: unknown;
  if (services instanceof Promise) {
    // The owner of the promise (main.ts) reports a failed build and exits; here it only keeps the server from claiming readiness.
    services.then(
      (built) => (ready = built),
      (error: unknown) => (failure = error),
    );
  } else {
    ready = services;
  }
  return {
    current: () => ready,
    require() {
      if (ready) return ready;
      throw new AppError(
        "NOT_READY",
        failure === undefined ? undefined : "The repository index could not be built; the service cannot answer questions (see the server log).",
      );
    },
  };
}
