import type { Command } from 'commander';
import { addCommonOptions, notAvailable } from '../options.js';

/** Registers `vigil forecast`. */
export function registerForecast(program: Command): void {
  addCommonOptions(program.command('forecast').description('forecast a timestamp,value CSV history with the production forecaster'))
    .option('--input <file>', 'CSV file (default: stdin)')
    .requiredOption('--horizon <n>', 'number of steps to forecast')
    .option('--step <duration>', 'step of the history, e.g. 5m (default: inferred)')
    .action(notAvailable('forecast'));
}
