import { Command } from 'commander';
import { registerAgent } from './commands/agent.js';
import { registerBench } from './commands/bench.js';
import { registerDemo } from './commands/demo.js';
import { registerDetect } from './commands/detect.js';
import { registerEval } from './commands/eval.js';
import { registerForecast } from './commands/forecast.js';
import { registerImport } from './commands/import.js';
import { registerServer } from './commands/server.js';
import { registerTenant } from './commands/tenant.js';
import { VERSION } from './version.js';

/** The `vigil` command line: every command and option, without parsing anything (the docs check walks it too). */
export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Vigil: self-hosted monitoring that learns what normal looks like, flags deviations and says why.')
    .version(VERSION)
    .showHelpAfterError();
  registerServer(program);
  registerAgent(program);
  registerDemo(program);
  registerDetect(program);
  registerForecast(program);
  registerEval(program);
  registerImport(program);
  registerBench(program);
  registerTenant(program);
  return program;
}
