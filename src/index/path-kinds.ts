/** True for tests, specs and fixtures in the common layouts of most ecosystems. */
export function isTestPath(path: string): boolean {
  return /(^|\/)(tests?|__tests__|spec|specs|fixtures?|__fixtures__|testdata|e2e)\/|[._-](test|spec)\.[a-z]+$|(^|\/)test_[^/]+$|_test\.(go|py)$/.test(path);
}

/** True when a question or query is about tests themselves, so test files should not rank lower. */
export function asksAboutTests(text: string): boolean {
  return /\b(test|tests|tested|testing|spec|specs|fixture|fixtures|coverage)\b/i.test(text);
}
