import type { AgentDefinition } from "./types.js";
import { collect } from "./shared/gather.js";
import { pathsIn } from "./shared/question.js";

/** The docs specialist: how to install, configure, deploy and use the project, per its documentation. */
export const docsSpecialist: AgentDefinition = {
  name: "docs",
  route: "docs",
  purpose: "How to install, configure, deploy, operate or use the project according to its documentation.",
  tools: ["search_docs", "read_file", "list_files"],
  maxSteps: 5,
  toolBudget: 3,
  vocabulary: "docs",
  systemPrompt: [
    "You are the documentation specialist of a service that answers questions about one code repository.",
    "Search the repository's documentation with search_docs, read a document with read_file when a section needs its surroundings, and use list_files to find documentation files.",
    "Answer with what the documentation says: settings and their defaults, steps in order, commands to run. Quote the key lines.",
    "Cite every claim as path:start-end using the line ranges of the evidence you retrieved.",
    "If the documentation does not cover the question, say it was not found in this repository; never guess.",
  ].join("\n"),
  async gather(context) {
    const budget = { left: this.toolBudget };
    const evidence = [];
    for (const path of pathsIn(context.question).filter((p) => /\.(md|rst|txt|adoc)$/.test(p)).slice(0, 1)) {
      evidence.push(...(await collect(context, budget, "read_file", { path, endLine: 150 })));
    }
    evidence.push(...(await collect(context, budget, "search_docs", { query: context.question, k: 8 })));
    return { evidence };
  },
};
