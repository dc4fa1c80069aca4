/**
 * The logging port: structured (message + fields). Powertools' Logger fits it
 * as is in Lambda; the CLI uses {@link jsonLogger} on stderr or {@link silentLogger}.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

type Level = keyof Logger;
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One JSON object a line on `write` (stderr by default), at or above `level`. */
export function jsonLogger(
  options: { level?: Level; write?: (line: string) => void; fields?: Record<string, unknown> } = {},
): Logger {
  const threshold = order[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (level: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (order[level] < threshold) return;
    write(
      JSON.stringify({
        level: level.toUpperCase(),
        timestamp: new Date().toISOString(),
        message,
        ...options.fields,
        ...fields,
      }),
    );
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const ignore = () => {};
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
