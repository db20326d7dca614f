import type { Command } from 'commander';
import { addCommonOptions, notAvailable } from '../options.js';

/** Registers `vigil detect`. */
export function registerDetect(program: Command): void {
  addCommonOptions(program.command('detect').description('score a timestamp,value CSV causally with the production detector'))
    .option('--input <file>', 'CSV file (default: stdin)')
    .option('--labels <labels>', 'series name and labels, e.g. node_cpu_seconds_total{mode="idle"}')
    .option('--host', 'score a whole host: one CSV column per series')
    .option('--history <file>', 'with --host: warm the models on earlier data')
    .option('--step <duration>', 'with --host and no timestamp column: row spacing')
    .option('--no-header', 'with --host: the CSV has no header row')
    .action(notAvailable('detect'));
}
