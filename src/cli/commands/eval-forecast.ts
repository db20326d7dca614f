import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { VigilError } from '../../core/index.js';
import {
  DEFAULT_FORECASTER,
  EVAL_HORIZONS,
  evaluateForecasts,
  type ForecasterOptions,
  forecastMethodsForEval,
  type HorizonName,
} from '../../forecast/index.js';
import { collectLabel, fail } from '../options.js';

/** Registers `vigil eval forecast`. */
export function registerEvalForecast(evalCmd: Command): void {
  evalCmd
    .command('forecast')
    .description('rolling-origin forecast evaluation (MASE, 80% coverage) against baselines')
    .option('--data <dir>', 'NAB-format data directory (default: ../shared/eval/nab relative to the repository)')
    .option('--json', 'print the scores as one JSON object on the last line')
    .option('--filter <text>', 'only files whose path contains this text')
    .option('--option <key=value>', 'override a forecaster default for "ours", e.g. blend=0.3 (repeatable)', collectLabel, {})
    .action((flags: EvalFlags) => {
      try {
        runEvalForecast(flags);
      } catch (e) {
        fail(e);
      }
    });
}

function defaultDataDir(): string {
  // src/cli/commands (or dist/src/cli/commands) → repository root → ../shared/eval/nab
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir);
  return resolve(dir, '..', 'shared', 'eval', 'nab');
}

interface EvalFlags {
  data?: string;
  json?: boolean;
  filter?: string;
  option: Record<string, string>;
}

function forecasterOverrides(raw: Record<string, string>): ForecasterOptions {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in DEFAULT_FORECASTER))
      throw new VigilError('BAD_REQUEST', `--option ${k}: unknown; one of ${Object.keys(DEFAULT_FORECASTER).join(', ')}`);
    const def = DEFAULT_FORECASTER[k as keyof ForecasterOptions];
    const val = typeof def === 'boolean' ? v === 'true' : Number(v);
    if (typeof val === 'number' && !Number.isFinite(val)) throw new VigilError('BAD_REQUEST', `--option ${k}=${v}: expected a number`);
    out[k] = val;
  }
  return out as ForecasterOptions;
}

function runEvalForecast(flags: EvalFlags): void {
  let dataDir = resolve(flags.data ?? defaultDataDir());
  if (existsSync(join(dataDir, 'data'))) dataDir = join(dataDir, 'data');
  if (!existsSync(dataDir)) throw new VigilError('BAD_REQUEST', `--data ${dataDir}: no such directory`);
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  const result = evaluateForecasts({
    dataDir,
    methods: forecastMethodsForEval(forecasterOverrides(flags.option)),
    ...(flags.filter === undefined ? {} : { filter: flags.filter }),
    onProgress: (done, total) => {
      const now = Date.now();
      if (done !== total && now - lastDraw < 500) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} origins, ${Math.round((now - started) / 1000)}s`;
      process.stderr.write(tty ? `\r${line}${done === total ? '\n' : ''}` : `${line}\n`);
    },
  });
  const horizons: Record<string, Record<string, number | null>> = {};
  for (const h of Object.keys(EVAL_HORIZONS) as HorizonName[]) {
    const m = result.mean;
    horizons[h] = {
      mase: round(m.ours?.[h].mase),
      mase_seasonal_naive: round(m.seasonal_naive?.[h].mase),
      mase_linear: round(m.linear?.[h].mase),
      mase_augurs: round(m.augurs?.[h].mase),
      coverage80: round(m.ours?.[h].coverage80),
      coverage80_augurs: round(m.augurs?.[h].coverage80),
    };
  }
  const out = {
    horizons,
    files: result.files.length,
    origins_per_file: result.origins,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  const lines: string[] = [];
  lines.push(
    `${'file'.padEnd(56)} ${'ours'.padStart(16)} ${'augurs'.padStart(16)} ${'s.naive'.padStart(16)} ${'linear'.padStart(18)}   (MASE 1h/6h/24h)`,
  );
  for (const f of result.files) {
    const cell = (name: string) => {
      const s = f.scores[name];
      return s ? `${fmt(s['1h'].mase)}/${fmt(s['6h'].mase)}/${fmt(s['24h'].mase)}` : '-';
    };
    lines.push(
      `${f.file.padEnd(56)} ${cell('ours').padStart(16)} ${cell('augurs').padStart(16)} ${cell('seasonal_naive').padStart(16)} ${cell('linear').padStart(18)}`,
    );
  }
  lines.push('');
  lines.push(`${'mean MASE'.padEnd(12)} ${'1h'.padStart(8)} ${'6h'.padStart(8)} ${'24h'.padStart(8)}`);
  const row = (label: string, key: string) =>
    `${label.padEnd(12)} ${(['1h', '6h', '24h'] as const).map((h) => fmt(horizons[h]?.[key] ?? null).padStart(8)).join(' ')}`;
  lines.push(row('ours', 'mase'), row('augurs', 'mase_augurs'), row('s. naive', 'mase_seasonal_naive'), row('linear', 'mase_linear'));
  lines.push(row('cov80 ours', 'coverage80'), row('cov80 augurs', 'coverage80_augurs'));
  process.stdout.write(`${lines.join('\n')}\n`);
  if (flags.json) process.stdout.write(`${JSON.stringify(out)}\n`);
}

function round(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000;
}

function fmt(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '-' : v.toFixed(2);
}
