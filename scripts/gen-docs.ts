// Generates docs/configuration.md from the config schema and docs/errors.md from the error catalogue, so
// neither can drift from the code. `--check` fails when the committed files differ from what would be made.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { vigilConfigSchema as configSchema } from '../src/config/index.js';
import { ERROR_CATALOGUE, formatDuration, packageRoot } from '../src/core/index.js';

interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
}

function isDuration(s: JsonSchema): boolean {
  const types = Array.isArray(s.type) ? s.type : (s.anyOf ?? []).map((a) => a.type);
  return types.includes('string') && types.includes('number') && !s.enum;
}

function typeOf(s: JsonSchema): string {
  if (isDuration(s)) return 'duration (`30s`, `5m`, `2h`, `15d`)';
  if (s.anyOf?.some((a) => a.type === 'boolean')) return 'boolean';
  if (s.enum) return s.enum.map((e) => `\`${String(e)}\``).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') return 'map of name → value';
  if (s.type === 'integer') {
    const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
    const range = s.minimum !== undefined || max !== undefined ? ` (${s.minimum ?? '…'}–${max ?? '…'})` : '';
    return `integer${range}`;
  }
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'value');
}

/** Every default, as the schema fills them in for an empty configuration. */
const DEFAULTS = configSchema.parse({}) as unknown as Record<string, unknown>;

function defaultAt(key: string): unknown {
  let v: unknown = DEFAULTS;
  for (const part of key.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function defaultOf(s: JsonSchema, key: string): string {
  const d = defaultAt(key);
  if (d === undefined) return '';
  if (isDuration(s) && typeof d === 'number') return `\`${formatDuration(d).replace(/ /g, '')}\``;
  if (typeof d === 'object' && d !== null && Object.keys(d).length === 0) return '';
  return `\`${JSON.stringify(d)}\``;
}

function rows(s: JsonSchema, prefix: string, out: string[]): void {
  for (const [name, p] of Object.entries(s.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (p.type === 'object' && p.properties && Object.keys(p.properties).length > 0) {
      if (p.description) out.push(`| \`${key}\` | section | | ${p.description} |`);
      rows(p, key, out);
      continue;
    }
    out.push(`| \`${key}\` | ${typeOf(p)} | ${defaultOf(p, key)} | ${(p.description ?? '').replace(/\|/g, '\\|')} |`);
  }
}

function configurationDoc(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out = [
    '# Configuration',
    '',
    '<!-- Generated from src/core/config.ts by `npm run docs:gen`; do not edit by hand. -->',
    '',
    'Sources, strongest first: command-line flags, `VIGIL_*` environment variables, the YAML file given with',
    '`--config` (or `VIGIL_CONFIG`), then the defaults below. The configuration is validated and frozen at start;',
    'an invalid value stops start-up with one line naming the key, the value, where it came from and what was',
    'expected. Keys are written in YAML as nested sections: `storage.retention.raw` is',
    '',
    '```yaml',
    'storage:',
    '  retention:',
    '    raw: 15d',
    '```',
    '',
    '| key | type | default | meaning |',
    '|---|---|---|---|',
  ];
  rows(schema, '', out);
  return `${out.join('\n')}\n`;
}

function errorsDoc(): string {
  const out = [
    '# Errors',
    '',
    '<!-- Generated from src/core/errors.ts by `npm run docs:gen`; do not edit by hand. -->',
    '',
    'Every error answer of Vigil\'s own API has the body `{"error": {"code": "…", "message": "…"}}`; the code is',
    "stable, the message is for people. The Prometheus-compatible routes answer in Prometheus' own error format.",
    '',
    '| code | HTTP status | meaning |',
    '|---|---|---|',
  ];
  for (const [code, e] of Object.entries(ERROR_CATALOGUE)) out.push(`| \`${code}\` | ${e.status} | ${e.message} |`);
  return `${out.join('\n')}\n`;
}

const docs = join(packageRoot(), 'docs');
const files: [string, string][] = [
  [join(docs, 'configuration.md'), configurationDoc()],
  [join(docs, 'errors.md'), errorsDoc()],
];
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, text] of files) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // missing: stale
  }
  if (current === text) continue;
  if (check) {
    process.stderr.write(`docs check: ${file} is out of date; run npm run docs:gen\n`);
    stale++;
  } else writeFileSync(file, text);
}
process.exit(stale > 0 ? 1 : 0);
