/** Questions from harness/benchmarks/sample-repo.jsonl, one per route, with the file that answers each. */
export const SAMPLE_QUESTION_PER_ROUTE = [
  { route: "code", question: "What does TokenBucket.tryRemove do when there aren't enough tokens left?", file: "src/ratelimit/tokenBucket.ts" },
  { route: "docs", question: "I'm writing a receiver in Python. How do I verify the Hookrelay signature?", file: "docs/signature-verification.md" },
  {
    route: "debug",
    question:
      'ConfigError: WEBHOOK_SIGNING_SECRET must start with "whsec_"\n    at readSigningSecret (/app/src/config.ts:69:11)\n' +
      "    at loadConfig (/app/src/config.ts:120:15)\n    at main (/app/src/main.ts:7:18)\n\n" +
      "got this from npm run dev. my secret is just a long random string, why isn't it accepted?",
    file: "src/config.ts",
  },
  { route: "general", question: "Which third-party Python packages does the worker depend on?", file: "worker/pyproject.toml" },
] as const;
