import type { Command } from 'commander';
import { notAvailable } from '../options.js';

/** Registers `vigil eval forecast`. */
export function registerEvalForecast(evalCmd: Command): void {
  evalCmd
    .command('forecast')
    .description('rolling-origin forecast evaluation (MASE, 80% coverage) against baselines')
    .option('--data <dir>', 'NAB-format data directory')
    .option('--json', 'print the scores as one JSON object on the last line')
    .action(notAvailable('eval forecast'));
}
