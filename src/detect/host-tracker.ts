import type { Labels } from '../core/index.js';
import { type HostFeatureMode, type HostSource, hostSource, MAX_HOST_FEATURES } from './host-features.js';
import { HostModel, type HostModelSettings, type HostModelState, type HostResult } from './host-model.js';
import { combineHostScore } from './host-score.js';

/** One assembled row of a host: its time, the host-level score and the evidence behind it. */
export interface HostRow {
  t: number;
  /** Host score: per-series and multivariate evidence together (`combineHostScore`). */
  score: number;
  /** The multivariate model's verdict on the row. */
  mv: HostResult;
  /** Highest per-series score in the row, and how many series were scored. */
  seriesMax: number;
  seriesCount: number;
  /** True when the row was kept out of training (maintenance window, acknowledged incident). */
  excluded: boolean;
}

interface Source {
  spec: HostSource;
  /** Index of the feature in the model. */
  feature: number;
  lastRaw: number;
  lastT: number;
  /** Latest value (a counter's latest rate) and its time, carried into rows the source missed. */
  value: number;
  valueT: number;
}

interface Bucket {
  t: number;
  seriesMax: number;
  seriesCount: number;
  excluded: boolean;
  has: Uint8Array;
  vals: Float64Array;
}

/** Rows a source may miss before its last value is no longer carried into the host's rows. */
const STALE_ROWS = 5;
/** Closed rows over which the expected number of series per row is the minimum. */
const EXPECT_WINDOW = 16;

/**
 * Assembles one host's samples into rows (samples within a second of each other belong to one row), turns
 * counters into rates, feeds the rows to the host's multivariate model, and combines its verdict with the
 * per-series scores of the same row into the host score. A row is closed when a newer one starts or as soon
 * as it has as many series as recent rows had; samples that arrive after their row closed only move their
 * counter's rate on.
 */
export class HostTracker {
  readonly model: HostModel;
  /** Scratch mark for the shard (the push that last touched this host). */
  mark = 0;
  private readonly mode: HostFeatureMode;
  private readonly sources: Source[] = [];
  private readonly sourcesOf: number[][] = [];
  private readonly slots = new Map<string, number>();
  private pending: Bucket[] = [];
  /** Emitted buckets kept for reuse, so a row allocates nothing in the steady state. */
  private readonly spare: Bucket[] = [];
  private readonly byT = new Map<number, Bucket>();
  private lastRowT = Number.NEGATIVE_INFINITY;
  private step = 0;
  private readonly counts: number[] = [];
  private readonly decades: number;

  constructor(opts: { mode: HostFeatureMode; state?: HostModelState; settings?: Partial<HostModelSettings>; decades: number }) {
    this.mode = opts.mode;
    this.model = new HostModel({ ...(opts.state ? { state: opts.state } : {}), ...(opts.settings ? { settings: opts.settings } : {}) });
    this.decades = opts.decades;
    for (let f = 0; f < this.model.features.length; f++) this.sourcesOf.push([]);
  }

  /** Time of the first row the host model learnt from (+∞ before any). */
  get firstT(): number {
    const info = this.model.learningInfo();
    return info.samples === 0 ? Number.POSITIVE_INFINITY : this.lastRowT - info.observedMs;
  }

  /**
   * Registers one series of this host (by its key; attaching it again returns the same slot); returns its source
   * slot, or -1 when it feeds no feature (scored per series only).
   */
  attach(series: string, labels: Labels): number {
    const known = this.slots.get(series);
    if (known !== undefined) return known;
    const slot = this.addSource(labels);
    this.slots.set(series, slot);
    return slot;
  }

  private addSource(labels: Labels): number {
    const spec = hostSource(labels, this.mode);
    if (spec === null) return -1;
    const known = this.model.features.indexOf(spec.feature);
    if (known < 0 && this.model.features.length >= MAX_HOST_FEATURES) return -1;
    const feature = known >= 0 ? known : this.model.addFeature(spec.feature);
    while (this.sourcesOf.length <= feature) this.sourcesOf.push([]);
    const slot = this.sources.length;
    this.sources.push({
      spec,
      feature,
      lastRaw: Number.NaN,
      lastT: Number.NEGATIVE_INFINITY,
      value: Number.NaN,
      valueT: Number.NEGATIVE_INFINITY,
    });
    (this.sourcesOf[feature] as number[]).push(slot);
    return slot;
  }

  /** Adds one scored sample of one of this host's series to its row (`slot` from `attach`, -1 for per-series only). */
  observe(slot: number, t: number, raw: number, score: number, excluded: boolean): void {
    let value = Number.NaN;
    if (slot >= 0 && Number.isFinite(raw)) {
      const src = this.sources[slot] as Source;
      if (!(t > src.lastT)) return;
      if (!src.spec.rate) value = raw;
      else {
        const prev = src.lastRaw;
        if (Number.isFinite(prev) && raw >= prev) value = ((raw - prev) * 1000) / (t - src.lastT);
        src.lastRaw = raw;
      }
      src.lastT = t;
      if (Number.isFinite(value)) {
        src.value = value;
        src.valueT = t;
      }
    }
    if (t <= this.lastRowT) return;
    const b = this.bucket(t);
    if (excluded) b.excluded = true;
    else {
      b.seriesCount++;
      if (score > b.seriesMax) b.seriesMax = score;
    }
    if (slot >= 0 && Number.isFinite(value)) {
      if (slot >= b.has.length) this.grow(b);
      b.has[slot] = 1;
      b.vals[slot] = value;
    }
  }

  /**
   * Closes rows: every pending row older than the newest, and the newest too when `force` is set or it is as
   * complete as recent rows were. Returns the closed rows, oldest first; `exclude(t)` keeps a row out of training.
   */
  close(force: boolean, exclude?: (t: number) => boolean): HostRow[] {
    if (this.pending.length === 0) return [];
    const n = this.pending.length;
    if (n > 1) this.pending.sort((a, b) => a.t - b.t);
    for (let i = 0; i < n - 1; i++) {
      this.counts.push((this.pending[i] as Bucket).seriesCount);
      if (this.counts.length > EXPECT_WINDOW) this.counts.shift();
    }
    const newest = this.pending[n - 1] as Bucket;
    let expected = Number.POSITIVE_INFINITY;
    for (const c of this.counts) if (c < expected) expected = c;
    const all = force || newest.seriesCount >= expected;
    const out: HostRow[] = [];
    for (let i = 0; i < (all ? n : n - 1); i++) {
      const b = this.pending[i] as Bucket;
      out.push(this.emit(b, exclude));
      if (this.spare.length < 4) this.spare.push(b);
    }
    this.pending = all ? [] : [newest];
    this.byT.clear();
    if (!all) this.byT.set(newest.t, newest);
    return out;
  }

  private emit(b: Bucket, exclude?: (t: number) => boolean): HostRow {
    if (Number.isFinite(this.lastRowT)) {
      const dt = b.t - this.lastRowT;
      this.step = this.step === 0 ? dt : this.step + 0.05 * (Math.min(dt, 4 * this.step) - this.step);
    }
    this.lastRowT = b.t;
    const nf = this.model.features.length;
    const row = new Float64Array(nf);
    const staleMs = this.step > 0 ? STALE_ROWS * this.step : Number.POSITIVE_INFINITY;
    for (let f = 0; f < nf; f++) {
      let num = 0;
      let den = 0;
      let any = false;
      let ratio = false;
      for (const slot of this.sourcesOf[f] ?? []) {
        const src = this.sources[slot] as Source;
        const v =
          slot < b.has.length && b.has[slot] === 1 ? (b.vals[slot] as number) : b.t - src.valueT <= staleMs ? src.value : Number.NaN;
        if (!Number.isFinite(v)) continue;
        any = true;
        if (src.spec.kind === 'ratio') {
          ratio = true;
          den += v;
          if (src.spec.role === 'num') num += v;
        } else num += v;
      }
      row[f] = !any ? Number.NaN : ratio ? (den > 0 ? num / den : Number.NaN) : num;
    }
    const excluded = b.excluded || (exclude?.(b.t) ?? false);
    const mv = this.model.update(b.t, row, !excluded);
    const score = combineHostScore(b.seriesMax, b.seriesCount, mv.fitted ? mv.score : null, this.decades);
    return { t: b.t, score, mv, seriesMax: b.seriesMax, seriesCount: b.seriesCount, excluded };
  }

  private bucket(t: number): Bucket {
    const recent = this.pending[this.pending.length - 1];
    if (recent !== undefined && recent.t === t) return recent;
    const hit = this.byT.get(t);
    if (hit !== undefined) return hit;
    const tol = this.step > 0 ? Math.min(1000, this.step / 2) : 1000;
    // Samples of one row arrive together: only the most recent rows are worth a look (keeps long batches linear).
    for (let i = this.pending.length - 1; i >= Math.max(0, this.pending.length - 4); i--) {
      const b = this.pending[i] as Bucket;
      if (Math.abs(b.t - t) < tol) return b;
    }
    const n = this.sources.length;
    let b = this.spare.pop();
    if (b === undefined) b = { t, seriesMax: 0, seriesCount: 0, excluded: false, has: new Uint8Array(n), vals: new Float64Array(n) };
    else {
      b.t = t;
      b.seriesMax = 0;
      b.seriesCount = 0;
      b.excluded = false;
      b.has.fill(0);
    }
    this.pending.push(b);
    this.byT.set(t, b);
    return b;
  }

  private grow(b: Bucket): void {
    const n = Math.max(this.sources.length, b.has.length * 2, 8);
    const has = new Uint8Array(n);
    has.set(b.has);
    const vals = new Float64Array(n);
    vals.set(b.vals);
    b.has = has;
    b.vals = vals;
  }
}
