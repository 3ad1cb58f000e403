/** True for tests, specs and fixtures in the common layouts of most ecosystems. */
export function isTestPath(path: string): boolean {
  return /(^|\/)(tests?|__tests__|spec|specs|fixtures?|__fixtures__|testdata|e2e)\/|[._-](test|spec)\.[a-z]+$|(^|\/)test_[^/]+$|_test\.(go|py)$/.test(path);
}

/** True when a question or query is about tests themselves, so test files should not rank lower. */
export function asksAboutTests(text: string): boolean {
  return /\b(test|tests|tested|testing|spec|specs|fixture|fixtures|coverage)\b/i.test(text);
}

/** TypeScript declaration files: the shape of an API, not its behaviour. */
export function isDeclarationPath(path: string): boolean {
  return /\.d\.[mc]?ts$/.test(path);
}

/** True when a question is about types, typings or declarations, so declaration files should not rank lower. */
export function asksAboutTypes(text: string): boolean {
  return /\b(types?|typings?|typed|interfaces?|declarations?|declared|typescript|generics?|d\.ts)\b/i.test(text);
}
