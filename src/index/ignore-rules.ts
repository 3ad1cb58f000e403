/**
 * What is never indexed, whatever the repository's own .gitignore says.
 * These lists are about kinds of files common to most repositories, not about any one repository.
 */

/** Directory names skipped anywhere in the tree: dependencies, build output, caches, VCS metadata. */
export const DEFAULT_IGNORED_DIRECTORIES = [
  ".git", ".hg", ".svn",
  "node_modules", "bower_components", "jspm_packages", "vendor", "third_party", "third-party",
  "dist", "build", "out", "target", "coverage", ".nyc_output", "htmlcov",
  ".next", ".nuxt", ".svelte-kit", ".turbo", ".parcel-cache", ".angular", ".expo",
  "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
  ".gradle", ".idea", ".cache", ".terraform", ".serverless",
];

/** gitignore-style patterns skipped everywhere: lockfiles, minified and generated files, binaries. */
export const DEFAULT_IGNORED_PATTERNS = [
  // lockfiles
  "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock",
  "Cargo.lock", "poetry.lock", "Pipfile.lock", "uv.lock", "Gemfile.lock", "composer.lock", "go.sum",
  "mix.lock", "pubspec.lock", "packages.lock.json", "flake.lock",
  // minified, bundled and generated
  "*.min.js", "*.min.mjs", "*.min.css", "*.bundle.js", "*.chunk.js", "*.map", "*.pb.go", "*_pb2.py",
  "*.snap",
  // binaries and media
  "*.png", "*.jpg", "*.jpeg", "*.gif", "*.bmp", "*.ico", "*.webp", "*.svg", "*.tiff", "*.psd",
  "*.pdf", "*.zip", "*.tar", "*.gz", "*.tgz", "*.bz2", "*.xz", "*.7z", "*.rar", "*.jar", "*.war",
  "*.class", "*.o", "*.a", "*.so", "*.dylib", "*.dll", "*.exe", "*.bin", "*.wasm", "*.pyc", "*.pyo",
  "*.woff", "*.woff2", "*.ttf", "*.otf", "*.eot", "*.mp3", "*.mp4", "*.mov", "*.avi", "*.wav",
  "*.sqlite", "*.sqlite3", "*.db", "*.parquet", "*.pkl", "*.npy", "*.onnx", "*.pt", "*.h5",
  ".DS_Store",
];

/**
 * Files that hold secrets by convention. They are never indexed, read or listed, even when a
 * repository commits them by mistake.
 */
export const SECRET_FILE_PATTERNS = [
  ".env", ".env.*", "*.env",
  "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.crt", "*.cer", "*.der", "*.asc", "*.gpg",
  "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
  ".npmrc", ".pypirc", ".netrc", "_netrc", ".git-credentials", ".htpasswd", ".pgpass",
  "credentials", "credentials.*", "*credentials*.json", "service-account*.json", "*.secret", "secrets.*",
  "*.tfvars", "*.tfstate", "*.tfstate.*", "kubeconfig", ".dockercfg", ".docker/config.json",
  "secrets/",
];

/** Files larger than this are skipped: they are data or generated, not something to quote. */
export const MAX_INDEXED_FILE_BYTES = 1024 * 1024;
