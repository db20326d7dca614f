import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { BenchModule } from '../../../bench/types.js';
import { fail } from '../options.js';

/** Benchmarks `vigil bench` knows, each a module `bench/<name>.ts` (DESIGN.md, "Measuring"). */
export const BENCH_NAMES = ['tsdb', 'ingest', 'detect', 'agent', 'alert-latency', 'query', 'dashboard', 'cluster'] as const;

function benchModuleUrl(name: string): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../../../bench/${name}${ext}`, import.meta.url);
}

/** Registers `vigil bench NAME [--json] [--quick]`. */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(`run one macro benchmark on this machine: ${BENCH_NAMES.join(', ')}`)
    .argument('<name>', `benchmark name: ${BENCH_NAMES.join(' | ')}`)
    .option('--json', 'print the figures as one JSON object on the last line of stdout')
    .option('--quick', 'a shorter run with smaller data (for smoke tests)')
    .action(async (name: string, flags: { json?: boolean; quick?: boolean }) => {
      try {
        if (!(BENCH_NAMES as readonly string[]).includes(name)) {
          throw new Error(`unknown benchmark "${name}"; choose one of ${BENCH_NAMES.join(', ')}`);
        }
        const url = benchModuleUrl(name);
        if (!existsSync(url)) {
          process.stderr.write(`vigil bench ${name}: not available yet\n`);
          process.exit(3);
        }
        const mod = (await import(url.href)) as BenchModule;
        const log = (line: string) => process.stderr.write(`${line}\n`);
        const result = await mod.run({ json: flags.json === true, quick: flags.quick === true, log });
        if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else
          for (const [k, v] of Object.entries(result))
            process.stdout.write(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
        process.exit(0);
      } catch (e) {
        fail(e);
      }
    });
}
