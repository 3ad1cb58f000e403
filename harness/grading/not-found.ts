import { NOT_FOUND_PHRASE } from "../../src/contract.js";

/**
 * Does the answer clearly say the repository does not contain what was asked?
 *
 * Kept deliberately small. It accepts NOT_FOUND_PHRASE ("not found in this repository") and four
 * equivalent statements, each of which must be ABOUT THE REPOSITORY, so that an answer describing
 * code behaviour ("throws when the file could not be found") does not match:
 *   1. "<something> is/are/was not found|present|defined|mentioned|documented in/anywhere in this|the repository|repo|codebase"
 *   2. "this|the repository|repo|codebase does not|doesn't contain|include|define|mention|document|have"
 *   3. "no mention|information|evidence|reference|definition of|about|to ... in|within this|the repository|repo|codebase"
 *   4. "could not|couldn't|cannot|can't|was unable to|unable to find|locate ... in|within this|the repository|repo|codebase"
 * Matching is case-insensitive; patterns 3 and 4 allow at most 80 characters between the parts.
 */
const EQUIVALENTS: readonly RegExp[] = [
  /\b(?:is|are|was|were)\s+not\s+(?:found|present|defined|mentioned|documented)\s+(?:anywhere\s+)?in\s+(?:this|the)\s+(?:repository|repo|codebase|code\s*base)\b/i,
  /\b(?:this|the)\s+(?:repository|repo|codebase|code\s*base)\s+(?:does\s+not|doesn't|does\s+not\s+appear\s+to)\s+(?:contain|include|define|mention|document|have)\b/i,
  /\bno\s+(?:mention|information|evidence|reference|definition)s?\s+(?:of|about|to|for)\b.{0,80}?\b(?:in|within)\s+(?:this|the)\s+(?:repository|repo|codebase|code\s*base)\b/i,
  /\b(?:could\s+not|couldn't|cannot|can't|was\s+unable\s+to|unable\s+to)\s+(?:find|locate)\b.{0,80}?\b(?:in|within)\s+(?:this|the)\s+(?:repository|repo|codebase|code\s*base)\b/i,
];

export function saysNotFound(answer: string): boolean {
  if (answer.toLowerCase().includes(NOT_FOUND_PHRASE)) return true;
  return EQUIVALENTS.some((pattern) => pattern.test(answer));
}
