import type { Command } from 'commander';
import { addCommonOptions, notAvailable } from '../options.js';

/** Registers `vigil import`. */
export function registerImport(program: Command): void {
  addCommonOptions(program.command('import').description('import history from a Prometheus server or CSV files so models start warm'))
    .option('--prometheus <url>', 'Prometheus server to read from (its HTTP API)')
    .option('--csv <files...>', 'CSV files with timestamp,value')
    .option('--match <selector>', 'series selector to import from Prometheus')
    .option('--since <duration>', 'how far back to import', '7d')
    .option('--data <dir>', 'Vigil data directory')
    .action(notAvailable('import'));
}
