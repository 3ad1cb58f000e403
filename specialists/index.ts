import type { Route } from "../src/contract.js";
import { codeSpecialist } from "./code.js";
import { debugSpecialist } from "./debug.js";
import { docsSpecialist } from "./docs.js";
import { generalSpecialist } from "./general.js";
import type { AgentDefinition } from "./types.js";

export const SPECIALISTS: Readonly<Record<Route, AgentDefinition>> = {
  code: codeSpecialist,
  docs: docsSpecialist,
  debug: debugSpecialist,
  general: generalSpecialist,
};

export { singleAgent } from "./single-agent.js";
export type { AgentDefinition, AgentOutput, Turn } from "./types.js";
