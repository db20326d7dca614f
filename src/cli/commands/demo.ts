import type { Command } from 'commander';
import { addCommonOptions, notAvailable } from '../options.js';

/** Registers `vigil demo`. */
export function registerDemo(program: Command): void {
  addCommonOptions(
    program.command('demo').description('run a server with a simulated fleet and injected incidents, then print a scorecard'),
  )
    .option('--hosts <n>', 'number of simulated hosts', '20')
    .option('--speed <n>', 'time acceleration factor', '1')
    .option('--duration <duration>', 'how long to run (simulated time)')
    .option('--port <port>', 'port for the demo server')
    .option('--json', 'print the scorecard as one JSON object on the last line')
    .action(notAvailable('demo'));
}
