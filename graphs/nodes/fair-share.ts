import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Lets the event loop run before a node's CPU work. An offline question is a few milliseconds of
 * synchronous work per node, chained by promises that never leave the microtask queue; without a
 * turn of the loop between nodes, a saturated process stops accepting connections and reading
 * sockets until its in-flight questions finish, and new clients wait seconds just to connect.
 */
export const yieldToEventLoop = (): Promise<void> => nextTurn();
