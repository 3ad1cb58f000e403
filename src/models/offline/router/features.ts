/**
 * Feature extraction for the offline route classifier.
 *
 * Two blocks of sparse features:
 * - lexical: word unigrams and bigrams from the shared code-aware tokenizer, so identifiers such as
 *   `parseRetryPolicy` contribute both whole and in parts;
 * - engineered: signals a bag of words cannot see well — stack-trace frames per language, error codes,
 *   log lines, file paths and extensions, question forms, code fences and the shape of the text.
 *
 * Words that merely sound like trouble ("don't", "after upgrading", "fails", "never") are not treated as
 * evidence of a debugging question: questions about how the code behaves in a situation, or about what the
 * documentation recommends for one, use them just as often. The problem and symptom vocabularies therefore
 * only fire together with pasted evidence (a trace, an error message or code, a log line, test output); an
 * explicit request to explain a failure ("why does this fail", "where does this error come from") has a
 * feature of its own.
 *
 * Lexical features are binary (present or not). Engineered features are indicators or damped counts,
 * scaled by ENGINEERED_FEATURE_SCALE: L2 regularization penalizes every weight alike, and the few dense
 * engineered signals deserve less shrinkage than thousands of sparse words (5-fold cross-validation on
 * the routing dataset: about +0.7 points with the scale at 2; binary words also beat 1/sqrt(n)-normalized ones.
 * Re-checked with feature version 2 on 2,047 questions: scales 1 to 3 are within 0.25 points, 2 kept).
 * Bump FEATURE_VERSION whenever the output changes, so a model trained on old features is rejected
 * instead of silently misrouting.
 */
import { tokenizeCode } from "../../../index/tokenize.js";

export const FEATURE_VERSION = 4;

const LEXICAL_VALUE = 1;
const ENGINEERED_FEATURE_SCALE = 2;

/** Sparse feature vector: feature name -> value. */
export type FeatureVector = Map<string, number>;

interface PatternFeature {
  name: string;
  pattern: RegExp;
}

/** Stack-trace frame shapes, one family per language; each also feeds `trace:any`. */
const TRACE_PATTERNS: readonly PatternFeature[] = [
  // JS/TS: "at foo (src/x.ts:12:5)", "at src/x.js:12:5", "at async run (node:internal/...:1:2)"
  { name: "trace:js", pattern: /\bat (?:async )?(?:[\w$.<>]+ (?:\[as [\w$]+\] )?)?\(?(?:file:\/\/|node:)?[\w@./\\:-]+\.(?:[cm]?[jt]sx?|vue|svelte):\d+:\d+\)?/g },
  // Node internals have no file extension: "(node:net:1817:16)", "(node:internal/timers:573:17)"
  { name: "trace:js", pattern: /\bat (?:async )?[\w$.<>]+ (?:\[as [\w$]+\] )?\((?:node:|internal\/)[\w/.:]+:\d+:\d+\)/g },
  // Python: 'File "app/x.py", line 3, in f' and the traceback header
  { name: "trace:py", pattern: /File "[^"\n]+", line \d+/g },
  { name: "trace:py", pattern: /Traceback \(most recent call last\)/g },
  // Go: goroutine headers, "+0x" frame offsets, "panic:" lines
  { name: "trace:go", pattern: /goroutine \d+ \[[\w ,]+\]/g },
  { name: "trace:go", pattern: /\.go:\d+ \+0x[0-9a-f]+/g },
  { name: "trace:go", pattern: /^panic: /gm },
  // JVM: "at com.x.Y.method(Y.java:42)", "Exception in thread", "Caused by:", "... 12 more"
  { name: "trace:java", pattern: /\bat [\w$.]+\.[\w$<>]+\((?:[\w$]+\.(?:java|kt|scala|groovy|clj):\d+|Native Method|Unknown Source)\)/g },
  { name: "trace:java", pattern: /Exception in thread "[^"]*"/g },
  { name: "trace:java", pattern: /^\s*Caused by: [\w.$]+/gm },
  { name: "trace:java", pattern: /^\s*\.\.\. \d+ more\b/gm },
  // Rust: panics, backtrace frames, compiler diagnostics
  { name: "trace:rust", pattern: /thread '[^'\n]*' panicked at/g },
  { name: "trace:rust", pattern: /^\s*\d+: [\w<>]+(?:::[\w<>{}]+)+/gm },
  { name: "trace:rust", pattern: /\bat [\w./-]+\.rs:\d+(?::\d+)?/g },
  { name: "trace:rust", pattern: /error\[E\d{4}\]/g },
  // Ruby: "app/x.rb:12:in `method'" / "x.rb:12:in 'method'"
  // (no leading path in the pattern: an unanchored `[\w/.-]+\.rb` backtracks quadratically on long words)
  { name: "trace:ruby", pattern: /\.rb:\d+:in [`'][^'`\n]{1,200}'/g },
  // .NET: "at Ns.Type.Method() in /src/File.cs:line 42"
  { name: "trace:dotnet", pattern: /\bat [\w.`<>]+\([^)\n]*\) in [^\n]+:line \d+/g },
  // Native: gdb/backtrace frames and crash lines
  { name: "trace:native", pattern: /^#\d+\s+0x[0-9a-f]+ in /gm },
  { name: "trace:native", pattern: /Segmentation fault|core dumped|SIGSEGV|SIGABRT|stack overflow/gi },
  // PHP
  { name: "trace:php", pattern: /PHP (?:Fatal|Warning|Parse) error|^#\d+ \/[\w/.-]+\.php\(\d+\)/gm },
];

const ERRNO_CODES =
  /\bE(?:CONNREFUSED|CONNRESET|CONNABORTED|ADDRINUSE|ADDRNOTAVAIL|NOENT|ACCES|PERM|TIMEDOUT|PIPE|MFILE|NFILE|NOTFOUND|AI_AGAIN|HOSTUNREACH|NETUNREACH|EXIST|ISDIR|NOTDIR|NOSPC|INVAL|AGAIN|BADF|NOMEM|NOTEMPTY|PROTO|CANCELED|BUSY|ROFS|XDEV|LOOP)\b/g;

const ERROR_WORDS =
  "(?:failed|failure|error|invalid|denied|refused|timed out|timeout|not found|unexpected|cannot|unable|undefined|null|missing|expired|exceeded|forbidden|unauthorized|not authorized|not permitted|not allowed)";

const ERROR_PATTERNS: readonly PatternFeature[] = [
  { name: "err:errno", pattern: ERRNO_CODES },
  { name: "err:e_code", pattern: /\bE_[A-Z][A-Z0-9_]{2,}\b/g },
  { name: "err:err_code", pattern: /\bERR_[A-Z][A-Z0-9_]{2,}\b/g },
  // Generic errno-looking token; env vars such as ENABLE_X are excluded by requiring no underscore.
  { name: "err:e_upper", pattern: /\bE(?!RROR|XPORT|NV\b|OF\b|NABLE|NDPOINT|MAIL)[A-Z]{3,}\b/g },
  { name: "err:named", pattern: /\b[A-Z][\w$]*(?:Error|Exception|Panic|Fault)\b/g },
  // Status names of clouds, orchestrators and drivers: AccessDenied, BackoffLimitExceeded, ThrottlingException, CrashLoopBackOff.
  { name: "err:named", pattern: /\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Denied|Exceeded|Failed|Refused|Rejected|Unavailable|Forbidden|Unauthorized|TimedOut|NotFound|BackOff)\b/g },
  // Only the suffix is matched: a leading `[\w.]*` would backtrack quadratically on long dotted words.
  { name: "err:named_colon", pattern: /(?:Error|Exception|error|exception):\s/g },
  { name: "err:http_status", pattern: /\b(?:HTTP\/?\d?(?:\.\d)?|status(?: code)?|returns?|returned|got(?: an?)?|getting(?: an?)?|with)\s*:?\s*[45]\d\d\b/gi },
  { name: "err:http_status", pattern: /\b[45]\d\d (?:Bad Request|Unauthorized|Forbidden|Not Found|Method Not Allowed|Conflict|Gone|Payload Too Large|Unprocessable Entity|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)\b/gi },
  { name: "err:db_code", pattern: /\bORA-\d{5}\b|\bSQLSTATE\b|\bERROR \d{4} \(\w+\)|\bpq: |\bSQLITE_[A-Z]+\b|\bduplicate key value\b|\bdeadlock detected\b/g },
  { name: "err:compiler", pattern: /\berror TS\d{4}\b|\berror\[E\d{4}\]|\berror: |\bcannot find symbol\b|\bundefined reference to\b|\bSyntaxError\b/g },
  { name: "err:exit", pattern: /\bexit(?:ed)? (?:code|status|with code) -?\d+\b|\bexit status \d+|\bkilled\b|\bOOMKilled\b|\bCrashLoopBackOff\b|\bImagePullBackOff\b/gi },
  // A failure reported with its message pasted right after it: "fails with `...`", "hook failed: `...`", "alert is firing: `...`".
  { name: "err:reported", pattern: /\b(?:fail(?:s|ed|ing)?|errors? out|errored(?: out)?|crash(?:es|ed|ing)?|die[sd]|throws?|threw|exit(?:s|ed)|aborts?|aborted|rejects?|rejected|(?:is|are|keeps?|started|starts) (?:firing|returning|throwing|printing|logging|showing))(?: again| now| with(?: the message)?| saying| on| at| every time)*(?:\s*[:,]\s*|\s+)(?:`[^`\n]{3,}|"[^"\n]{3,}|'(?![a-z]\b)[^'\n]{3,})/gi },
  { name: "test:failure", pattern: /\bFAIL(?:ED)?\b|--- FAIL:|\b\d+ (?:failed|failing)\b|AssertionError|Expected:|Received:|expected .{1,60} to (?:equal|be|have|contain)|assert(?:ion)? failed/g },
];

const LOG_PATTERNS: readonly PatternFeature[] = [
  { name: "log:timestamp", pattern: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/g },
  { name: "log:timestamp", pattern: /\[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}|\b\d{2}:\d{2}:\d{2}[.,]\d{3}\b/g },
  { name: "log:level", pattern: /\b(?:ERROR|WARN|WARNING|FATAL|CRITICAL|PANIC|SEVERE)\b|\blevel=(?:error|warn|fatal)\b|"level":\s*"(?:error|warn|fatal)"/g },
  { name: "log:json_line", pattern: /^\s*\{"[\w.]+":/gm },
];

const SOURCE_EXTENSIONS = new Set([
  "ts", "tsx", "js", "jsx", "mjs", "cjs", "py", "go", "java", "kt", "rb", "rs", "c", "h", "cc", "cpp", "hpp",
  "cs", "php", "swift", "scala", "ex", "exs", "erl", "hs", "ml", "lua", "dart", "vue", "svelte", "sql", "sh", "proto",
]);
const DOC_EXTENSIONS = new Set(["md", "mdx", "rst", "adoc", "txt"]);
const CONFIG_EXTENSIONS = new Set([
  "yaml", "yml", "json", "toml", "ini", "env", "cfg", "conf", "xml", "gradle", "tf", "tfvars", "hcl", "lock", "properties",
]);
const FILE_WITH_EXTENSION = /\b[\w@-]+\.([a-z]{1,10})\b(?![\w(])/gi;
const PATH = /(?:^|[\s`'"(])(?:\.{0,2}\/)?(?:[\w@.-]+\/)+[\w@.-]+/g;

/** Question forms, matched on the lowercased text. */
const QUESTION_FORMS: readonly PatternFeature[] = [
  { name: "q:where_is", pattern: /\bwhere(?:'s| is| are| do| does| did| can i find| in the code)\b/g },
  { name: "q:defined", pattern: /\b(?:defined|defines?|definition|declared|declaration|implemented|implementation|instantiated|registered|wired up|called from|invoked)\b/g },
  { name: "q:how_do_i", pattern: /\bhow (?:do|can|should|would|could|might) (?:i|we|you|one)\b|\bhow to\b|\bwhat(?:'s| is) the (?:right|correct|recommended|best) way to\b/g },
  { name: "q:how_does", pattern: /\bhow (?:does|do|is|are) (?:the|this|that|it|[a-z_]+\(\)|`)/g },
  // How a result is produced inside the code: computed, generated, hashed, cached, retried.
  {
    name: "q:mechanism",
    pattern:
      /\bhow (?:is|are|does|do|was|were)(?: [\w.`'-]+){1,8}? (?:computed|calculated|generated|derived|encoded|decoded|hashed|signed|serialized|deserialized|validated|verified|cached|memoi[sz]ed|retried|scheduled|parsed|assembled|resolved|sorted|ordered|compared|escaped|normali[sz]ed|compressed|encrypted|decrypted|deduplicated|batched|chunked|paginated|allocated)\b|\bhow long (?:is|are|does|do)(?: [\w.`'-]+){1,4}? (?:cached|memoi[sz]ed|kept in memory|held)\b/g,
  },
  // "What happens if/when": the documented or designed behaviour in a situation, not a failure that happened.
  { name: "q:what_happens", pattern: /\bwhat happens (?:if|when|after|before|to)\b|\bwhat (?:will|would) happen (?:if|when)\b/g },
  // "Can I do X": whether and how the project supports a use.
  { name: "q:can_i", pattern: /\b(?:can|could|may) (?:i|we|you) (?:use|register|configure|run|deploy|set|pass|call|add|point|disable|enable|turn|skip|send|change|override|host|mix|combine|replace|share|reuse|limit|keep|have)\b|\bis it (?:possible|ok|okay|safe|supported) to\b/g },
  // When something shipped or changed: release history.
  { name: "q:history", pattern: /\bwhen (?:did|was|were|will)\b[^?.\n]{1,60}?\b(?:ship|shipped|land|landed|added|introduced|released|removed|dropped|deprecated|change|changed|become|became|come out|came out)\b|\b(?:which|what) (?:version|release) (?:added|introduced|removed|dropped|changed|deprecated|fixed)\b|\b(?:since|as of|added in|introduced in) (?:which|what) version\b/g },
  { name: "q:what_does_do", pattern: /\bwhat (?:does|do|exactly does)\b[^?.\n]{1,80}\bdo\b/g },
  { name: "q:why", pattern: /\bwhy (?:does|do|is|are|am|did|would|can't|cannot|won't|isn't|doesn't|does't)\b|\bwhy\b/g },
  { name: "q:what_is_repo", pattern: /\bwhat(?:'s| is| does) (?:this|the|that) (?:repo|repository|project|codebase|code base|library|lib|app|application|tool|service|package|crate|gem|module|framework|thing)\b/g },
  { name: "q:overview", pattern: /\b(?:overview|high[- ]level|big picture|bird'?s[- ]eye|summar(?:y|ize|ise)|tech(?:nology)? stack|built with|written in|(?:folder|directory|project|repo) (?:layout|structure)|main components|in a nutshell|tl;?dr)\b/g },
  { name: "q:fix", pattern: /\b(?:how (?:do|can) (?:i|we) fix|how to fix|fix (?:this|it)|work ?around|resolve this|get rid of|any idea)\b/g },
  { name: "q:docs_ref", pattern: /\b(?:readme|docs?|documentation|documented|guide|manual|wiki|changelog|release notes|contributing|faq|tutorial|quick ?start|getting started|reference|examples?|runbook|how-?to)\b/g },
  // The contribution process and upgrades live in documentation (release and support policies are q:policy).
  { name: "q:process", pattern: /\b(?:conventions?|contribut(?:e|ing|or|ors)|pull requests?|prs?|codeowners|cla|dco|sign(?:ed)?[- ]off|deprecat(?:ed|ion)|breaking changes?|what'?s new|upgrad(?:e|ing)|migration guide)\b/g },
  // What the documentation says or recommends, and how things changed between versions.
  {
    name: "q:docs_says",
    pattern:
      /\b(?:(?:what|how) (?:does|do|did) (?:the|its|their|your) (?:[\w-]+ )?(?:docs?|documentation|guide|readme|manual|faq|changelog|release notes?|notes|reference|wiki|tutorial|quick ?start) (?:say|recommend|suggest|describe|mention|list|explain|want)|according to (?:the )?(?:[\w-]+ )?(?:docs?|documentation|guide|readme|manual|changelog|release notes|reference)|(?:per|in|as) the (?:[\w-]+ )?(?:docs?|documentation|guide|readme|manual|changelog|release notes)(?: (?:describes?|says?|recommends?))?|recommend(?:s|ed|ation)?|suggested|(?:migration|upgrade|porting) (?:guide|notes?|path|doc)|what(?: has|'s)? changed|replacement (?:api|for))\b/g,
  },
  // "How do I <verb>": using or operating the thing, not reading its code.
  {
    name: "q:usage",
    pattern:
      /\bhow (?:do|can|should|would) (?:i|we|you) (?:use|call|configure|set|enable|disable|turn|install|run|deploy|add|pass|connect|upgrade|build|create|start|point|change|get|generate|rotate|scale|opt|register|write|reproduce|launch|download|flash|publish|make|have|let|allow|keep|migrate|move|switch|expose|override|raise|increase|lower|limit|silence|share|mount|pin|declare|provide|replace|isolate|style|inject|regenerate|upload|tune|protect|customi[sz]e|extend|import|serve|bind|schedule|trust|sign|route|go back)\b/g,
  },
  // "How is this supposed to be configured": asking for the intended setup, not for its implementation.
  { name: "q:usage", pattern: /\bhow (?:is|are) (?:it|this|that|they|[\w.-]+(?: [\w.-]+)?) (?:supposed|meant|expected) to be\b|\bhow should (?:i|we|it|this|that|they|the [\w.-]+(?: [\w.-]+)?) be (?:configured|set up|declared|used|deployed|installed|mapped|structured|named|imported)\b|\bwhere (?:do|should|can) (?:i|we) (?:put|place|set|configure|declare|mount|store|register)\b|\bwhere (?:is|are) (?:that|this|it|they|the [\w.-]+(?: [\w.-]+)?) (?:configured|set up)\b/g },
  // What the project is made of: its stack, not one piece of its code.
  { name: "q:uses", pattern: /\b(?:does (?:it|this|the (?:project|app|repo|codebase|system|service)) use|is (?:it|this) (?:written|built)|(?:written|built) (?:in|with|on)|which (?:db|database|databases|framework|frameworks|language|languages|orm|librar(?:y|ies)|cloud|stack|runtime|engine)|what (?:db|database|framework|frameworks|language|languages|stack|tech|technolog(?:y|ies)))\b/g },
  { name: "q:setup", pattern: /\b(?:install(?:ation|ing)?|set ?up|setting up|configur(?:e|ation|ing)|deploy(?:ing|ment)?|env(?:ironment)? var(?:iable)?s?|upgrade|migrat(?:e|ion) (?:guide|from|to))\b/g },
  { name: "q:this_repo", pattern: /\b(?:this|the) (?:repo|repository|project|codebase|code base)\b/g },
  // Asking for a specific piece of code rather than for a behaviour or a document.
  { name: "q:which_code", pattern: /\b(?:which|what) (?:function|fn|method|class|file|module|component|struct|hook|handler|package|script|test|interface|trait|decorator|middleware|provider|bean|controller|view|goroutine|pass|macro|type|enum|constant|regex|query|code|code path|branch|call site)s?\b/g },
  { name: "q:which_code", pattern: /\b(?:call(?:s|ed|ing)?|caller|call sites?|imports?|invok(?:e|es|ed)|returns?|under the hood|internally|code path|in the code)\b/g },
  // Settings, flags and supported versions are what documentation is for.
  { name: "q:settings", pattern: /\b(?:options?|settings?|flags?|env(?:ironment)? var(?:iable)?s?|parameters?|config(?:uration)? (?:keys?|values?|file)|values? (?:for|in)|defaults?|recommended|supported|requirements?|minimum|required version|compatib(?:le|ility))\b/g },
  // Documented limits and guarantees: sizes, quotas, ordering, delivery semantics.
  { name: "q:limits", pattern: /\b(?:max(?:imum)?|min(?:imum)?|limits?|quotas?|size limit|how (?:big|large|many|much|long|often)|upper bound|at most|at least|guarantee[sd]?|guarantees|exactly[- ]once|at[- ]least[- ]once|at[- ]most[- ]once|in order|ordering|sla)\b/g },
  // The code's own decisions: where a behaviour is decided, which piece of code does it.
  {
    name: "q:code_locus",
    pattern:
      /\bwhere in (?:the |our |its |their )?(?:[\w-]+ )?(?:code|source|codebase|code base|implementation|runtime|firmware)\b|\bwhere (?:is|'s|are) (?:that|this|it|they|the [\w-]+(?: [\w-]+)?) (?:decided|done|enforced|checked|handled|computed|calculated|implemented|coded|written|registered|issued|produced|stored|kept|persisted|compared|made|applied|triggered|caught|raised|normali[sz]ed|parsed|incremented|flushed|looked up|built)\b|\bwhich (?:function|method|class|module|file|component|middleware|handler|code|part|layer|branch|line|check|script|hook|job|consumer|validator|filter|provider|callback|step|rule|pass|struct|task|loop)\b[^?.\n]{0,40}?\b(?:decides?|handles?|sets?|computes?|implements?|adds?|makes?|turns?|produces?|holds?|owns?|reads?|checks?|does|drops?|strips?|returns?|registers?|persists?|tracks?|detects?|creates?|excludes?|splits?|truncates?|compares?)\b|\b(?:show me|point me (?:at|to)) the (?:branch|code|function|check|line|logic|implementation|loop)\b/g,
  },
  { name: "q:decides", pattern: /\b(?:decide[sd]?|choose[sn]?|chose|picks?|determine[sd]?|tells? (?:them |it )?apart|distinguish(?:es)?|falls? back|fallback|short-circuit)\b/g },
  // The project as a whole: its policies, support and release lifecycle, governance and scope.
  {
    name: "q:policy",
    pattern:
      /\b(?:security (?:polic(?:y|ies)|contact|team|advisor(?:y|ies)|issues?|reports?|fix(?:es)?|patch(?:es)?|champion|audit)|vulnerabilit(?:y|ies)|disclos(?:e|ed|ure)|cves?|bug bounty|embargo|lts|long[- ]term[- ]support|end[- ]of[- ]life|eol|(?:support|maintenance|release) (?:window|timeline|polic(?:y|ies)|lifecycle|matrix|period|cadence|schedule|line|process)|(?:still|officially|actively) (?:maintained|supported)|out of support|backport(?:s|ed|ing)?|versioning(?: polic(?:y|ies))?|semver|semantic versioning|deprecation polic(?:y|ies)|stability (?:promise|guarantee|polic(?:y|ies))|governance|steering (?:committee|council|group)|bdfl|maintainers?|committers?|merge rights|foundation|trademark|licen[cs](?:e|es|ed|ing)|copyright|code of conduct|roadmap|(?:in|out of|within) (?:the )?(?:project'?s )?scope|(?:non-)?goals|sponsors?|sponsorship|fund(?:ed|ing)|abandoned|unmaintained|adopters?|exploit(?:able|s)?|(?:drop(?:ping|s)?|commit(?:s)? to) support(?:ing)?|how long [^?.\n]{0,50}\b(?:supported|maintained|patched))\b/g,
  },
  // How the project is packaged: entry points, published artifacts, where its type declarations live.
  {
    name: "q:project_shape",
    pattern:
      /\b(?:entry ?points?|main entry|type (?:declarations?|definitions?|hints|stubs|information)|typings|d\.ts|@types|definitelytyped|py\.typed|stubs package|exports map|package layout|src-layout|flat layout|dist folder|published (?:package|artifacts?|crates?)|artifacts?|tarball|bin entr(?:y|ies)|subpath imports?|public api|re-exports?)\b/g,
  },
  // "Not broken, just reading" turns error vocabulary back into a code question.
  {
    name: "q:no_problem",
    pattern:
      /\b(?:not (?:getting|seeing|hitting) (?:an? |any )?(?:error|problem|issue)s?|(?:not|isn'?t) an? (?:error|problem|issue|bug) (?:i'?m|we'?re|i am|we are) (?:getting|seeing|hitting|having)|nothing(?:'s| is) (?:broken|failing|wrong)|not hitting it|(?:i'?m |i am )?just (?:reading|curious|mapping|reviewing|tracing|exploring|want to understand|trying to understand)|i want to (?:understand|read|see|know))\b/g,
  },
  // Shape of the whole: layout, parts, how they relate.
  { name: "q:structure", pattern: /\b(?:organi[sz]ed|organi[sz]ation|structured?|layout|laid out|split|divided|directories|folders?|top[- ]level|components|pieces|parts|moving parts|packages|services|monorepo|workspace|fit together|relate[ds]?|relationship)\b/g },
];

/**
 * An explicit request to explain a failure, with or without a paste: "why does the import fail",
 * "what's causing this", "where does this error come from". Asking why the code is designed a certain way
 * ("why does the router try static files first?") does not match: the failure verb is required.
 */
const FAILURE_QUESTIONS: readonly PatternFeature[] = [
  {
    name: "q:failure_question",
    pattern:
      /\bwhy (?:does|do|is|are|did|would|am|was|were|won'?t|can'?t|isn'?t|doesn'?t|don'?t|aren'?t|wasn'?t|didn'?t)\b[^?.\n]{0,80}?\b(?:fail(?:s|ed|ing|ure)?|crash(?:es|ed|ing)?|error(?:s|ing)?|throw(?:s|n|ing)?|break(?:s|ing)?|broke|hang(?:s|ing)?|freez(?:e|es|ing)|die(?:s|d)?|exit(?:s|ed)?|reject(?:s|ed)?|refus(?:e|es|ed)|time(?:s|d)? ?out|panic(?:s|ked)?|leak(?:s|ing)?|deadlock(?:s|ing|ed)?|get|getting|see|seeing|happen(?:s|ing)?|stuck|killed)\b/g,
  },
  {
    name: "q:failure_question",
    pattern:
      /\b(?:what(?:'s| is) (?:wrong|causing|going on|killing|eating|happening|blocking|breaking|stopping|preventing)|what (?:causes|could cause|would cause|am i missing|is killing)|is (?:this|that|it) a bug|a bug in|(?:this|that|the following|the same) (?:error|exception|stack ?trace|traceback|panic|crash|warning|failure)|where (?:does|do|is) (?:this|that|the) (?:error|exception|warning|panic|message)s? (?:come|coming) from|how (?:do|can|should) (?:i|we) (?:debug|troubleshoot|track down|stop (?:this|it|these)))\b/g,
  },
];

/**
 * Trouble words, counted only when the text also carries evidence of a failure (see STRONG_EVIDENCE):
 * on their own they appear as often in "when I don't configure X, how does it decide Y?" as in bug reports.
 */
const PROBLEM_VOCABULARY: readonly PatternFeature[] = [
  { name: "q:problem_with_evidence", pattern: /\b(?:i(?:'m| am)? (?:get|getting|keep getting|seeing|hit|hitting|got)|keeps? (?:failing|crashing|timing out|restarting|returning)|throws?|thrown|fail(?:s|ed|ing)?|crash(?:es|ed|ing)?|broke|broken|breaks|(?:does ?n'?t|doesnt|won'?t|isn'?t|is not|not) (?:work|start|load|compile|build|connect|run)|stopped working|hangs?|stuck|panic(?:s|ked)?|error|exception|bug|regression|flaky)\b/g },
  { name: "q:symptom_with_evidence", pattern: /\b(?:instead of|even though|but (?:it|i|the|only|still)|only (?:when|for|in|on|after)|every (?:time|\d+)|wrong|stale|twice|duplicated?|never|always|slow(?:er)?|leak(?:s|ing)?|off by|garbage|blank|empty|silently|suddenly|since (?:the|we|i|yesterday|this)|after (?:upgrading|the upgrade|bumping|pulling|deploy(?:ing)?|migrating|installing|i (?:added|changed|enabled)))\b/g },
];

/**
 * Evidence that something actually failed: a stack frame, a log line, test output, an error code or a pasted
 * error message. A bare exception class name (`err:named`) or an errno-looking word is not enough: code
 * questions name exception types all the time ("which function raises PermissionDenied?").
 */
const STRONG_EVIDENCE = new Set([
  "trace:any", "log:any", "test:failure", "err:errno", "err:e_code", "err:err_code", "err:named_colon", "err:http_status",
  "err:db_code", "err:compiler", "err:exit", "err:quoted_message", "err:reported", "file:log",
]);

function countMatches(text: string, pattern: RegExp): number {
  pattern.lastIndex = 0;
  let count = 0;
  while (pattern.exec(text) !== null) {
    count += 1;
    if (count >= 50) break; // enough to saturate the log count; keeps huge pastes cheap
  }
  pattern.lastIndex = 0;
  return count;
}

/** Indicator plus a damped count: "one frame" and "forty frames" differ, but not forty-fold. */
function countToValue(count: number): number {
  return 1 + Math.log2(count) * 0.25;
}

/** Numbers and hex addresses carry no routing meaning as vocabulary; keep only their shape. */
function normalizeToken(token: string): string {
  if (/^0x[0-9a-f]+$/.test(token)) return "<hex>";
  if (/^\d+$/.test(token)) return "<num>";
  if (/^[0-9a-f]{12,}$/.test(token)) return "<hash>";
  return token;
}

function addLexicalFeatures(text: string, features: FeatureVector): void {
  const tokens = tokenizeCode(text).map(normalizeToken);
  const lexical = new Set<string>();
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    if (token.length > 40) continue; // long compound paths/URLs are unique noise
    lexical.add(`w:${token}`);
    const next = tokens[i + 1];
    if (next !== undefined && next.length <= 40) lexical.add(`b:${token} ${next}`);
  }
  for (const name of lexical) features.set(name, LEXICAL_VALUE);
}

function addPatternFeatures(text: string, patterns: readonly PatternFeature[], features: FeatureVector): number {
  const counts = new Map<string, number>();
  for (const { name, pattern } of patterns) {
    const count = countMatches(text, pattern);
    if (count > 0) counts.set(name, (counts.get(name) ?? 0) + count);
  }
  let total = 0;
  for (const [name, count] of counts) {
    features.set(name, countToValue(count));
    total += count;
  }
  return total;
}

// A single quote next to a letter is an apostrophe ("isn't ... that's"), not the start or end of a quotation.
const QUOTED_SEGMENT = /"([^"\n]{1,200})"|(?<![A-Za-z])'([^'\n]{1,200})'(?![A-Za-z])|`([^`\n]{1,200})`/g;
const ERROR_WORD = new RegExp(`\\b${ERROR_WORDS}\\b`, "i");

/**
 * Quoted error messages ("connection refused by peer"). Checked segment by segment rather than with one
 * regex, which would backtrack quadratically on long unterminated quotes. Backticked text must contain
 * a space, so an identifier such as `DEFAULT_TIMEOUT_MS` is not taken for a message.
 */
function countQuotedErrorMessages(text: string): number {
  let count = 0;
  for (const match of text.matchAll(QUOTED_SEGMENT)) {
    const content = match[1] ?? match[2] ?? match[3]!;
    if (match[3] !== undefined && !/\s/.test(content)) continue;
    if (ERROR_WORD.test(content)) count += 1;
  }
  return count;
}

/**
 * A log file by name: in a directory, with a hyphen, underscore or digit in its name, or one of the usual
 * names. `console.log`, `req.log` and `this.log(...)` are members, not files.
 */
const LOG_FILE =
  /(?:[\w@.-]+\/)+[\w@.-]+\.log\b(?!\s*\()|\b[\w@]*[-_\d][\w@-]*\.log\b(?!\s*\()|\b(?:error|errors|access|app|application|debug|output|build|server|system|syslog|install|test|tests|ci|crash|stderr|stdout)\.log\b(?!\s*\()/i;

function addPathFeatures(text: string, features: FeatureVector): void {
  const kinds = new Set<string>();
  for (const match of text.matchAll(FILE_WITH_EXTENSION)) {
    const extension = match[1]!.toLowerCase();
    if (SOURCE_EXTENSIONS.has(extension)) kinds.add("source");
    else if (DOC_EXTENSIONS.has(extension)) kinds.add("doc");
    else if (CONFIG_EXTENSIONS.has(extension)) kinds.add("config");
    else continue;
    features.set(`ext:${extension}`, 1);
  }
  for (const kind of kinds) features.set(`file:${kind}`, 1);
  const paths = countMatches(text, PATH);
  if (paths > 0) features.set("file:path", countToValue(paths));
  // A saved log file ("the full log is in logs/ci-run.log") is evidence of a failure to explain.
  if (LOG_FILE.test(text)) features.set("file:log", 1);
  if (/\b(?:README|CHANGELOG|CONTRIBUTING|INSTALL|UPGRADING|MIGRATION|SECURITY)\b/.test(text)) features.set("file:doc_named", 1);
  if (/\b(?:Dockerfile|Makefile|docker-compose|package\.json|go\.mod|Cargo\.toml|pyproject\.toml|requirements\.txt|Gemfile|pom\.xml|build\.gradle)\b/.test(text)) {
    features.set("file:manifest", 1);
  }
}

/**
 * Only shapes that carry meaning are marked: multi-line pastes, very short texts, fences, code lines.
 * One-line and short-to-medium length buckets were dropped: nearly every question has one, so they acted as
 * per-route biases (the "under 250 characters" bucket alone pushed bare problem descriptions to debug).
 */
function addShapeFeatures(text: string, features: FeatureVector): void {
  const lines = text.split("\n").filter((line) => line.trim().length > 0);
  const lineCount = lines.length;
  if (lineCount >= 4) features.set(lineCount <= 9 ? "shape:lines_4_9" : "shape:lines_10_plus", 1);
  if (text.trim().length < 40) features.set("shape:chars_lt40", 1);
  if (text.length >= 250) features.set("shape:chars_250_plus", 1);
  if (text.includes("```")) features.set("shape:fence", 1);
  if (/`[^`\n]+`/.test(text.replace(/```[\s\S]*?```/g, ""))) features.set("shape:inline_code", 1);
  const indented = lines.filter((line) => /^\s{2,}\S/.test(line)).length;
  if (lineCount >= 3 && indented / lineCount >= 0.3) features.set("shape:indented_block", 1);
  if (/\?\s*$/.test(text.trim())) features.set("shape:ends_question", 1);
  if (/[{};]\s*$/m.test(text) && lineCount >= 2) features.set("shape:code_lines", 1);
  if (/^\s*\$ |^\s*> \S/m.test(text)) features.set("shape:shell_prompt", 1);
}

/**
 * Longest text looked at. A question plus a pasted trace or log is rarely longer; beyond this, more text
 * adds no routing signal but adds time. The head holds the question and the error line; the tail keeps the
 * end of a Python traceback, where the exception is printed.
 */
const MAX_HEAD_CHARS = 6_000;
const MAX_TAIL_CHARS = 2_000;

function boundedText(text: string): string {
  if (text.length <= MAX_HEAD_CHARS + MAX_TAIL_CHARS) return text;
  return `${text.slice(0, MAX_HEAD_CHARS)}\n${text.slice(-MAX_TAIL_CHARS)}`;
}

/** Every feature the classifier sees for one text. Pure and deterministic. */
export function extractFeatures(fullText: string): FeatureVector {
  const text = boundedText(fullText);
  const features: FeatureVector = new Map();
  addLexicalFeatures(text, features);

  const traceSignals = addPatternFeatures(text, TRACE_PATTERNS, features);
  if (traceSignals > 0) features.set("trace:any", countToValue(traceSignals));
  let errorSignals = addPatternFeatures(text, ERROR_PATTERNS, features);
  const quotedMessages = countQuotedErrorMessages(text);
  if (quotedMessages > 0) {
    features.set("err:quoted_message", countToValue(quotedMessages));
    errorSignals += quotedMessages;
  }
  if (errorSignals > 0) features.set("err:any", countToValue(errorSignals));
  const logSignals = addPatternFeatures(text, LOG_PATTERNS, features);
  if (logSignals > 0) features.set("log:any", countToValue(logSignals));

  addPathFeatures(text, features);
  const lowercase = text.toLowerCase();
  addPatternFeatures(lowercase, QUESTION_FORMS, features);
  addPatternFeatures(lowercase, FAILURE_QUESTIONS, features);
  if ([...STRONG_EVIDENCE].some((name) => features.has(name))) addPatternFeatures(lowercase, PROBLEM_VOCABULARY, features);
  addShapeFeatures(text, features);
  for (const [name, value] of features) {
    if (isEngineeredFeature(name)) features.set(name, value * ENGINEERED_FEATURE_SCALE);
  }
  return features;
}

/** Names of engineered (non-lexical) features that are always kept in the vocabulary. */
export function isEngineeredFeature(name: string): boolean {
  return !name.startsWith("w:") && !name.startsWith("b:");
}
