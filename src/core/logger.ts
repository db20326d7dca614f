import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Options for the process logger. */
export interface LoggerOptions {
  level: string;
  /** Human-readable output; defaults to true when stdout is a TTY. */
  pretty?: boolean;
  /** Where log lines go: 1 = stdout (default), 2 = stderr (for commands whose stdout is data). */
  fd?: 1 | 2;
}

/** Paths whose values are secrets and must never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'key',
  '*.key',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'agentKey',
  '*.agentKey',
  'adminPassword',
  '*.adminPassword',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.url',
];

/** Creates the root logger: JSON by default, pretty when stdout is a TTY. */
export function createLogger(opts: LoggerOptions): Logger {
  const fd = opts.fd ?? 1;
  const pretty = opts.pretty ?? (fd === 1 ? process.stdout.isTTY : process.stderr.isTTY) === true;
  const redact = { paths: REDACT_PATHS, censor: '***' };
  if (pretty) {
    return pino({
      level: opts.level,
      redact,
      transport: { target: 'pino-pretty', options: { destination: fd, colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ level: opts.level, redact }, pino.destination({ fd, sync: false }));
}

/** A logger that discards everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
