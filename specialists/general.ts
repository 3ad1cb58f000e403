import type { Evidence } from "../src/contract.js";
import type { AgentDefinition } from "./types.js";
import { collect } from "./shared/gather.js";
import { readDependencies } from "./shared/gather.js";
import { asksAboutStack, topLevelManifests, topLevelReadme } from "./shared/project-files.js";

/**
 * The general specialist: questions about the repository as a whole, and the fallback when another
 * specialist fails. It reads the top-level README and searches docs and code, on a small budget.
 */
export const generalSpecialist: AgentDefinition = {
  name: "general",
  route: "general",
  purpose: "Broad questions about the repository as a whole: what it does, what it is built with, how it is laid out, how its parts fit together.",
  tools: ["search_code", "find_symbol", "read_file", "list_files", "search_docs", "parse_stack_trace", "search_errors"],
  maxSteps: 4,
  toolBudget: 4,
  vocabulary: "all",
  systemPrompt: [
    "You are the generalist of a service that answers questions about one code repository: its purpose, stack, layout and how its parts fit together.",
    "Start from the README and the documentation (read_file, search_docs), look at the layout with list_files, and search the code when needed. You have a small budget of tool calls: use few.",
    "Answer at the level of the whole repository and quote the key lines.",
    "Cite every claim as path:start-end using the line ranges of the evidence you retrieved.",
    "If the repository does not contain the answer, say it was not found in this repository; never guess.",
  ].join("\n"),
  async gather(context) {
    const budget = { left: this.toolBudget };
    const evidence: Evidence[] = [];
    const readme = topLevelReadme(context.index);
    if (readme) evidence.push(...(await collect(context, budget, "read_file", { path: readme, endLine: 60 })));
    const manifest = topLevelManifests(context.index)[0];
    const pinned = manifest && asksAboutStack(context.question) ? await readDependencies(context, budget, manifest) : [];
    evidence.push(...pinned);
    evidence.push(...(await collect(context, budget, "search_docs", { query: context.question, k: 5 })));
    evidence.push(...(await collect(context, budget, "search_code", { query: context.question, k: 5 })));
    return { evidence, pinned };
  },
};
