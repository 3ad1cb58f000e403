import { createRequire } from "node:module";
import path from "node:path";
import type { Language as TSLanguage, Node as TSNode, Parser as TSParser } from "@vscode/tree-sitter-wasm";
import type { GrammarLanguage } from "./languages.js";

/**
 * Symbol extraction with tree-sitter. Grammars come from @vscode/tree-sitter-wasm, whose runtime and
 * grammars are built together (other wasm grammar bundles fail to load on Node 20 with a newer runtime).
 */

export type SymbolKind =
  | "function"
  | "method"
  | "class"
  | "interface"
  | "type"
  | "enum"
  | "const"
  | "variable"
  | "module";

export interface ExtractedSymbol {
  name: string;
  kind: SymbolKind;
  /** 1-based, inclusive; includes a doc comment or decorators directly above the definition. */
  startLine: number;
  endLine: number;
  /** Enclosing class, impl or module for members. */
  container?: string;
  exported: boolean;
}

export interface CodeAnalysis {
  symbols: ExtractedSymbol[];
  imports: string[];
}

const require = createRequire(import.meta.url);
type TreeSitterModule = typeof import("@vscode/tree-sitter-wasm");

let runtime: Promise<TreeSitterModule> | undefined;
const languages = new Map<GrammarLanguage, Promise<TSLanguage>>();
const parsers = new Map<GrammarLanguage, TSParser>();

function loadRuntime(): Promise<TreeSitterModule> {
  runtime ??= (async () => {
    const module = require("@vscode/tree-sitter-wasm") as TreeSitterModule;
    await module.Parser.init();
    return module;
  })();
  return runtime;
}

async function loadLanguage(grammar: GrammarLanguage): Promise<TSLanguage> {
  let language = languages.get(grammar);
  if (!language) {
    language = loadRuntime().then((module) => {
      const wasmDirectory = path.dirname(require.resolve("@vscode/tree-sitter-wasm"));
      return module.Language.load(path.join(wasmDirectory, `tree-sitter-${grammar}.wasm`));
    });
    languages.set(grammar, language);
  }
  return language;
}

/** Loads the runtime and the grammars; parsing is synchronous afterwards. */
export async function prepareGrammars(grammars: Iterable<GrammarLanguage>): Promise<void> {
  const module = await loadRuntime();
  for (const grammar of grammars) {
    if (parsers.has(grammar)) continue;
    const parser = new module.Parser();
    parser.setLanguage(await loadLanguage(grammar));
    parsers.set(grammar, parser);
  }
}

// ---------------------------------------------------------------------------------------------
// Per-language rules: which nodes define symbols, which hold members, which wrap a definition.

interface LanguageRules {
  definitions: Record<string, SymbolKind>;
  /** Definitions whose body holds member definitions (methods of a class, items of an impl). */
  containers: Record<string, string>; // node type -> field or child type holding the members
  /** Nodes that wrap one definition: export statements, decorators. */
  wrappers: Record<string, { field?: string; exported: boolean }>;
  /** Top-level variable declarations, with the declarator type. */
  variables?: { declaration: string[]; declarator: string };
  importSources(node: TSNode): string[];
  nameOf?(node: TSNode): string | undefined;
}

const stringContent = (node: TSNode | null): string | undefined =>
  node ? node.text.replace(/^[`'"]|[`'"]$/g, "") : undefined;

const JS_LIKE: LanguageRules = {
  definitions: {
    function_declaration: "function",
    generator_function_declaration: "function",
    class_declaration: "class",
    abstract_class_declaration: "class",
    class: "class",
    interface_declaration: "interface",
    type_alias_declaration: "type",
    enum_declaration: "enum",
    method_definition: "method",
    abstract_method_signature: "method",
    internal_module: "module",
    module: "module",
  },
  containers: { class_declaration: "body", abstract_class_declaration: "body", class: "body", internal_module: "body", module: "body" },
  wrappers: { export_statement: { field: "declaration", exported: true } },
  variables: { declaration: ["lexical_declaration", "variable_declaration"], declarator: "variable_declarator" },
  importSources(node) {
    if (node.type === "import_statement" || (node.type === "export_statement" && node.childForFieldName("source"))) {
      const source = stringContent(node.childForFieldName("source"));
      return source ? [source] : [];
    }
    if (node.type === "lexical_declaration" || node.type === "variable_declaration" || node.type === "expression_statement") {
      return node
        .descendantsOfType("call_expression")
        .filter((call): call is TSNode => !!call && call.childForFieldName("function")?.text === "require")
        .flatMap((call) => {
          const argument = call.childForFieldName("arguments")?.namedChild(0);
          return argument?.type === "string" ? [stringContent(argument)!] : [];
        });
    }
    return [];
  },
};

const PYTHON: LanguageRules = {
  definitions: { function_definition: "function", class_definition: "class" },
  containers: { class_definition: "body" },
  wrappers: { decorated_definition: { field: "definition", exported: false } },
  importSources(node) {
    if (node.type === "import_statement") {
      return node.namedChildren.filter((c): c is TSNode => !!c).map((c) => (c.type === "aliased_import" ? c.childForFieldName("name")?.text ?? c.text : c.text));
    }
    if (node.type === "import_from_statement") {
      const module = node.childForFieldName("module_name")?.text;
      return module ? [module] : [];
    }
    return [];
  },
};

const GO: LanguageRules = {
  definitions: {
    function_declaration: "function",
    method_declaration: "method",
    type_spec: "type",
    const_spec: "const",
    var_spec: "variable",
  },
  containers: {},
  wrappers: {},
  importSources(node) {
    if (node.type !== "import_declaration") return [];
    return node.descendantsOfType("import_spec").flatMap((spec) => {
      const source = stringContent(spec?.childForFieldName("path") ?? null);
      return source ? [source] : [];
    });
  },
};

const JAVA: LanguageRules = {
  definitions: {
    class_declaration: "class",
    interface_declaration: "interface",
    enum_declaration: "enum",
    record_declaration: "class",
    method_declaration: "method",
    constructor_declaration: "method",
  },
  containers: { class_declaration: "body", interface_declaration: "body", enum_declaration: "body", record_declaration: "body" },
  wrappers: {},
  importSources: (node) => (node.type === "import_declaration" ? [node.text.replace(/^import\s+(static\s+)?|;$/g, "").trim()] : []),
};

const RUST: LanguageRules = {
  definitions: {
    function_item: "function",
    struct_item: "class",
    enum_item: "enum",
    trait_item: "interface",
    impl_item: "class",
    const_item: "const",
    static_item: "const",
    mod_item: "module",
    type_item: "type",
    macro_definition: "function",
  },
  containers: { impl_item: "body", trait_item: "body", mod_item: "body" },
  wrappers: {},
  importSources: (node) => (node.type === "use_declaration" ? [node.text.replace(/^use\s+|;$/g, "").trim()] : []),
  nameOf: (node) => (node.type === "impl_item" ? node.childForFieldName("type")?.text : undefined),
};

const RUBY: LanguageRules = {
  definitions: { method: "method", singleton_method: "method", class: "class", module: "module" },
  containers: { class: "body", module: "body" },
  wrappers: {},
  importSources(node) {
    if (node.type !== "call") return [];
    const method = node.childForFieldName("method")?.text;
    if (method !== "require" && method !== "require_relative") return [];
    const argument = node.childForFieldName("arguments")?.namedChild(0);
    return argument ? [argument.text.replace(/^['"]|['"]$/g, "")] : [];
  },
};

const CSHARP: LanguageRules = {
  definitions: {
    class_declaration: "class",
    interface_declaration: "interface",
    struct_declaration: "class",
    enum_declaration: "enum",
    record_declaration: "class",
    method_declaration: "method",
    constructor_declaration: "method",
    namespace_declaration: "module",
  },
  containers: {
    class_declaration: "body",
    interface_declaration: "body",
    struct_declaration: "body",
    record_declaration: "body",
    namespace_declaration: "body",
  },
  wrappers: {},
  importSources: (node) => (node.type === "using_directive" ? [node.text.replace(/^using\s+|;$/g, "").trim()] : []),
};

const RULES: Record<GrammarLanguage, LanguageRules> = {
  typescript: JS_LIKE,
  tsx: JS_LIKE,
  javascript: JS_LIKE,
  python: PYTHON,
  go: GO,
  java: JAVA,
  rust: RUST,
  ruby: RUBY,
  "c-sharp": CSHARP,
};

const FUNCTION_VALUES = new Set(["arrow_function", "function_expression", "function", "generator_function"]);
const COMMENT_TYPES = new Set(["comment", "line_comment", "block_comment"]);
const IS_CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Start line of a definition including the doc comments directly above it. */
function startWithLeadingComments(node: TSNode): number {
  let start = node.startPosition.row;
  let previous = node.previousNamedSibling;
  while (previous && COMMENT_TYPES.has(previous.type) && previous.endPosition.row >= start - 1) {
    start = previous.startPosition.row;
    previous = previous.previousNamedSibling;
  }
  return start + 1;
}

function membersOf(node: TSNode, field: string): TSNode[] {
  const body = node.childForFieldName(field) ?? node.namedChildren.find((c) => c?.type.endsWith("body")) ?? null;
  return body ? (body.namedChildren.filter(Boolean) as TSNode[]) : [];
}

function collectSymbols(
  nodes: readonly TSNode[],
  rules: LanguageRules,
  out: ExtractedSymbol[],
  scope: { container?: string; topLevel: boolean },
): void {
  for (const node of nodes) {
    let definition: TSNode = node;
    let exported = false;
    const wrapper = rules.wrappers[node.type];
    if (wrapper) {
      const inner = wrapper.field ? node.childForFieldName(wrapper.field) : node.namedChildren.find((c) => c && !COMMENT_TYPES.has(c.type));
      exported = wrapper.exported;
      if (!inner) {
        // `export default foo(...)` and re-exports define nothing new.
        continue;
      }
      definition = inner;
    }
    const startLine = startWithLeadingComments(node);
    const endLine = node.endPosition.row + 1;

    if (rules.variables?.declaration.includes(definition.type)) {
      if (!scope.topLevel) continue;
      for (const declarator of definition.namedChildren) {
        if (!declarator || declarator.type !== rules.variables.declarator) continue;
        const name = declarator.childForFieldName("name");
        const value = declarator.childForFieldName("value");
        if (!name || name.type !== "identifier") continue;
        const isFunction = !!value && FUNCTION_VALUES.has(value.type);
        if (!isFunction && !exported && !IS_CONSTANT_NAME.test(name.text)) continue;
        out.push({ name: name.text, kind: isFunction ? "function" : "const", startLine, endLine, exported, ...(scope.container ? { container: scope.container } : {}) });
      }
      continue;
    }

    const kind = rules.definitions[definition.type];
    if (!kind) {
      // Python module constants: `MAX_RETRIES = 5` at the top level.
      if (scope.topLevel && definition.type === "expression_statement") {
        const assignment = definition.namedChild(0);
        const left = assignment?.type === "assignment" ? assignment.childForFieldName("left") : null;
        if (left?.type === "identifier" && IS_CONSTANT_NAME.test(left.text)) {
          out.push({ name: left.text, kind: "const", startLine, endLine, exported: false });
        }
      }
      // Go groups specs: `const ( A = 1; B = 2 )`, `type ( ... )`.
      if (/^(const|var|type)_declaration$/.test(definition.type)) {
        collectSymbols(definition.namedChildren.filter(Boolean) as TSNode[], rules, out, scope);
      }
      continue;
    }

    const name = rules.nameOf?.(definition) ?? definition.childForFieldName("name")?.text;
    if (!name) continue;
    const symbolKind: SymbolKind = kind === "function" && scope.container ? "method" : kind;
    const isGoExported = /^[A-Z]/.test(name) && (definition.type.endsWith("_spec") || definition.type.endsWith("declaration")) && rules === GO;
    const container =
      definition.type === "method_declaration" && rules === GO
        ? definition.childForFieldName("receiver")?.descendantsOfType("type_identifier")[0]?.text
        : scope.container;
    out.push({
      name,
      kind: symbolKind,
      startLine: definition.type.endsWith("_spec") ? definition.startPosition.row + 1 : startLine,
      endLine: definition.type.endsWith("_spec") ? definition.endPosition.row + 1 : endLine,
      exported: exported || isGoExported || (rules === PYTHON && !name.startsWith("_")),
      ...(container ? { container } : {}),
    });
    const membersField = rules.containers[definition.type];
    if (membersField) collectSymbols(membersOf(definition, membersField), rules, out, { container: name, topLevel: false });
  }
}

/** Parses source text and returns its symbols and import sources. Call prepareGrammars first. */
export function analyzeCode(grammar: GrammarLanguage, text: string): CodeAnalysis {
  const parser = parsers.get(grammar);
  if (!parser) throw new Error(`grammar ${grammar} is not loaded; call prepareGrammars first`);
  const tree = parser.parse(text);
  if (!tree) return { symbols: [], imports: [] };
  try {
    const rules = RULES[grammar];
    const topLevel = tree.rootNode.namedChildren.filter(Boolean) as TSNode[];
    const symbols: ExtractedSymbol[] = [];
    collectSymbols(topLevel, rules, symbols, { topLevel: true });
    const imports = [...new Set(topLevel.flatMap((node) => rules.importSources(node)))];
    return { symbols, imports };
  } finally {
    tree.delete();
  }
}
