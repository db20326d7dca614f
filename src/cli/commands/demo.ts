import type { Command } from 'commander';
import { parseDuration } from '../../core/index.js';
import { addCommonOptions, configFor, fail, loggerFor } from '../options.js';

function printCard(card: {
  scenarios: { name: string; expected: boolean; caught: boolean; delay_s: number | null; explanation: string | null }[];
  false_alerts: number;
  history_alerts?: number;
}): void {
  const lines = ['', 'Scorecard'];
  for (const s of card.scenarios) {
    const verdict = s.expected
      ? s.caught
        ? `caught after ${s.delay_s} s`
        : 'MISSED'
      : s.caught
        ? 'ALERTED (should not)'
        : 'quiet, as it should be';
    lines.push(`  ${s.name.padEnd(22)} ${verdict}${s.explanation ? `\n      ${s.explanation.slice(0, 200)}` : ''}`);
  }
  lines.push(`  false alerts on healthy hosts: ${card.false_alerts}`);
  if (card.history_alerts !== undefined) lines.push(`  alerts about the pre-filled history: ${card.history_alerts}`);
  lines.push('');
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Registers `vigil demo`. */
export function registerDemo(program: Command): void {
  addCommonOptions(
    program.command('demo').description('run a server with a simulated fleet and injected incidents, then print a scorecard'),
  )
    .option('--hosts <n>', 'number of simulated hosts (12 to 2000)', '20')
    .option('--speed <n>', 'simulated seconds per wall second', '60')
    .option('--duration <duration>', 'simulated length of the live phase (default: until every scenario has played out)')
    .option('--history <duration>', 'history pre-filled so models are warm', '3d')
    .option('--scenarios <names>', 'comma-separated subset of scenarios')
    .option('--port <port>', 'port for the demo server (default: any free port)', '0')
    .option('--json', 'print the scorecard as one JSON object on the last line')
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      const config = configFor({ logLevel: flags.logLevel, config: flags.config }, []);
      const log = loggerFor(config, true);
      try {
        const hosts = Number(flags.hosts);
        const speed = Number(flags.speed);
        if (!Number.isInteger(hosts) || hosts < 12 || hosts > 2000)
          throw new Error(`--hosts ${flags.hosts}: expected a whole number from 12 to 2000`);
        if (!(speed >= 1 && speed <= 3600)) throw new Error(`--speed ${flags.speed}: expected a number from 1 to 3600`);
        const duration = typeof flags.duration === 'string' ? parseDuration(flags.duration) : undefined;
        if (duration === null) throw new Error(`--duration ${flags.duration}: expected a duration such as 4h`);
        const history = parseDuration(String(flags.history));
        if (history === null) throw new Error(`--history ${flags.history}: expected a duration such as 3d`);
        const { startDemo } = await import('../../demo/index.js');
        const demo = await startDemo({
          hosts,
          speed,
          historyMs: history,
          port: Number(flags.port),
          logger: log,
          ...(duration !== undefined ? { durationMs: duration } : {}),
          ...(typeof flags.scenarios === 'string' ? { scenarios: flags.scenarios.split(',').map((s) => s.trim()) } : {}),
          onProgress: (line) => process.stderr.write(`${line}\n`),
        });
        process.stderr.write(`Demo dashboard: ${demo.url}  (login admin / ${demo.adminPassword})\n`);
        const finish = async () => {
          const card = await demo.stop();
          printCard(card);
          if (flags.json) process.stdout.write(`${JSON.stringify(card)}\n`);
          process.exit(0);
        };
        process.once('SIGINT', () => void finish());
        process.once('SIGTERM', () => void finish());
        await demo.done;
        await finish();
      } catch (e) {
        fail(e);
      }
    });
}
