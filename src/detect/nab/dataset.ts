import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseTimestamp, VigilError } from '../../core/index.js';

/** One NAB data file read into memory: raw timestamp and value strings (echoed verbatim) and parsed numbers. */
export interface NabSeries {
  /** Relative name as in the labels file, e.g. `realKnownCause/nyc_taxi.csv`. */
  name: string;
  timestampText: string[];
  valueText: string[];
  t: Float64Array;
  v: Float64Array;
}

/** Reads a `timestamp,value[,...]` CSV file with a header row. */
export function readNabSeries(path: string, name: string): NabSeries {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const timestampText: string[] = [];
  const valueText: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const c = line.indexOf(',');
    const c2 = line.indexOf(',', c + 1);
    timestampText.push(line.slice(0, c));
    valueText.push(c2 < 0 ? line.slice(c + 1) : line.slice(c + 1, c2));
  }
  const n = timestampText.length;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = parseTimestamp(timestampText[i] as string);
    v[i] = Number(valueText[i]);
  }
  return { name, timestampText, valueText, t, v };
}

/** Reads the `anomaly_score` column of a NAB result file (`timestamp,value,anomaly_score,label`). */
export function readNabScores(path: string): Float64Array {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const col = header.indexOf('anomaly_score');
  if (col < 0) throw new VigilError('BAD_REQUEST', `${path}: no anomaly_score column`);
  const out: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    out.push(Number(line.split(',')[col]));
  }
  return Float64Array.from(out);
}

/** Windows per file as timestamp pairs, as in `combined_windows.json`. */
export type NabWindowsFile = Record<string, Array<[string, string]>>;

/** Reads `combined_windows.json`. */
export function readNabWindows(path: string): NabWindowsFile {
  return JSON.parse(readFileSync(path, 'utf8')) as NabWindowsFile;
}

/** Maps timestamp windows onto inclusive row ranges: first row at or after start, last row at or before end. */
export function windowsToRows(t: ArrayLike<number>, windows: ReadonlyArray<readonly [string, string]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of windows) {
    const start = parseTimestamp(a);
    const end = parseTimestamp(b);
    let l = -1;
    let r = -1;
    for (let i = 0; i < t.length; i++) {
      const ti = t[i] as number;
      if (l < 0 && ti >= start) l = i;
      if (ti <= end) r = i;
    }
    if (l >= 0 && r >= l) out.push([l, r]);
  }
  return out;
}

/** Path of the result file NAB expects for detector `det` and data file `name` (`<cat>/<det>_<file>.csv`). */
export function resultPath(root: string, det: string, name: string): string {
  return join(root, det, dirname(name), `${det}_${basename(name)}`);
}

/** Lists the data files under `dir` as names relative to it (`category/file.csv`), sorted. */
export function listNabData(dir: string): string[] {
  const out: string[] = [];
  for (const cat of readdirSync(dir).sort()) {
    const p = join(dir, cat);
    if (!statSync(p).isDirectory()) continue;
    for (const f of readdirSync(p).sort()) if (f.endsWith('.csv')) out.push(`${cat}/${f}`);
  }
  return out;
}
