import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { Labels } from '../../core/index.js';
import { inferKind, parseTimestamp, SeriesModel } from '../../detect/index.js';
import { addCommonOptions, configFor, fail, loggerFor } from '../options.js';

/** Parses `name{k="v",…}` (or a bare name, or `{…}` alone) into labels. */
export function parseSeriesLabels(text: string): Labels {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$/s.exec(text);
  if (m === null) throw new Error(`--labels ${JSON.stringify(text)}: expected name{key="value",…}`);
  const labels: Labels = {};
  if (m[1] !== undefined) labels.__name__ = m[1];
  const body = m[2] ?? '';
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const p = re.exec(body);
    if (p === null) throw new Error(`--labels ${JSON.stringify(text)}: cannot parse labels at "${body.slice(pos)}"`);
    labels[p[1] as string] = JSON.parse(`"${p[2]}"`) as string;
    pos = re.lastIndex;
  }
  return labels;
}

/** Registers `vigil detect`. */
export function registerDetect(program: Command): void {
  addCommonOptions(program.command('detect').description('score a timestamp,value CSV causally with the production detector'))
    .option('--input <file>', 'CSV file (default: stdin)')
    .option('--labels <labels>', 'series name and labels, e.g. node_cpu_seconds_total{mode="idle"}')
    .option('--host', 'score a whole host: one CSV column per series')
    .option('--history <file>', 'with --host: warm the models on earlier data')
    .option('--step <duration>', 'with --host and no timestamp column: row spacing')
    .option('--no-header', 'with --host: the CSV has no header row')
    .action(async (flags: { input?: string; labels?: string; host?: boolean; config?: string; logLevel?: string }) => {
      try {
        const log = loggerFor(configFor(flags, []), true);
        if (flags.host) {
          process.stderr.write('vigil detect --host: not available yet (the per-host multivariate model is not built)\n');
          process.exit(3);
        }
        const labels = flags.labels === undefined ? undefined : parseSeriesLabels(flags.labels);
        const model = new SeriesModel({ kind: inferKind(labels) });
        const input = flags.input === undefined ? process.stdin : createReadStream(flags.input);
        const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
        let first = true;
        let rows = 0;
        let buf = '';
        for await (const line of lines) {
          if (first) {
            first = false;
            if (!/^\s*timestamp\s*,\s*value\s*$/i.test(line))
              throw new Error(`expected the header "timestamp,value", got ${JSON.stringify(line.slice(0, 80))}`);
            buf += 'timestamp,value,anomaly_score\n';
            continue;
          }
          if (line.trim() === '') continue;
          const c = line.indexOf(',');
          if (c < 0) throw new Error(`row ${rows + 1}: expected timestamp,value, got ${JSON.stringify(line.slice(0, 80))}`);
          const ts = line.slice(0, c);
          const vs = line.slice(c + 1);
          const t = parseTimestamp(ts);
          if (Number.isNaN(t)) throw new Error(`row ${rows + 1}: bad timestamp ${JSON.stringify(ts)} (use YYYY-MM-DD HH:MM:SS or Unix ms)`);
          const r = model.update(t, Number(vs));
          buf += `${ts},${vs},${r.score}\n`;
          rows++;
          if (buf.length > 65536) {
            if (!process.stdout.write(buf)) await new Promise((res) => process.stdout.once('drain', res));
            buf = '';
          }
        }
        if (first) throw new Error('empty input: expected the header "timestamp,value"');
        process.stdout.write(buf);
        log.info({ rows, learning: model.learningInfo().text }, 'scored');
      } catch (e) {
        fail(e);
      }
    });
}
