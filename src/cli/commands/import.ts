import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { type Labels, parseDuration, parseSelector, parseTimestampValueCsv, VigilError } from '../../core/index.js';
import { readPrometheus, type SendTotals, sendToVigil } from '../../ingest/index.js';
import { fail } from '../options.js';

function progress(label: string, fraction: number, totals: SendTotals): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const done = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  process.stderr.write(
    `\r${label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${totals.accepted} samples`,
  );
}

function labelsFromSelector(text: string): Labels {
  const labels: Labels = {};
  for (const m of parseSelector(text)) {
    if (m.op !== '=') throw new VigilError('BAD_REQUEST', `--labels takes only = matchers: ${text}`);
    labels[m.name] = m.value;
  }
  return labels;
}

/** Registers `vigil import`: history from a Prometheus server or CSV files into a running Vigil server. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import history from a Prometheus server or CSV files into Vigil, so models start warm')
    .option('--server <url>', 'Vigil server to import into (env VIGIL_SERVER)', process.env.VIGIL_SERVER ?? 'http://127.0.0.1:9470')
    .option('--key <key>', 'agent key of the Vigil server (env VIGIL_AGENT_KEY)', process.env.VIGIL_AGENT_KEY)
    .option('--prometheus <url>', 'Prometheus server to read from (its HTTP API)')
    .option('--match <selector>', 'with --prometheus: series selector to import', '{job=~".+"}')
    .option('--since <duration>', 'with --prometheus: how far back to import', '7d')
    .option('--csv <files...>', 'CSV files with timestamp,value; each becomes one series')
    .option('--labels <selector>', 'with --csv: the series name and labels, e.g. disk_used_bytes{host="db-3"}')
    .action(
      async (flags: {
        server: string;
        key?: string;
        prometheus?: string;
        match: string;
        since: string;
        csv?: string[];
        labels?: string;
      }) => {
        try {
          if (!flags.key) throw new VigilError('BAD_REQUEST', 'an agent key is needed: --key or VIGIL_AGENT_KEY');
          if (!flags.prometheus && !flags.csv)
            throw new VigilError('BAD_REQUEST', 'nothing to import: give --prometheus URL or --csv FILE…');
          const totals: SendTotals = { accepted: 0, rejected: 0, reasons: {} };
          if (flags.prometheus) {
            const since = parseDuration(flags.since);
            if (since === null) throw new VigilError('BAD_REQUEST', `--since ${flags.since}: expected a duration such as 7d`);
            const end = Date.now();
            for await (const { batch, progress: p } of readPrometheus({
              url: flags.prometheus,
              match: flags.match,
              start: end - since,
              end,
            })) {
              await sendToVigil(flags.server, flags.key, batch, totals);
              progress('prometheus', p, totals);
            }
          }
          for (const [i, file] of (flags.csv ?? []).entries()) {
            const { timestamps, values } = parseTimestampValueCsv(readFileSync(file, 'utf8'), { source: file, numbers: 'auto' });
            const name = basename(file)
              .replace(/\.[^.]*$/, '')
              .replace(/[^a-zA-Z0-9_:]/g, '_');
            const labels = flags.labels ? labelsFromSelector(flags.labels) : { __name__: /^[a-zA-Z_:]/.test(name) ? name : `csv_${name}` };
            await sendToVigil(flags.server, flags.key, [{ labels, timestamps, values }], totals);
            progress('csv', (i + 1) / (flags.csv?.length ?? 1), totals);
          }
          if (process.stderr.isTTY) process.stderr.write('\n');
          process.stdout.write(`${JSON.stringify({ accepted: totals.accepted, rejected: totals.rejected, reasons: totals.reasons })}\n`);
          if (totals.reasons.too_old) {
            process.stderr.write(
              'vigil import: some samples were older than series already stored (too_old); import history before agents start sending\n',
            );
          }
        } catch (e) {
          fail(e);
        }
      },
    );
}
