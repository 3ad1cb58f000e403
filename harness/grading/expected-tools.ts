import type { Route } from "../../src/contract.js";

/**
 * The tools a question of each route is expected to need. One table, used for both pipelines:
 * the baseline is judged by the benchmark's expected route, since it does not route itself.
 * `"any"` means every tool is on-route (general questions have no specific toolkit).
 */
export const EXPECTED_TOOLS_BY_ROUTE: Readonly<Record<Route, readonly string[] | "any">> = {
  code: ["search_code", "find_symbol", "read_file"],
  docs: ["search_docs", "read_file", "list_files"],
  debug: ["parse_stack_trace", "search_errors", "read_file", "search_code"],
  general: "any",
};
