import type { Command } from 'commander';
import { registerEvalForecast } from './eval-forecast.js';
import { registerEvalNab } from './eval-nab.js';

/** Registers `vigil eval nab|forecast`: public-benchmark evaluations with the production defaults. */
export function registerEval(program: Command): void {
  const cmd = program
    .command('eval')
    .description('evaluate detection (NAB) or forecasting on a public benchmark with the production defaults');
  registerEvalNab(cmd);
  registerEvalForecast(cmd);
}
