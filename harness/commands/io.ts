/** Where commands print: stdout for results, stderr for notices. Injected so tests can capture. */
export interface CommandIO {
  out(message: string): void;
  err(message: string): void;
}

export const processIO: CommandIO = {
  out: (message) => process.stdout.write(message + "\n"),
  err: (message) => process.stderr.write(message + "\n"),
};
