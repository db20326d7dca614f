import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseDuration, VigilError } from '../../core/index.js';
import { forecastSeries, medianStep, parseSeriesCsv } from '../../forecast/index.js';
import { addCommonOptions, fail } from '../options.js';

/** Registers `vigil forecast`. */
export function registerForecast(program: Command): void {
  addCommonOptions(program.command('forecast').description('forecast a timestamp,value CSV history with the production forecaster'))
    .option('--input <file>', 'CSV file (default: stdin)')
    .requiredOption('--horizon <n>', 'number of steps to forecast')
    .option('--step <duration>', 'step of the history, e.g. 5m (default: inferred)')
    .action((flags: { input?: string; horizon: string; step?: string }) => {
      try {
        runForecast(flags);
      } catch (e) {
        fail(e);
      }
    });
}

function runForecast(flags: { input?: string; horizon: string; step?: string }): void {
  const horizon = Number(flags.horizon);
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > 100_000) {
    throw new VigilError('BAD_REQUEST', `--horizon ${JSON.stringify(flags.horizon)}: expected a whole number of steps from 1 to 100000`);
  }
  const text = readFileSync(flags.input ?? 0, 'utf8');
  const csv = parseSeriesCsv(text, flags.input ?? 'stdin');
  if (csv.values.length === 0) throw new VigilError('BAD_REQUEST', 'the history is empty');
  let stepMs = medianStep(csv.timestamps);
  if (flags.step !== undefined) {
    const s = parseDuration(flags.step);
    if (s === null || s <= 0) throw new VigilError('BAD_REQUEST', `--step ${JSON.stringify(flags.step)}: expected a duration such as 5m`);
    stepMs = s;
  }
  if (stepMs <= 0) throw new VigilError('BAD_REQUEST', 'cannot infer the step from one timestamp: give --step');
  const f = forecastSeries({ values: csv.values, stepMs, horizon, endTime: csv.timestamps[csv.timestamps.length - 1] as number });
  const lines = ['step,point,lower80,upper80'];
  for (let i = 0; i < horizon; i++)
    lines.push(`${i + 1},${num(f.point[i] as number)},${num(f.lower[i] as number)},${num(f.upper[i] as number)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function num(v: number): string {
  return String(Number(v.toPrecision(12)));
}
