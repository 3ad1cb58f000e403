/** What the indexer knows about a file from its name alone. */

export type FileCategory = "code" | "doc" | "text";

/** Languages with a tree-sitter grammar shipped by @vscode/tree-sitter-wasm that we chunk by symbol. */
export type GrammarLanguage =
  | "typescript"
  | "tsx"
  | "javascript"
  | "python"
  | "go"
  | "java"
  | "rust"
  | "ruby"
  | "c-sharp";

export interface FileType {
  category: FileCategory;
  /** A language name for display and stack-trace mapping ("typescript", "markdown", "yaml"...). */
  language: string;
  grammar?: GrammarLanguage;
  /** How doc files are split into sections. */
  docFormat?: "markdown" | "rst" | "plain";
}

const BY_EXTENSION: Record<string, FileType> = {
  ".ts": { category: "code", language: "typescript", grammar: "typescript" },
  ".mts": { category: "code", language: "typescript", grammar: "typescript" },
  ".cts": { category: "code", language: "typescript", grammar: "typescript" },
  ".tsx": { category: "code", language: "typescript", grammar: "tsx" },
  ".js": { category: "code", language: "javascript", grammar: "javascript" },
  ".mjs": { category: "code", language: "javascript", grammar: "javascript" },
  ".cjs": { category: "code", language: "javascript", grammar: "javascript" },
  ".jsx": { category: "code", language: "javascript", grammar: "javascript" },
  ".py": { category: "code", language: "python", grammar: "python" },
  ".pyi": { category: "code", language: "python", grammar: "python" },
  ".go": { category: "code", language: "go", grammar: "go" },
  ".java": { category: "code", language: "java", grammar: "java" },
  ".rs": { category: "code", language: "rust", grammar: "rust" },
  ".rb": { category: "code", language: "ruby", grammar: "ruby" },
  ".cs": { category: "code", language: "csharp", grammar: "c-sharp" },
  ".kt": { category: "code", language: "kotlin" },
  ".swift": { category: "code", language: "swift" },
  ".scala": { category: "code", language: "scala" },
  ".c": { category: "code", language: "c" },
  ".h": { category: "code", language: "c" },
  ".cc": { category: "code", language: "cpp" },
  ".cpp": { category: "code", language: "cpp" },
  ".hpp": { category: "code", language: "cpp" },
  ".php": { category: "code", language: "php" },
  ".sh": { category: "code", language: "shell" },
  ".bash": { category: "code", language: "shell" },
  ".ps1": { category: "code", language: "powershell" },
  ".sql": { category: "code", language: "sql" },
  ".vue": { category: "code", language: "vue" },
  ".svelte": { category: "code", language: "svelte" },
  ".lua": { category: "code", language: "lua" },
  ".ex": { category: "code", language: "elixir" },
  ".exs": { category: "code", language: "elixir" },
  ".erl": { category: "code", language: "erlang" },
  ".hs": { category: "code", language: "haskell" },
  ".clj": { category: "code", language: "clojure" },
  ".dart": { category: "code", language: "dart" },
  ".r": { category: "code", language: "r" },
  ".pl": { category: "code", language: "perl" },
  ".tf": { category: "code", language: "terraform" },
  ".proto": { category: "code", language: "protobuf" },
  ".graphql": { category: "code", language: "graphql" },
  ".md": { category: "doc", language: "markdown", docFormat: "markdown" },
  ".mdx": { category: "doc", language: "markdown", docFormat: "markdown" },
  ".markdown": { category: "doc", language: "markdown", docFormat: "markdown" },
  ".rst": { category: "doc", language: "restructuredtext", docFormat: "rst" },
  ".adoc": { category: "doc", language: "asciidoc", docFormat: "plain" },
  ".txt": { category: "doc", language: "text", docFormat: "plain" },
  ".json": { category: "text", language: "json" },
  ".jsonc": { category: "text", language: "json" },
  ".yaml": { category: "text", language: "yaml" },
  ".yml": { category: "text", language: "yaml" },
  ".toml": { category: "text", language: "toml" },
  ".ini": { category: "text", language: "ini" },
  ".cfg": { category: "text", language: "ini" },
  ".conf": { category: "text", language: "config" },
  ".properties": { category: "text", language: "properties" },
  ".xml": { category: "text", language: "xml" },
  ".html": { category: "text", language: "html" },
  ".css": { category: "text", language: "css" },
  ".scss": { category: "text", language: "css" },
  ".gradle": { category: "text", language: "gradle" },
  ".log": { category: "text", language: "log" },
  ".csv": { category: "text", language: "csv" },
  ".example": { category: "text", language: "config" },
};

const BY_BASENAME: Record<string, FileType> = {
  dockerfile: { category: "text", language: "dockerfile" },
  makefile: { category: "text", language: "makefile" },
  procfile: { category: "text", language: "config" },
  gemfile: { category: "code", language: "ruby" },
  rakefile: { category: "code", language: "ruby" },
  jenkinsfile: { category: "text", language: "groovy" },
  readme: { category: "doc", language: "text", docFormat: "plain" },
  license: { category: "doc", language: "text", docFormat: "plain" },
  copying: { category: "doc", language: "text", docFormat: "plain" },
  changelog: { category: "doc", language: "text", docFormat: "plain" },
  contributing: { category: "doc", language: "text", docFormat: "plain" },
  authors: { category: "doc", language: "text", docFormat: "plain" },
  codeowners: { category: "text", language: "config" },
  ".gitignore": { category: "text", language: "config" },
  ".dockerignore": { category: "text", language: "config" },
  ".editorconfig": { category: "text", language: "config" },
};

export function fileTypeOf(relativePath: string): FileType | undefined {
  const base = relativePath.slice(relativePath.lastIndexOf("/") + 1).toLowerCase();
  const byName = BY_BASENAME[base] ?? (base.startsWith("dockerfile") ? BY_BASENAME.dockerfile : undefined);
  if (byName) return byName;
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return undefined;
  return BY_EXTENSION[base.slice(dot)];
}
