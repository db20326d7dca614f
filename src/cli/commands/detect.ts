import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { type Labels, type Logger, parseDuration, parseTimestamp, VigilError } from '../../core/index.js';
import {
  type HostCsvLayout,
  type HostCsvRow,
  HostReplay,
  hostCsvLayout,
  inferKind,
  parseHostRow,
  SeriesModel,
} from '../../detect/index.js';
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

/** Options of `vigil detect --host`. */
interface HostFlags {
  input?: string;
  history?: string;
  step?: string;
  header: boolean;
}

/** Reads the rows of a host CSV, checking its layout against `layout` when given (the history's); returns the layout. */
async function readHostCsv(
  path: string | undefined,
  header: boolean,
  layout: HostCsvLayout | undefined,
  onRow: (row: HostCsvRow, layout: HostCsvLayout) => Promise<void> | void,
): Promise<HostCsvLayout | undefined> {
  const input = path === undefined ? process.stdin : createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const name = path ?? 'stdin';
  let shape = layout;
  let first = true;
  let n = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    if (first) {
      first = false;
      const own = hostCsvLayout(line, header);
      if (shape !== undefined && (own.hasTimestamp !== shape.hasTimestamp || own.columns.length !== shape.columns.length))
        throw new VigilError('BAD_REQUEST', `${name}: its columns differ from the history's`);
      shape ??= own;
      if (header) continue;
    }
    n++;
    try {
      await onRow(parseHostRow(line, shape as HostCsvLayout, n), shape as HostCsvLayout);
    } catch (e) {
      throw e instanceof VigilError ? e : new VigilError('BAD_REQUEST', `${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return shape;
}

/**
 * `vigil detect --host`: warms a host's models on `--history`, then scores each input row with the host score
 * (per-series and multivariate together) through the same shard code as live detection.
 */
async function detectHost(flags: HostFlags, log: Logger): Promise<void> {
  const stepMs = parseDuration(flags.step ?? '60s');
  if (stepMs === null || stepMs <= 0)
    throw new VigilError('BAD_REQUEST', `--step ${JSON.stringify(flags.step)}: expected a duration such as 60s`);
  let replay: HostReplay | undefined;
  let index = 0;
  let lastT = Number.NEGATIVE_INFINITY;
  // Without a timestamp column rows are --step apart, history first; with one, times must increase.
  const timeOf = (row: HostCsvRow, layout: HostCsvLayout, where: string): HostCsvRow => {
    const t = layout.hasTimestamp ? row.t : index * stepMs;
    index++;
    if (!(t > lastT)) throw new Error(`${where}: timestamp ${row.text} is not after the previous row's`);
    lastT = t;
    return { ...row, t };
  };
  let history: HostCsvRow[] = [];
  let layout: HostCsvLayout | undefined;
  if (flags.history !== undefined) {
    layout = await readHostCsv(flags.history, flags.header, undefined, (row, shape) => {
      history.push(timeOf(row, shape, `history row ${history.length + 1}`));
    });
    if (layout !== undefined) {
      replay = new HostReplay(layout.columns);
      replay.train(history);
    }
    log.info({ rows: history.length }, 'history learnt');
    history = [];
  }
  let out = 'timestamp,anomaly_score\n';
  let rows = 0;
  const seen = await readHostCsv(flags.input, flags.header, layout, async (row, shape) => {
    replay ??= new HostReplay(shape.columns);
    const timed = timeOf(row, shape, `row ${rows + 1}`);
    out += `${shape.hasTimestamp ? row.text : String(timed.t)},${replay.score(timed)}\n`;
    rows++;
    if (out.length > 65536) {
      if (!process.stdout.write(out)) await new Promise((res) => process.stdout.once('drain', res));
      out = '';
    }
  });
  if (seen === undefined) throw new VigilError('BAD_REQUEST', `${flags.input ?? 'stdin'}: empty input`);
  process.stdout.write(out);
  log.info({ rows, learning: replay?.learning() }, 'scored');
}

/** Registers `vigil detect`. */
export function registerDetect(program: Command): void {
  addCommonOptions(program.command('detect').description('score a timestamp,value CSV causally with the production detector'))
    .option('--input <file>', 'CSV file (default: stdin)')
    .option('--labels <labels>', 'series name and labels, e.g. node_cpu_seconds_total{mode="idle"}')
    .option('--host', 'score a whole host: one CSV column per series')
    .option('--history <file>', 'with --host: warm the models on earlier data')
    .option('--step <duration>', 'with --host and no timestamp column: row spacing', '60s')
    .option('--no-header', 'with --host: the CSV has no header row')
    .action(async (flags: { input?: string; labels?: string; host?: boolean; history?: string; step?: string; header: boolean }) => {
      try {
        const log = loggerFor(configFor(flags, []), true);
        if (flags.host) {
          await detectHost(flags, log);
          return;
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
