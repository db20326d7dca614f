import type { Command } from 'commander';
import { addCommonOptions, notAvailable } from '../options.js';

/** Registers `vigil agent`. */
export function registerAgent(program: Command): void {
  addCommonOptions(program.command('agent').description('collect this machine\'s metrics and ship them to a Vigil server'))
    .option('--server <url>', 'server URL (env VIGIL_AGENT_SERVER)')
    .option('--key <key>', 'agent API key (env VIGIL_AGENT_KEY)')
    .option('--interval <duration>', 'collection interval, e.g. 5s (env VIGIL_AGENT_INTERVAL)')
    .option('--label <k=v...>', 'extra label on every series (repeatable)')
    .option('--spool <dir>', 'on-disk spool for batches while the server is unreachable')
    .option('--once', 'collect and send one batch, then exit')
    .action(notAvailable('agent'));
}
