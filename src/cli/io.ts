/**
 * What a command may touch of the outside world: its output streams, the
 * environment and whether a person is watching. Passed in so that commands
 * can be driven in-process by tests and so `CI=1` turns every bar off.
 */
export interface CliIo {
  /** Writes to stdout (results, `--json` objects, listening lines). */
  out(text: string): void;
  /** Writes to stderr (errors, diagnostics). */
  err(text: string): void;
  /** The environment the configuration is read from. */
  env: Record<string, string | undefined>;
  /** True when stdout is a terminal and `CI` is unset: progress bars and redrawn views. */
  interactive: boolean;
  /** Terminal width, for bars and tables. @default 80 */
  columns: number;
  /** Redraws the current line (a TTY-only progress bar); a no-op when not interactive. */
  redraw(line: string): void;
}

/** Whether the CI variable is set to something other than an explicit "false"/"0". */
export const isCi = (env: Record<string, string | undefined>): boolean => {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
};

/** The process's own streams. */
export function processIo(): CliIo {
  const stdout = process.stdout;
  const interactive = stdout.isTTY === true && !isCi(process.env);
  return {
    out: (text) => stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    interactive,
    get columns() {
      return stdout.columns || 80;
    },
    redraw: (line) => {
      if (!interactive) return;
      // \r + clear-to-end-of-line: one line, redrawn in place.
      stdout.write(`\r${line}\u001b[K`);
    },
  };
}
