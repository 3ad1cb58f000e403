import { htmlReporter } from "./html-reporter.js";
import { jsonReporter } from "./json-reporter.js";
import { markdownReporter } from "./markdown-reporter.js";
import type { Reporter } from "./reporter.js";

export const REPORTERS: readonly Reporter[] = [markdownReporter, htmlReporter, jsonReporter];
