import type { Severity } from '../core/index.js';
import { invertSpd, shrunkCovariance, solve } from './host-linalg.js';
import { DEFAULT_DETECTOR_SETTINGS, type LearningInfo } from './model.js';

/** Tunable settings of the per-host multivariate model; the defaults are the production defaults. */
export interface HostModelSettings {
  /** Span of the sliding training window (ms). */
  windowMs: number;
  /** Most rows the window holds; when full it is thinned to every other row, so memory per host is bounded. */
  maxRows: number;
  /** How often the fit is refreshed from the window (ms of data time). */
  refitMs: number;
  /** Complete rows needed before the first fit (and at least 3 per active feature, plus 8). */
  minFitRows: number;
  /** Time the model must have observed before it may page (ms). */
  learningMs: number;
  /** Share of the window's most outlying rows left out of the covariance (one-step reweighted, as in MCD). */
  trim: number;
  /**
   * Added to the diagonal of the standardised features' covariance (unit scale): no signal is trusted to be predicted
   * from the others to better than √ridge of its own spread, so the model's confidence in thin directions is bounded
   * and small misfits of strongly correlated signals in the tails do not page.
   */
  ridge: number;
  /** Share of rows a feature must have values in to take part in a fit. */
  minPresence: number;
  /** -log10 of the tail probability that maps to score 1 (same as the per-series model). */
  scoreDecades: number;
  /** Scores at or above which a row is a warning, and critical. */
  warningScore: number;
  criticalScore: number;
  /** Score at or above which a row opens (or prolongs) an episode. */
  episodeScore: number;
  /** Rows after the last episode-level score during which scores are damped (the anomaly is already known). */
  refractoryRows: number;
  /** Factor applied to scores inside an episode. */
  episodeDamping: number;
}

/** Production defaults of the per-host model (thresholds and episodes shared with the per-series detector). */
export const DEFAULT_HOST_MODEL_SETTINGS: Readonly<HostModelSettings> = Object.freeze({
  windowMs: 3 * 24 * 3600_000,
  maxRows: 512,
  refitMs: 3600_000,
  minFitRows: 48,
  learningMs: DEFAULT_DETECTOR_SETTINGS.learningMs,
  trim: 0.1,
  ridge: 0.02,
  minPresence: 0.9,
  scoreDecades: DEFAULT_DETECTOR_SETTINGS.scoreDecades,
  warningScore: DEFAULT_DETECTOR_SETTINGS.warningScore,
  criticalScore: DEFAULT_DETECTOR_SETTINGS.criticalScore,
  episodeScore: DEFAULT_DETECTOR_SETTINGS.episodeScore,
  refractoryRows: DEFAULT_DETECTOR_SETTINGS.refractorySamples,
  episodeDamping: DEFAULT_DETECTOR_SETTINGS.episodeDamping,
});

/** Standardised value beyond which a feature's deviation grows only logarithmically. */
const CLIP = 3;
/** Levels of the squared-distance quantiles kept by a fit; the last one is where the exponential tail starts. */
const QLEVELS = [0.5, 0.8, 0.9, 0.95, 0.98];
const TAIL_SHARE = 1 - (QLEVELS.at(-1) as number);
/** Half-octave bins of the squared distance (from 1) in the decayed histogram of live rows. */
const HIST_BINS = 32;
/** Per-row decay of that histogram (a horizon of about 5,000 rows). */
const HIST_DECAY = 1 - 1 / 5000;
/** Reweighting steps after the first fit (one, as in the reweighted MCD). */
const C_STEPS = 1;
const DAY_MS = 24 * 3600_000;

/** One fit of the model: robust standardisation, location and precision of the active features, and calibration. */
export interface HostFit {
  /** Data time of the fit. */
  t: number;
  /** Rows in the window when fitted. */
  rows: number;
  /** Indices (into the model's features) of the features that take part. */
  active: number[];
  /** Per active feature: median and robust scale in the window, its range there, and whether it was never negative. */
  center: number[];
  scale: number[];
  lo: number[];
  hi: number[];
  nonNegative: boolean[];
  /** Location and precision (inverse of the shrunk, trimmed covariance, row-major) of the standardised, softened features. */
  mean: number[];
  precision: number[];
  /** Squared distances of the window's rows at the levels `QLEVELS`, and the mean excess above the last one. */
  q: number[];
  beta: number;
}

/** The complete state of one host's model, as plain data (NaN = missing value). */
export interface HostModelState {
  version: 1;
  names: string[];
  n: number;
  firstT: number;
  lastT: number;
  /** The training window: row times, and rows of values (row-major, `names.length` per row). */
  rowT: number[];
  rows: number[];
  /** Minimum spacing of rows kept in the window (doubles each time the window is thinned). */
  keepMs: number;
  lastKeptT: number;
  fit: HostFit | null;
  /** Time of the last fit attempt (a fit fails while too few rows are complete). */
  triedT: number;
  /** Decayed histogram of live squared distances, its total weight and the current row weight. */
  hist: number[];
  histTotal: number;
  histW: number;
  episodeLeft: number;
  episodePeak: number;
}

/** What one feature contributes to a row's distance, with the value the other features imply for it. */
export interface HostContribution {
  feature: string;
  value: number;
  /** Band of this feature expected from the other features (conditional mean ± 4 conditional deviations). */
  expected: [number, number];
  /** Whether the value is above what the other features imply (else below). */
  high: boolean;
  /** Share of the squared distance this feature accounts for. */
  share: number;
  /** The other feature that shapes this expectation most, with its value (null with a single feature). */
  against: { feature: string; value: number } | null;
}

/** What the host model says about one row. */
export interface HostResult {
  /** Calibrated score in [0,1] (same rarity scale as the per-series scores), damped inside an episode. */
  score: number;
  severity: Severity;
  /** One sentence naming the signals that contribute most; empty when unremarkable. */
  reason: string;
  /** Largest contributors, strongest first (empty when unremarkable). */
  contributions: HostContribution[];
  learning: boolean;
  /** Whether a fit scored the row (false before the first fit and for rows with no usable value). */
  fitted: boolean;
}

/** Learning progress and shape of a host model, for the API. */
export interface HostModelSummary extends LearningInfo {
  features: string[];
  /** Features that take part in the current fit. */
  active: string[];
  windowRows: number;
  fittedAt: number | null;
  /** Time of the last row seen (NaN before any). */
  lastT: number;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e4 || a < 1e-3)) return x.toPrecision(3);
  return String(Math.round(x * 100) / 100);
}

function humanMs(ms: number): string {
  if (ms >= 48 * 3600_000) return `${Math.floor(ms / DAY_MS)} d`;
  if (ms >= 3600_000) return `${Math.floor(ms / 3600_000)} h`;
  return `${Math.floor(ms / 60_000)} min`;
}

/** Median of a sorted array. */
function median(sorted: Float64Array): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[m] as number) : ((sorted[m - 1] as number) + (sorted[m] as number)) / 2;
}

/**
 * Soft clip of a standardised value beyond ±CLIP (logarithmic growth): a value far outside a signal's own range is
 * the per-series model's business; the host model judges how signals sit together within their ranges.
 */
function soften(z: number): number {
  const a = Math.abs(z);
  return a <= CLIP ? z : Math.sign(z) * (CLIP + Math.log1p(a - CLIP));
}

/** Inverse of `soften`. */
function harden(z: number): number {
  const a = Math.abs(z);
  return a <= CLIP ? z : Math.sign(z) * (CLIP + Math.expm1(a - CLIP));
}

/** "cpu_busy_ratio 0.54 is high for network_receive_bytes_rate 3.3e+5 (expected 0.35–0.53 given the other signals)". */
function describe(c: HostContribution, i: number, all: readonly HostContribution[]): string {
  const named = all.slice(0, i).some((p) => p.feature === c.against?.feature);
  const vs = c.against === null || named ? '' : ` for ${c.against.feature} ${fmt(c.against.value)}`;
  return `${c.feature} ${fmt(c.value)} is ${c.high ? 'high' : 'low'}${vs} (expected ${fmt(c.expected[0])}–${fmt(c.expected[1])} given the other signals)`;
}

function histBin(d2: number): number {
  return d2 <= 1 ? 0 : Math.min(HIST_BINS - 1, Math.floor(2 * Math.log2(d2)));
}

function newState(): HostModelState {
  return {
    version: 1,
    names: [],
    n: 0,
    firstT: Number.NaN,
    lastT: Number.NaN,
    rowT: [],
    rows: [],
    keepMs: 0,
    lastKeptT: Number.NEGATIVE_INFINITY,
    fit: null,
    triedT: Number.NEGATIVE_INFINITY,
    hist: new Array<number>(HIST_BINS).fill(0),
    histTotal: 0,
    histW: 1,
    episodeLeft: 0,
    episodePeak: 0,
  };
}

const NONE: HostContribution[] = Object.freeze([]) as unknown as HostContribution[];

/**
 * The per-host multivariate model: a robust Mahalanobis distance of the host's core signals — each standardised by
 * its window median and MAD and softly clipped at ±3, so a value far outside its own range is left to the
 * per-series model — from a trimmed (one-step reweighted, as in MCD), Ledoit-Wolf-shrunk, ridged covariance fitted on
 * a sliding window and refreshed hourly. The distance is calibrated into a tail probability (window quantiles with an
 * exponential tail, bounded below by a decayed histogram of live distances) and explained by each signal's share of
 * it and the value the other signals imply for it. `update(t, row, learn)` scores a row causally, then learns from it
 * unless `learn` is false.
 */
export class HostModel {
  private s: HostModelState;
  private readonly cfg: HostModelSettings;
  // Scratch vectors of the hot path (not state).
  private z = new Float64Array(0);
  private g = new Float64Array(0);

  constructor(opts: { state?: HostModelState; settings?: Partial<HostModelSettings> } = {}) {
    this.cfg = { ...DEFAULT_HOST_MODEL_SETTINGS, ...opts.settings };
    this.s = opts.state ? { ...newState(), ...structuredClone(opts.state) } : newState();
  }

  /** A deep copy of the state (restore with `new HostModel({ state })`). */
  save(): HostModelState {
    return structuredClone(this.s);
  }

  /** Feature names in row order. */
  get features(): readonly string[] {
    return this.s.names;
  }

  /** Adds a feature (rows in the window get a missing value for it); returns its index. Existing names keep theirs. */
  addFeature(name: string): number {
    const s = this.s;
    const at = s.names.indexOf(name);
    if (at >= 0) return at;
    const d = s.names.length;
    const rows: number[] = [];
    for (let r = 0; r < s.rowT.length; r++) {
      for (let j = 0; j < d; j++) rows.push(s.rows[r * d + j] as number);
      rows.push(Number.NaN);
    }
    s.rows = rows;
    s.names.push(name);
    return d;
  }

  /** Whether the model is still learning (and so never pages). */
  get learning(): boolean {
    return this.isLearning();
  }

  /** Learning progress at the last row seen. */
  learningInfo(): LearningInfo {
    const s = this.s;
    const observed = s.n === 0 ? 0 : s.lastT - s.firstT;
    const learning = this.isLearning();
    let text = 'ready';
    if (learning)
      text =
        s.fit === null && observed >= this.cfg.learningMs
          ? `learning: waiting for ${Math.max(this.cfg.minFitRows, 3 * s.names.length + 8)} rows`
          : `learning: ${humanMs(observed)} of ${humanMs(this.cfg.learningMs)}`;
    return { learning, observedMs: observed, requiredMs: this.cfg.learningMs, samples: s.n, text };
  }

  /** A summary for `GET /api/v1/models`-style listings. */
  describe(): HostModelSummary {
    const s = this.s;
    return {
      features: [...s.names],
      active: (s.fit?.active ?? []).map((i) => s.names[i] as string),
      windowRows: s.rowT.length,
      fittedAt: s.fit?.t ?? null,
      lastT: s.lastT,
      ...this.learningInfo(),
    };
  }

  private isLearning(): boolean {
    const s = this.s;
    return s.fit === null || s.n === 0 || s.lastT - s.firstT < this.cfg.learningMs;
  }

  /**
   * Scores one row (raw values in feature order; NaN or a short row = missing), then learns from it unless `learn`
   * is false (maintenance windows, acknowledged incidents). Rows must come in time order; older ones are ignored.
   */
  update(t: number, row: ArrayLike<number>, learn = true): HostResult {
    const s = this.s;
    if (!Number.isFinite(t) || (Number.isFinite(s.lastT) && t <= s.lastT)) return this.quiet();
    const d = s.names.length;
    const x = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const v = j < row.length ? (row[j] as number) : Number.NaN;
      x[j] = Number.isFinite(v) ? v : Number.NaN;
    }
    const learning = this.isLearning();
    const scored = this.score(x, learn, learning);
    s.lastT = t;
    if (learn) {
      if (s.n === 0) s.firstT = t;
      s.n++;
      this.remember(t, x);
    }
    return scored;
  }

  private quiet(): HostResult {
    return { score: 0, severity: 'info', reason: '', contributions: NONE, learning: this.isLearning(), fitted: false };
  }

  private score(x: Float64Array, learn: boolean, learning: boolean): HostResult {
    const s = this.s;
    const cfg = this.cfg;
    const fit = s.fit;
    if (fit === null) return { score: 0, severity: 'info', reason: '', contributions: NONE, learning, fitted: false };
    const a = fit.active;
    const d = a.length;
    if (this.z.length < d) {
      this.z = new Float64Array(d);
      this.g = new Float64Array(d);
    }
    const y = this.z;
    const g = this.g;
    const p = fit.precision;
    let missing = 0;
    for (let i = 0; i < d; i++) {
      const v = x[a[i] as number] as number;
      if (Number.isNaN(v)) {
        missing++;
        y[i] = Number.NaN;
      } else {
        // Clamped to the range the feature showed in the window: a value beyond it is a per-series anomaly; the
        // host model judges only where the signals sit relative to each other.
        const c = Math.min(fit.hi[i] as number, Math.max(fit.lo[i] as number, v));
        y[i] = soften((c - (fit.center[i] as number)) / (fit.scale[i] as number)) - (fit.mean[i] as number);
      }
    }
    if (missing === d) return { score: 0, severity: 'info', reason: '', contributions: NONE, learning, fitted: false };
    if (missing > 0) this.impute(y, d, p);
    let d2 = 0;
    for (let i = 0; i < d; i++) {
      let gi = 0;
      for (let j = 0; j < d; j++) gi += (p[i * d + j] as number) * (y[j] as number);
      g[i] = gi;
      d2 += (y[i] as number) * gi;
    }
    d2 = Math.max(0, d2);
    const prob = this.tailP(fit, d2);
    // `0 -` rather than unary minus: a probability of 1 gives a score of 0, not -0.
    let score = Math.min(1, (0 - Math.log10(prob)) / cfg.scoreDecades);
    const raw = score;
    // Distances seen outside episodes (and at their start) feed the histogram that keeps recurring sizes from being rare.
    if (learn && s.episodeLeft === 0) this.histLearn(d2);
    if (learn) {
      if (s.episodeLeft > 0) {
        // One anomaly pages once: inside an episode scores are damped, and the episode lasts while it persists.
        // A growing anomaly is reported again, undamped, only when it reaches a severity the episode had not reached.
        if (this.level(raw) > this.level(s.episodePeak)) s.episodePeak = raw;
        else score *= cfg.episodeDamping;
        s.episodeLeft = raw >= cfg.episodeScore ? cfg.refractoryRows : s.episodeLeft - 1;
      } else if (raw >= cfg.episodeScore) {
        s.episodeLeft = cfg.refractoryRows;
        s.episodePeak = raw;
      }
    }
    const severity: Severity = learning ? 'info' : (['info', 'warning', 'critical'] as const)[this.level(score)];
    if (raw < 0.3) return { score, severity, reason: '', contributions: NONE, learning, fitted: true };
    const contributions = this.explain(fit, x, y, g, d2);
    const reason = `unusual combination of signals: ${contributions.map(describe).join('; ')}`;
    return { score, severity, reason, contributions, learning, fitted: true };
  }

  private level(score: number): 0 | 1 | 2 {
    return score >= this.cfg.criticalScore ? 2 : score >= this.cfg.warningScore ? 1 : 0;
  }

  /** Fills missing standardised values with their conditional mean given the others: P_mm y_m = −P_mo y_o. */
  private impute(y: Float64Array, d: number, p: number[]): void {
    const miss: number[] = [];
    for (let i = 0; i < d; i++) if (Number.isNaN(y[i] as number)) miss.push(i);
    const k = miss.length;
    const pmm = new Float64Array(k * k);
    const rhs = new Float64Array(k);
    for (let r = 0; r < k; r++) {
      const i = miss[r] as number;
      let b = 0;
      for (let j = 0; j < d; j++) if (!Number.isNaN(y[j] as number)) b -= (p[i * d + j] as number) * (y[j] as number);
      rhs[r] = b;
      for (let c = 0; c < k; c++) pmm[r * k + c] = p[i * d + (miss[c] as number)] as number;
    }
    const sol = solve(pmm, rhs, k);
    for (let r = 0; r < k; r++) y[miss[r] as number] = sol === null ? 0 : (sol[r] as number);
  }

  /** The features with the largest positive shares of the distance (up to three, until 60% is explained). */
  private explain(fit: HostFit, x: Float64Array, y: Float64Array, g: Float64Array, d2: number): HostContribution[] {
    const s = this.s;
    const d = fit.active.length;
    const order = Array.from({ length: d }, (_, i) => i).sort(
      (i, j) => (y[j] as number) * (g[j] as number) - (y[i] as number) * (g[i] as number),
    );
    const out: HostContribution[] = [];
    let covered = 0;
    let cov: Float64Array | null | undefined;
    for (const i of order) {
      const c = (y[i] as number) * (g[i] as number);
      if (c <= 0 || out.length >= 3 || (out.length > 0 && covered >= 0.6 * d2)) break;
      covered += c;
      const f = fit.active[i] as number;
      const pii = fit.precision[i * d + i] as number;
      // Conditional mean and deviation of feature i given all the others, back in the feature's own units.
      const yc = (y[i] as number) - (g[i] as number) / pii;
      const sd = 1 / Math.sqrt(pii);
      const lo = fit.nonNegative[i] ? 0 : Number.NEGATIVE_INFINITY;
      const at = (u: number) => Math.max(lo, (fit.center[i] as number) + (fit.scale[i] as number) * harden((fit.mean[i] as number) + u));
      // The other half of the combination: the feature whose value alone makes this one most surprising (the
      // largest pairwise standardised residual under the fitted covariance).
      cov ??= invertSpd(Float64Array.from(fit.precision), d);
      let w = -1;
      let worst = 0;
      for (let j = 0; cov !== null && j < d; j++) {
        if (j === i) continue;
        const cii = cov[i * d + i] as number;
        const cjj = cov[j * d + j] as number;
        const cij = cov[i * d + j] as number;
        const rest = cii - (cij * cij) / cjj;
        const z = Math.abs((y[i] as number) - (cij / cjj) * (y[j] as number)) / Math.sqrt(Math.max(rest, 1e-12));
        if (z > worst) {
          worst = z;
          w = j;
        }
      }
      const wf = w < 0 ? -1 : (fit.active[w] as number);
      out.push({
        feature: s.names[f] as string,
        value: x[f] as number,
        expected: [at(yc - 4 * sd), at(yc + 4 * sd)],
        high: (y[i] as number) > yc,
        share: d2 > 0 ? c / d2 : 0,
        against: wf < 0 ? null : { feature: s.names[wf] as string, value: x[wf] as number },
      });
    }
    return out;
  }

  /** P(D² ≥ d2): interpolated between the window's quantiles, exponential above the last, bounded below by live history. */
  private tailP(fit: HostFit, d2: number): number {
    const q = fit.q;
    const last = q.length - 1;
    const u = q[last] as number;
    if (d2 > u) {
      const pot = TAIL_SHARE * Math.exp(-(d2 - u) / fit.beta);
      if (pot > 0.01 || this.s.histTotal <= 0) return pot;
      const h = this.s.hist;
      let tail = 0;
      for (let b = histBin(d2); b < HIST_BINS; b++) tail += h[b] as number;
      return Math.max(pot, tail / this.s.histTotal);
    }
    const q0 = q[0] as number;
    if (d2 <= q0) return q0 > 0 ? 1 - (QLEVELS[0] as number) * (d2 / q0) : 1;
    for (let k = 1; k <= last; k++) {
      const hi = q[k] as number;
      if (d2 > hi) continue;
      const lo = q[k - 1] as number;
      const lpLo = Math.log(1 - (QLEVELS[k - 1] as number));
      const lpHi = Math.log(1 - (QLEVELS[k] as number));
      const f = hi > lo ? (d2 - lo) / (hi - lo) : 1;
      return Math.exp(lpLo + f * (lpHi - lpLo));
    }
    return TAIL_SHARE;
  }

  private histLearn(d2: number): void {
    const s = this.s;
    s.histTotal += s.histW;
    const b = histBin(d2);
    s.hist[b] = (s.hist[b] as number) + s.histW;
    s.histW /= HIST_DECAY;
    if (s.histW > 1e150) {
      for (let i = 0; i < HIST_BINS; i++) s.hist[i] = (s.hist[i] as number) / s.histW;
      s.histTotal /= s.histW;
      s.histW = 1;
    }
  }

  /** Adds a learnt row to the window (evicting by age, thinning when full) and refits when due. */
  private remember(t: number, x: Float64Array): void {
    const s = this.s;
    const cfg = this.cfg;
    const d = s.names.length;
    if (t - s.lastKeptT >= s.keepMs) {
      s.lastKeptT = t;
      s.rowT.push(t);
      // Six significant digits are plenty for a covariance and keep the saved state small.
      for (let j = 0; j < d; j++) {
        const v = x[j] as number;
        s.rows.push(Number.isNaN(v) ? v : Number(v.toPrecision(6)));
      }
      let old = 0;
      while (old < s.rowT.length && (s.rowT[old] as number) < t - cfg.windowMs) old++;
      if (old > 0) {
        s.rowT.splice(0, old);
        s.rows.splice(0, old * d);
      }
      if (s.rowT.length >= cfg.maxRows) this.thin();
    }
    const fit = s.fit;
    const n = s.rowT.length;
    const since = t - s.triedT;
    const due =
      fit === null ? n >= Math.max(cfg.minFitRows, 3 * d + 8) && since >= cfg.refitMs / 4 : since >= cfg.refitMs || n >= 1.5 * fit.rows;
    if (due) this.refit(t);
  }

  /** Keeps every other row (the newest survives) and doubles the spacing of rows kept from now on. */
  private thin(): void {
    const s = this.s;
    const d = s.names.length;
    const n = s.rowT.length;
    const rowT: number[] = [];
    const rows: number[] = [];
    for (let r = (n - 1) % 2; r < n; r += 2) {
      rowT.push(s.rowT[r] as number);
      for (let j = 0; j < d; j++) rows.push(s.rows[r * d + j] as number);
    }
    const span = (rowT.at(-1) as number) - (rowT[0] as number);
    s.keepMs = Math.max(2 * s.keepMs, span / Math.max(1, rowT.length - 1));
    s.rowT = rowT;
    s.rows = rows;
  }

  /** Fits the model on the window (called by `update` when due: hourly, or as the window grows). */
  private refit(t: number): void {
    const s = this.s;
    const cfg = this.cfg;
    s.triedT = t;
    const d = s.names.length;
    const n = s.rowT.length;
    const active: number[] = [];
    const center: number[] = [];
    const scale: number[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    const nonNegative: boolean[] = [];
    const xs = new Float64Array(n);
    const dev = new Float64Array(n);
    for (let j = 0; j < d; j++) {
      let c = 0;
      let sum = 0;
      for (let r = 0; r < n; r++) {
        const v = s.rows[r * d + j] as number;
        if (Number.isNaN(v)) continue;
        xs[c++] = v;
        sum += v;
      }
      if (c < cfg.minPresence * n || c < 2) continue;
      const vals = xs.subarray(0, c).sort();
      const mean = sum / c;
      let ss = 0;
      for (const v of vals) ss += (v - mean) ** 2;
      const sd = Math.sqrt(ss / (c - 1));
      const med = median(vals);
      const devs = dev.subarray(0, c);
      for (let r = 0; r < c; r++) devs[r] = Math.abs((vals[r] as number) - med);
      const mad = 1.4826 * median(devs.sort());
      const floor = 1e-9 * Math.abs(med) + 1e-12;
      // A feature that never varied in the window carries no joint information; the per-series model watches it.
      if (!(sd > floor)) continue;
      active.push(j);
      center.push(med);
      scale.push(mad > floor ? mad : sd);
      lo.push(vals[0] as number);
      hi.push(vals[c - 1] as number);
      nonNegative.push((vals[0] as number) >= 0);
    }
    const k = active.length;
    // A combination needs two signals; one alone is the per-series model's.
    if (k < 2) {
      s.fit = null;
      return;
    }
    // Standardised, softened complete rows.
    const z = new Float64Array(n * k);
    let m = 0;
    for (let r = 0; r < n; r++) {
      let ok = true;
      for (let i = 0; i < k && ok; i++) {
        const v = s.rows[r * d + (active[i] as number)] as number;
        if (Number.isNaN(v)) ok = false;
        else z[m * k + i] = soften((v - (center[i] as number)) / (scale[i] as number));
      }
      if (ok) m++;
    }
    if (m < Math.max(cfg.minFitRows, 3 * k + 8)) return;
    const keep = new Uint8Array(m).fill(1);
    const d2 = new Float64Array(m);
    let mean: Float64Array = new Float64Array(k);
    let prec: Float64Array | null = null;
    for (let step = 0; step <= C_STEPS; step++) {
      let ridge = cfg.ridge;
      let c = shrunkCovariance(z, m, k, keep, ridge);
      prec = invertSpd(c.cov, k);
      while (prec === null && ridge < 1) {
        ridge *= 100;
        c = shrunkCovariance(z, m, k, keep, ridge);
        prec = invertSpd(c.cov, k);
      }
      if (prec === null) return;
      mean = c.mean;
      mahalanobis(z, m, k, mean, prec, d2);
      if (step === C_STEPS) break;
      const cut = Float64Array.from(d2).sort()[Math.max(0, Math.ceil((1 - cfg.trim) * m) - 1)] as number;
      for (let r = 0; r < m; r++) keep[r] = (d2[r] as number) <= cut ? 1 : 0;
    }
    const sorted = Float64Array.from(d2).sort();
    const q = QLEVELS.map((l) => sorted[Math.min(m - 1, Math.floor(l * m))] as number);
    const u = q.at(-1) as number;
    let ex = 0;
    let cnt = 0;
    for (let r = m - 1; r >= 0 && (sorted[r] as number) > u; r--) {
      ex += (sorted[r] as number) - u;
      cnt++;
    }
    // The mean excess from a handful of rows is noisy: bounded to [5%, 100%] of the threshold.
    const beta = Math.min(Math.max(u, 1), Math.max(0.05 * u, 0.1, cnt > 0 ? ex / cnt : 0.5 * u));
    s.fit = {
      t,
      rows: n,
      active,
      center,
      scale,
      lo,
      hi,
      nonNegative,
      mean: Array.from(mean),
      precision: Array.from(prec as Float64Array),
      q,
      beta,
    };
  }
}

/** Squared Mahalanobis distances of the rows of z (n×d) from `mean` under `prec`, into `out`. */
function mahalanobis(z: Float64Array, n: number, d: number, mean: Float64Array, prec: Float64Array, out: Float64Array): void {
  const y = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) y[i] = (z[r * d + i] as number) - (mean[i] as number);
    let s = 0;
    for (let i = 0; i < d; i++) {
      let gi = 0;
      for (let j = 0; j < d; j++) gi += (prec[i * d + j] as number) * (y[j] as number);
      s += (y[i] as number) * gi;
    }
    out[r] = s;
  }
}
