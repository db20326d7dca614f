import type { Command } from 'commander';
import { notAvailable } from '../options.js';

/** Registers `vigil eval nab`. */
export function registerEvalNab(evalCmd: Command): void {
  evalCmd
    .command('nab')
    .description('run the production detector over NAB-format data and print NAB scores')
    .option('--data <dir>', 'NAB data directory')
    .option('--labels <file>', 'combined_windows.json')
    .option('--out <dir>', 'write NAB-format result files here')
    .option('--json', 'print the scores as one JSON object on the last line')
    .action(notAvailable('eval nab'));
}
