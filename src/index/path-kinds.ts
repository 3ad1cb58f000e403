/** True for tests, specs and fixtures in the common layouts of most ecosystems. */
export function isTestPath(path: string): boolean {
  return /(^|\/)(tests?|__tests__|spec|specs|fixtures?|__fixtures__|testdata|e2e)\/|[._-](test|spec)\.[a-z]+$|(^|\/)test_[^/]+$|_test\.(go|py)$/.test(path);
}
