import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { evaluateNab, type NabDetector } from '../../detect/index.js';
import { fail } from '../options.js';

/** Default NAB data: `../shared/eval/nab` beside the checkout, else `/work/shared/eval/nab`. */
function defaultNabDir(): string {
  const repoRoot = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../../' : '../../../', import.meta.url));
  const beside = resolve(repoRoot, '../shared/eval/nab');
  return existsSync(beside) ? beside : '/work/shared/eval/nab';
}

function progressBar(done: number, total: number, name: string): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${name.slice(0, 50).padEnd(50)}`);
  if (done === total) process.stderr.write('\n');
}

/** Registers `vigil eval nab`. */
export function registerEvalNab(evalCmd: Command): void {
  evalCmd
    .command('nab')
    .description('run the production detector over NAB-format data and print NAB scores')
    .option('--data <dir>', 'NAB data directory (default: ../shared/eval/nab/data beside the checkout)')
    .option('--labels <file>', 'combined_windows.json (default: <nab>/labels/combined_windows.json)')
    .option('--out <dir>', 'write NAB-format result files here')
    .option('--detector <name>', 'vigil (production detector) | isolation-forest (the inspirations\u2019 baseline)', 'vigil')
    .option('--json', 'print the scores as one JSON object on the last line')
    .option(
      '--offsets <list>',
      'robustness: also score with the first k rows of every file dropped, for each k of a comma list (e.g. 0,2,4), and print the mean',
    )
    .action((flags: { data?: string; labels?: string; out?: string; detector: string; json?: boolean; offsets?: string }) => {
      try {
        if (flags.detector !== 'vigil' && flags.detector !== 'isolation-forest') {
          throw new Error(`unknown detector "${flags.detector}"; choose vigil or isolation-forest`);
        }
        const nab = defaultNabDir();
        const dataDir = resolve(flags.data ?? resolve(nab, 'data'));
        const labelsFile = resolve(flags.labels ?? resolve(nab, 'labels/combined_windows.json'));
        if (!existsSync(dataDir)) throw new Error(`NAB data directory not found: ${dataDir} (give --data)`);
        if (!existsSync(labelsFile)) throw new Error(`NAB labels not found: ${labelsFile} (give --labels)`);
        const started = performance.now();
        const r = evaluateNab({
          dataDir,
          labelsFile,
          detector: flags.detector as NabDetector,
          ...(flags.out === undefined ? {} : { outDir: resolve(flags.out) }),
          progress: progressBar,
        });
        const offsets = parseOffsets(flags.offsets);
        const robustness = offsets.map((k) => {
          const o = evaluateNab({ dataDir, labelsFile, detector: flags.detector as NabDetector, skipRows: k });
          const three = [o.scores.standard.score, o.scores.reward_low_FP_rate.score, o.scores.reward_low_FN_rate.score].map(round);
          process.stderr.write(`offset ${k}: ${three.join(' / ')}\n`);
          return three;
        });
        const mean = (i: number) => round(robustness.reduce((a, r) => a + r[i]!, 0) / robustness.length);
        const seconds = (performance.now() - started) / 1000;
        const out = {
          detector: r.detector,
          files: r.files,
          windows: r.windows,
          rows: r.rows,
          standard: round(r.scores.standard.score),
          reward_low_FP_rate: round(r.scores.reward_low_FP_rate.score),
          reward_low_FN_rate: round(r.scores.reward_low_FN_rate.score),
          thresholds: {
            standard: r.scores.standard.threshold,
            reward_low_FP_rate: r.scores.reward_low_FP_rate.threshold,
            reward_low_FN_rate: r.scores.reward_low_FN_rate.threshold,
          },
          standard_counts: {
            tp: r.scores.standard.truePositives,
            fp: r.scores.standard.falsePositives,
            fn: r.scores.standard.falseNegatives,
          },
          ...(offsets.length > 0
            ? {
                offsets,
                offsets_mean: { standard: mean(0), reward_low_FP_rate: mean(1), reward_low_FN_rate: mean(2) },
              }
            : {}),
          seconds: round(seconds),
        };
        process.stdout.write(
          `${r.detector} on ${r.files} files (${r.windows} windows, ${r.rows} rows): standard ${out.standard}, reward_low_FP ${out.reward_low_FP_rate}, reward_low_FN ${out.reward_low_FN_rate}\n`,
        );
        if (offsets.length > 0) {
          const m = out.offsets_mean!;
          process.stdout.write(
            `mean over ${offsets.length} start offsets: standard ${m.standard}, reward_low_FP ${m.reward_low_FP_rate}, reward_low_FN ${m.reward_low_FN_rate}\n`,
          );
        }
        if (flags.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      } catch (e) {
        fail(e);
      }
    });
}

function parseOffsets(list: string | undefined): number[] {
  if (list === undefined) return [];
  const ks = list.split(',').map((x) => Number(x.trim()));
  if (ks.some((k) => !Number.isInteger(k) || k < 0))
    throw new Error(`--offsets wants non-negative integers separated by commas, got "${list}"`);
  return ks;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
