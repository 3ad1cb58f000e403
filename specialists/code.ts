import type { AgentDefinition } from "./types.js";
import { collect } from "./shared/gather.js";
import { identifiersIn, pathsIn } from "./shared/question.js";

/**
 * The code specialist: where things are defined and how they work. It looks up the identifiers a
 * question names, searches the source for the behaviour it describes, and reads a file it names.
 */
export const codeSpecialist: AgentDefinition = {
  name: "code",
  route: "code",
  purpose: "How something is implemented, where a function, class or constant is defined, what code does, how modules call each other.",
  tools: ["search_code", "find_symbol", "read_file"],
  maxSteps: 6,
  toolBudget: 4,
  vocabulary: "source",
  systemPrompt: [
    "You are the code specialist of a service that answers questions about one code repository.",
    "Find the source that answers the question with your tools: find_symbol for names the question mentions, search_code for behaviour described in words, read_file to see more of a file around a hit.",
    "Answer from the source you retrieved: name the functions, classes and constants involved, explain what they do, and quote the key lines.",
    "Cite every claim as path:start-end using the line ranges of the evidence you retrieved.",
    "If the repository does not contain the answer, say it was not found in this repository; never guess.",
  ].join("\n"),
  async gather(context) {
    const budget = { left: this.toolBudget };
    const evidence = [];
    for (const path of pathsIn(context.question).slice(0, 1)) evidence.push(...(await collect(context, budget, "read_file", { path, endLine: 120 })));
    for (const name of identifiersIn(context.question).slice(0, 2)) evidence.push(...(await collect(context, budget, "find_symbol", { name })).slice(0, 3));
    evidence.push(...(await collect(context, budget, "search_code", { query: context.question, k: 8 })));
    return { evidence };
  },
};
