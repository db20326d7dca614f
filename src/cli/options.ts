import type { Command } from 'commander';
import type { ZodType } from 'zod';
import { type Config, createLogger, type Logger, loadConfig, type OptionBinding, VigilError } from '../core/index.js';

/** Option bindings shared by every command: the config file and log level. */
export const COMMON_BINDINGS: OptionBinding[] = [
  { option: 'logLevel', key: 'log.level', env: 'VIGIL_LOG_LEVEL' },
  { option: 'logPretty', key: 'log.pretty', env: 'VIGIL_LOG_PRETTY' },
];

/** Adds `--config` and `--log-level` to a command. */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'YAML config file (env VIGIL_CONFIG)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env VIGIL_LOG_LEVEL)');
}

/** Loads the config for a command from flags > VIGIL_* env > YAML file > defaults; exits with one clear line on error. */
export function configFor(flags: Record<string, unknown>, bindings: readonly OptionBinding[]): Config;
export function configFor<T>(
  flags: Record<string, unknown>,
  bindings: readonly OptionBinding[],
  schema: ZodType<T>,
  exitOnError?: boolean,
): T;
export function configFor<T>(
  flags: Record<string, unknown>,
  bindings: readonly OptionBinding[],
  schema?: ZodType<T>,
  exitOnError = true,
): T | Config {
  try {
    const sources = {
      file: (flags.config as string | undefined) ?? process.env.VIGIL_CONFIG,
      env: process.env,
      flags,
      bindings: [...COMMON_BINDINGS, ...bindings],
    };
    return schema ? loadConfig(sources, schema) : loadConfig(sources);
  } catch (e) {
    if (exitOnError && e instanceof VigilError && e.code === 'CONFIG_INVALID') {
      process.stderr.write(`vigil: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/** The process logger for a command; `toStderr` for commands whose stdout carries data. */
export function loggerFor(config: Pick<Config, 'log'>, toStderr = false): Logger {
  return createLogger({
    level: config.log.level,
    ...(config.log.pretty === undefined ? {} : { pretty: config.log.pretty }),
    fd: toStderr ? 2 : 1,
  });
}

/** Prints an error for a failed command and exits non-zero; VigilErrors print their message only. */
export function fail(e: unknown): never {
  const msg = e instanceof VigilError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`vigil: ${msg}\n`);
  process.exit(1);
}

/** Collects repeatable `--label k=v` flags into an object. */
export function collectLabel(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new VigilError('CONFIG_INVALID', `invalid config: --label ${JSON.stringify(value)}: expected key=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Action for a command whose issue has not landed yet: says so on stderr and exits 3. */
export function notAvailable(what: string): () => never {
  return () => {
    process.stderr.write(`vigil ${what}: not available yet\n`);
    process.exit(3);
  };
}
