import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { ZodType } from 'zod';
import { type Config, configSchema } from './config.js';
import { VigilError } from './errors.js';

/** One setting from a flag or an environment variable: dotted config key, raw value, where it came from. */
export interface ConfigOverride {
  key: string;
  value: unknown;
  source: string;
}

/** Maps a command-line option to its config key and `VIGIL_*` environment variable. */
export interface OptionBinding {
  /** commander's camelCase option name, e.g. `agentKey`. */
  option: string;
  /** Dotted config key, e.g. `server.agentKey`. */
  key: string;
  /** Environment variable, e.g. `VIGIL_AGENT_KEY`. */
  env: string;
}

/** Where a configuration comes from, lowest precedence first: file, environment, flags. */
export interface ConfigSources {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, unknown>;
  bindings?: readonly OptionBinding[];
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let obj = target;
  for (const p of parts.slice(0, -1)) {
    const next = obj[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) obj[p] = {};
    obj = obj[p] as Record<string, unknown>;
  }
  obj[parts[parts.length - 1] as string] = value;
}

function getPath(source: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = source;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function describeValue(v: unknown): string {
  if (v === undefined) return '(missing)';
  const text = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Reads a YAML config file into a plain object, failing with a clear CONFIG_INVALID error. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `config file ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: e,
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `config file ${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new VigilError('CONFIG_INVALID', `config file ${file}: top level must be a mapping`);
  return doc as Record<string, unknown>;
}

/**
 * Validates `raw` against `schema`; on failure throws one CONFIG_INVALID error whose message is one line
 * naming the key, the value given, where it came from and what was expected.
 */
export function validateConfig<T>(schema: ZodType<T>, raw: unknown, origins: ReadonlyMap<string, string> = new Map()): T {
  const result = schema.safeParse(raw);
  if (result.success) return deepFreeze(result.data);
  const issue = result.error.issues[0];
  if (issue === undefined) throw new VigilError('CONFIG_INVALID');
  const key = issue.path.map(String).join('.') || '(root)';
  const value = getPath(raw, issue.path);
  const origin = origins.get(key);
  let expected = issue.message;
  if (issue.code === 'unrecognized_keys') expected = `unknown key(s) ${issue.keys.join(', ')}`;
  const msg = `invalid config: ${key} = ${describeValue(value)}${origin ? ` (from ${origin})` : ''}: ${expected}`;
  throw new VigilError('CONFIG_INVALID', msg, { context: { key, origin } });
}

/**
 * Builds the configuration from file < environment < flags < defaults, validated against `schema` (the core
 * sections by default; the server passes the full schema with every part's section) and deeply frozen.
 */
export function loadConfig(sources?: ConfigSources): Config;
export function loadConfig<T>(sources: ConfigSources, schema: ZodType<T>): T;
export function loadConfig<T>(sources: ConfigSources = {}, schema?: ZodType<T>): T | Config {
  const raw: Record<string, unknown> = sources.file ? readConfigFile(sources.file) : {};
  const origins = new Map<string, string>();
  const env = sources.env ?? {};
  for (const b of sources.bindings ?? []) {
    const fromEnv = env[b.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      setPath(raw, b.key, fromEnv);
      origins.set(b.key, `environment ${b.env}`);
    }
    const fromFlag = sources.flags?.[b.option];
    if (fromFlag !== undefined) {
      setPath(raw, b.key, fromFlag);
      origins.set(b.key, `flag --${b.option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    }
  }
  return schema ? validateConfig(schema, raw, origins) : validateConfig(configSchema, raw, origins);
}
