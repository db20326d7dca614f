import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DetectorSettings, SeriesModel } from '../model.js';
import { listNabData, type NabSeries, readNabSeries, readNabWindows, resultPath, windowsToRows } from './dataset.js';
import { IsolationForestBaseline } from './isolation-forest.js';
import { NAB_PROFILES, type NabProfileName, type NabScore, type NabScoredFile, scoreNab } from './scoring.js';

/** Detectors `vigil eval nab` can run: Vigil's production detector or the inspirations' IsolationForest baseline. */
export type NabDetector = 'vigil' | 'isolation-forest';

/** Options of one NAB evaluation. */
export interface NabEvalOptions {
  dataDir: string;
  labelsFile: string;
  detector?: NabDetector;
  /** Write NAB-format result files under `<outDir>/<detector>/<category>/<detector>_<file>.csv`. */
  outDir?: string;
  /** Overrides of the production settings (for experiments only; the CLI does not expose them). */
  settings?: Partial<DetectorSettings>;
  /**
   * Drop the first `skipRows` rows of every file before scoring (default 0: the official benchmark). Scoring the
   * same code from several start offsets shows how much of a score is the luck of where a file starts.
   */
  skipRows?: number;
  /** Called after each file with (done, total, name). */
  progress?: (done: number, total: number, name: string) => void;
}

/** Result of one NAB evaluation: scores per profile and per-file details. */
export interface NabEvalResult {
  detector: NabDetector;
  files: number;
  windows: number;
  rows: number;
  scores: Record<NabProfileName, NabScore>;
}

/** Scores one series causally, row by row, with the production detector; what `vigil detect` does too. */
export function scoreSeriesCausally(series: Pick<NabSeries, 't' | 'v'>, settings?: Partial<DetectorSettings>): Float64Array {
  const model = new SeriesModel(settings === undefined ? {} : { settings });
  const out = new Float64Array(series.t.length);
  for (let i = 0; i < out.length; i++) out[i] = model.update(series.t[i] as number, series.v[i] as number).score;
  return out;
}

/** Runs a detector over every labelled NAB file, one series at a time, and scores it with NAB's three profiles. */
export function evaluateNab(opts: NabEvalOptions): NabEvalResult {
  const detector = opts.detector ?? 'vigil';
  const windows = readNabWindows(opts.labelsFile);
  const available = new Set(listNabData(opts.dataDir));
  const names = Object.keys(windows)
    .filter((n) => available.has(n))
    .sort();
  const files: NabScoredFile[] = [];
  let rows = 0;
  names.forEach((name, done) => {
    const full = readNabSeries(join(opts.dataDir, name), name);
    const k = Math.max(0, Math.min(opts.skipRows ?? 0, full.t.length - 1));
    const series = k === 0 ? full : skipFirst(full, k);
    const scores = detector === 'vigil' ? scoreSeriesCausally(series, opts.settings) : IsolationForestBaseline.scoreSeries(series.v);
    const w = windowsToRows(series.t, windows[name] ?? []);
    files.push({ scores, windows: w });
    rows += scores.length;
    if (opts.outDir !== undefined) writeResultFile(opts.outDir, detector, series, scores, w);
    opts.progress?.(done + 1, names.length, name);
  });
  const scores = {} as Record<NabProfileName, NabScore>;
  for (const p of Object.keys(NAB_PROFILES) as NabProfileName[]) scores[p] = scoreNab(files, NAB_PROFILES[p]);
  return { detector, files: files.length, windows: files.reduce((a, f) => a + f.windows.length, 0), rows, scores };
}

function skipFirst(s: NabSeries, k: number): NabSeries {
  return { ...s, t: s.t.slice(k), v: s.v.slice(k), timestampText: s.timestampText.slice(k), valueText: s.valueText.slice(k) };
}

function writeResultFile(outDir: string, det: string, series: NabSeries, scores: Float64Array, windows: Array<[number, number]>): void {
  const path = resultPath(outDir, det, series.name);
  mkdirSync(dirname(path), { recursive: true });
  const label = new Uint8Array(scores.length);
  for (const [l, r] of windows) label.fill(1, l, r + 1);
  const lines = ['timestamp,value,anomaly_score,label'];
  for (let i = 0; i < scores.length; i++) lines.push(`${series.timestampText[i]},${series.valueText[i]},${scores[i]},${label[i]}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}
