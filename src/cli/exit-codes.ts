/** Exit statuses of the `car-reaper` CLI (the README's "Exit status"). */
export const ExitCode = {
  /** The command ran; a reap cycle that recorded failures still ran. */
  ok: 0,
  /** Configuration, credential or infrastructure error. */
  failure: 1,
  /** Usage error: unknown command or flag, malformed argument. */
  usage: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
