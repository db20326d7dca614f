import type { Labels, Severity } from '../core/index.js';
import { DAY_MS, newProfile, PROFILE_SCRATCH, type ProfileState, profileLearn, profileOffset, WEEK_MS } from './model-profile.js';
import {
  migrateTails,
  newTails,
  TAIL_CUSUM,
  TAIL_DRIFT,
  TAIL_SPIKE_DOWN,
  TAIL_SPIKE_UP,
  type TailState,
  tailLearn,
  tailP,
  tailTick,
} from './model-tail.js';

export type { ProfileState } from './model-profile.js';

/** What a series measures, as far as detection cares: counters are scored on their rate and resets are ignored. */
export type SeriesKind = 'gauge' | 'counter';

/** Infers the kind of a series from its labels: Prometheus counter names (`*_total`, `*_count`, `*_sum`, `*_bucket`). */
export function inferKind(labels: Labels | undefined): SeriesKind {
  const name = labels?.__name__ ?? '';
  return /_(total|count|sum|bucket)$/.test(name) ? 'counter' : 'gauge';
}

/** Detector names that may appear in a result's `detectors`. */
export type DetectorName = 'spike' | 'dip' | 'level_shift' | 'trend' | 'seasonal' | 'novel' | 'flatline';

/** Tunable settings of the per-series detector; the defaults are the production defaults (used by `vigil detect` and `vigil eval nab`). */
export interface DetectorSettings {
  /** Time a series must be observed before it may page (ms). */
  learningMs: number;
  /** Samples a series must have before it may page. */
  learningSamples: number;
  /** Score at or above which a sample is a warning. */
  warningScore: number;
  /** Score at or above which a sample is critical. */
  criticalScore: number;
  /** Smoothing of the local level per typical sampling step (a sample that comes sooner moves it less). */
  levelAlpha: number;
  /** Smoothing of the scale estimates per typical sampling step. */
  scaleAlpha: number;
  /** Time constant of the per-model prediction likelihoods used to choose a model (ms). */
  selectTauMs: number;
  /** Weight of one day's visits in a seasonal bin. */
  seasonalAlpha: number;
  /** A profile is chosen when the local level's per-sample likelihood is below this share of the profile's. */
  dailyRatio: number;
  /** Bins of the daily profile (interpolated linearly between bin centres). */
  dayBins: number;
  /** Time constant of the slow level that drift is measured against (ms). */
  driftTauMs: number;
  /** CUSUM allowance in scale units. */
  cusumK: number;
  /** Upper quantile above which the tail of raw surprises is modelled as exponential. */
  tailQuantile: number;
  /** -log10 of the tail probability that maps to score 1. */
  scoreDecades: number;
  /** Longest episode in samples (it also ends after `refractoryMs`, whichever comes first). */
  refractorySamples: number;
  /** Longest episode in time (ms). */
  refractoryMs: number;
  /** Score at or above which a sample opens an episode: calibration pauses, a change point re-baselines, severity may still escalate once. */
  episodeScore: number;
  /** Score at or above which a sample is an event: for the refractory time, later scores are damped unless clearly stronger. */
  noticeScore: number;
  /** How much higher (in score units) a later score must be to count as a new event within the refractory time. */
  newEventMargin: number;
  /** Factor applied to scores that repeat a known event (the anomaly is already known). */
  episodeDamping: number;
}

/** Production defaults of the per-series detector. */
export const DEFAULT_DETECTOR_SETTINGS: Readonly<DetectorSettings> = Object.freeze({
  learningMs: 24 * 3600_000,
  learningSamples: 60,
  warningScore: 0.65,
  criticalScore: 0.85,
  levelAlpha: 0.1,
  scaleAlpha: 0.02,
  selectTauMs: 2 * 24 * 3600_000,
  seasonalAlpha: 0.15,
  dailyRatio: 0.9,
  dayBins: 48,
  driftTauMs: 6 * 3600_000,
  cusumK: 0.5,
  tailQuantile: 0.99,
  scoreDecades: 7,
  refractorySamples: 60,
  refractoryMs: 2 * 3600_000,
  episodeScore: 0.5,
  noticeScore: 0.3,
  // One decade of rarity at the default scoreDecades: a later surprise must be ten times rarer to be news.
  newEventMargin: 1 / 7,
  episodeDamping: 0.3,
});

const MODEL_FLAT = 0;
const MODEL_DAILY = 1;
const MODEL_WEEKLY = 2;
const WEEK_BINS = 168;
const MAX_FEEDBACK = 16;
/** Samples used only to learn the level and scale before anything is scored. */
const WARMUP = 30;
/** Changes (decayed) a series must have shown before a run of identical values can be a stuck sensor. */
const MIN_CHANGES = 20;
/** Cap on one sample's share of a model's negative log-likelihood (in scale units), so one outlier cannot choose the model. */
const NLL_CAP = 20;
/** Per-sample decay of the run counts behind the flat-line detector (a horizon of about 5,000 samples). */
const RUN_DECAY = 1 - 1 / 5000;

/** One feedback entry kept in a model's state. */
export interface FeedbackEntry {
  start: number;
  end: number;
  kind: 'expected' | 'anomaly';
}

/** The complete state of one series' detector, as plain JSON-serialisable data. */
export interface SeriesModelState extends TailState {
  version: 1;
  kind: SeriesKind;
  n: number;
  firstT: number;
  lastT: number;
  /** Last raw value (for counters: the counter, not the rate). */
  lastRaw: number;
  /** Last value the detector saw (for counters: the rate). */
  lastV: number;
  step: number;
  level: number;
  levelMad: number;
  /** Daily profile, and the weekly one once the series is sampled at least hourly (else empty). */
  day: ProfileState;
  week: ProfileState;
  /** Smoothed absolute prediction error and negative log-likelihood of the local level (the profiles keep their own). */
  errFlat: number;
  nllFlat: number;
  model: number;
  /** Everything seen (for precision and scale floors). */
  min: number;
  max: number;
  /** Range seen since the warm-up, against which novelty is judged (start-up transients do not count). */
  rangeLo: number;
  rangeHi: number;
  cusumPos: number;
  cusumNeg: number;
  cusumLen: number;
  fastResid: number;
  run: number;
  /** Longest completed run of identical values. */
  maxRun: number;
  /** Decayed counts, over completed runs only, of repeats and of changes: how often the series used to vary. */
  runSame: number;
  runChanges: number;
  /** Whether the current run has already been reported as a flat-line (a stuck series is one event, not a stream). */
  runReported: boolean;
  /** Slow level of the deseasonalised series, against which drift (trends) is measured. */
  slow: number;
  /** Samples left in the current episode and its peak score (calibration pauses, severity escalates once). */
  episodeLeft: number;
  episodePeak: number;
  /** Samples left in which the last event's score (the peak) damps repeats. */
  noticeLeft: number;
  noticePeak: number;
  feedback: FeedbackEntry[];
  widen: number;
}

/** What the detector says about one sample. */
export interface DetectionResult {
  /** Calibrated score in [0,1]: the same score means the same rarity on every series. */
  score: number;
  /** Expected band for this sample (for counters, on the counter's scale). */
  expected: [number, number];
  severity: Severity;
  /** One human sentence saying why; empty when the sample is unremarkable. */
  reason: string;
  /** Detectors that contributed (empty when unremarkable). */
  detectors: DetectorName[];
  /** True while the series is still learning; learning series never page. */
  learning: boolean;
}

/** Learning progress of one model, for `GET /api/v1/models` and the dashboard. */
export interface LearningInfo {
  learning: boolean;
  observedMs: number;
  requiredMs: number;
  samples: number;
  /** e.g. "learning: 2 h of 24 h" or "ready". */
  text: string;
}

/** What `SeriesModel.describe()` reports. */
export interface ModelSummary extends LearningInfo {
  kind: SeriesKind;
  lastT: number;
  /** The baseline model chosen by predictive likelihood. */
  model: 'flat' | 'daily' | 'weekly';
  bandFactor: number;
  feedback: FeedbackEntry[];
}

function newState(kind: SeriesKind, dayBins: number): SeriesModelState {
  return {
    version: 1,
    kind,
    n: 0,
    firstT: Number.NaN,
    lastT: Number.NaN,
    lastRaw: Number.NaN,
    lastV: Number.NaN,
    step: 0,
    level: 0,
    levelMad: 0,
    day: newProfile(DAY_MS, dayBins),
    week: newProfile(WEEK_MS, 0),
    errFlat: 0,
    nllFlat: 0,
    model: MODEL_FLAT,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    rangeLo: 0,
    rangeHi: 0,
    cusumPos: 0,
    cusumNeg: 0,
    cusumLen: 0,
    fastResid: 0,
    run: 0,
    maxRun: 0,
    runSame: 0,
    runChanges: 0,
    runReported: false,
    slow: 0,
    ...newTails(),
    episodeLeft: 0,
    episodePeak: 0,
    noticeLeft: 0,
    noticePeak: 0,
    feedback: [],
    widen: 1,
  };
}

/** A saved state with the fields added since it was saved filled in (so a restart never means re-learning). */
function restore(saved: SeriesModelState, fresh: SeriesModelState): SeriesModelState {
  const s = { ...fresh, ...structuredClone(saved) };
  migrateTails(s);
  if (typeof s.day.nll !== 'number') s.day.nll = 0;
  if (typeof s.week.nll !== 'number') s.week.nll = 0;
  if (!('rangeHi' in saved) && s.n > WARMUP) {
    s.rangeLo = s.min;
    s.rangeHi = s.max;
  }
  return s;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toPrecision(3);
  return String(Math.round(x * 100) / 100);
}

function humanMs(ms: number): string {
  if (ms >= 48 * 3600_000) return `${Math.floor(ms / DAY_MS)} d`;
  if (ms >= 3600_000) return `${Math.floor(ms / 3600_000)} h`;
  return `${Math.floor(ms / 60_000)} min`;
}

const LN10 = Math.LN10;
/** Shared (frozen) empty list for the common unremarkable result, so scoring a sample allocates less. */
const NO_DETECTORS = Object.freeze([]) as unknown as DetectorName[];

/**
 * The per-series streaming detector: `update(t, v)` scores each sample causally against an ensemble
 * (robust local level, daily and weekly profiles chosen by predictive likelihood, CUSUM change points,
 * novelty against the range seen since the warm-up, flat-line runs), then calibrates the strongest surprise into a
 * tail probability with a peaks-over-threshold model so scores mean the same rarity on every series.
 */
export class SeriesModel {
  private s: SeriesModelState;
  private readonly cfg: DetectorSettings;

  constructor(opts: { kind?: SeriesKind; state?: SeriesModelState; settings?: Partial<DetectorSettings> } = {}) {
    this.cfg = { ...DEFAULT_DETECTOR_SETTINGS, ...opts.settings };
    const fresh = newState(opts.state?.kind ?? opts.kind ?? 'gauge', this.cfg.dayBins);
    this.s = opts.state ? restore(opts.state, fresh) : fresh;
  }

  /** A deep copy of the model's state (plain data; restore with `new SeriesModel({ state })`). */
  save(): SeriesModelState {
    return structuredClone(this.s);
  }

  /** Learning progress at the last sample seen. */
  learningInfo(): LearningInfo {
    const s = this.s;
    const observed = s.n === 0 ? 0 : s.lastT - s.firstT;
    const learning = this.isLearning();
    return {
      learning,
      observedMs: observed,
      requiredMs: this.cfg.learningMs,
      samples: s.n,
      text: learning ? `learning: ${humanMs(observed)} of ${humanMs(this.cfg.learningMs)}` : 'ready',
    };
  }

  /** Feedback on a past time range: 'expected' widens the band (fewer alerts like these), 'anomaly' narrows it; reversible with `removeFeedback`. */
  feedback(start: number, end: number, kind: 'expected' | 'anomaly'): void {
    const fb = this.s.feedback;
    fb.push({ start, end, kind });
    if (fb.length > MAX_FEEDBACK) fb.shift();
    this.recomputeWiden();
  }

  /** Removes feedback previously given for exactly this range; returns whether any was removed. */
  removeFeedback(start: number, end: number): boolean {
    const before = this.s.feedback.length;
    this.s.feedback = this.s.feedback.filter((f) => f.start !== start || f.end !== end);
    this.recomputeWiden();
    return this.s.feedback.length !== before;
  }

  /** A summary of the model for `GET /api/v1/models`. */
  describe(): ModelSummary {
    const s = this.s;
    return {
      kind: s.kind,
      lastT: s.lastT,
      model: s.model === MODEL_WEEKLY ? 'weekly' : s.model === MODEL_DAILY ? 'daily' : 'flat',
      bandFactor: s.widen,
      feedback: s.feedback.map((f) => ({ ...f })),
      ...this.learningInfo(),
    };
  }

  /** Current band multiplier from feedback (1 = none). */
  get bandFactor(): number {
    return this.s.widen;
  }

  private recomputeWiden(): void {
    let w = 1;
    for (const f of this.s.feedback) w *= f.kind === 'expected' ? 1.5 : 0.8;
    this.s.widen = Math.min(4, Math.max(0.5, w));
  }

  private isLearning(): boolean {
    const s = this.s;
    return s.n < this.cfg.learningSamples || s.lastT - s.firstT < this.cfg.learningMs;
  }

  /**
   * Scores one sample; samples must come in time order (older or equal timestamps are ignored as unremarkable).
   * With `learn` false (a maintenance window) the sample is scored but nothing is learnt from it: only the time
   * (and a counter's last value, so its next rate is right) moves on.
   */
  update(t: number, raw: number, learn = true): DetectionResult {
    const s = this.s;
    const cfg = this.cfg;
    if (!Number.isFinite(raw) || !Number.isFinite(t)) return this.quiet(s.lastV, 'missing value');
    const seen = Number.isFinite(s.lastT);
    const dt = seen ? t - s.lastT : 0;
    if (seen && dt <= 0) return this.quiet(s.lastV, '');
    let v = raw;
    if (s.kind === 'counter') {
      const prev = s.lastRaw;
      s.lastRaw = raw;
      if (!Number.isFinite(prev)) {
        s.lastT = t;
        if (s.n === 0) s.firstT = t;
        return this.quiet(raw, '');
      }
      if (raw < prev) {
        s.lastT = t;
        return this.quiet(raw, 'counter reset');
      }
      v = ((raw - prev) * 1000) / dt;
    }
    if (s.n === 0) {
      if (!learn) {
        // A counter's rate is measured from this total next time, so its time moves on with it.
        if (s.kind === 'counter') s.lastT = t;
        return this.quiet(v, '');
      }
      s.firstT = Number.isFinite(s.firstT) ? s.firstT : t;
      s.lastT = t;
      s.lastV = v;
      s.level = v;
      s.day.base = v;
      s.slow = v;
      s.min = v;
      s.max = v;
      s.n = 1;
      return this.quiet(v, '');
    }
    // Typical step: slow EWMA of the gap, clipped so that one long outage does not distort it.
    if (!learn) {
      // Not learning: no state moves (the step may be distorted by the window's own sampling).
    } else if (s.step === 0) s.step = dt;
    else s.step += 0.01 * (Math.min(dt, 4 * s.step) - s.step);
    const gap = dt > 5 * s.step;

    const eps = 1e-9 * (Math.abs(s.max) + Math.abs(s.min)) + 1e-12;
    // Measurement precision: differences below a millionth of the magnitude (float noise of a steady rate) mean nothing.
    const prec = 5e-7 * (Math.abs(s.max) + Math.abs(s.min)) + 1e-12;
    // Floor under every scale: a tiny share of the range seen, and the precision, so quantised or constant series stay finite.
    const floor = 1e-3 * (s.max - s.min) + prec;

    // Predictions of the three candidate models: local level, daily and weekly profiles.
    const day = s.day;
    const week = s.week;
    const dayOff = profileOffset(day, t, 0);
    const dayNear = PROFILE_SCRATCH[0] as number;
    const haveDay = !Number.isNaN(dayOff);
    const hasWeek = week.off.length > 0;
    const weekOff = hasWeek ? profileOffset(week, t, 1) : Number.NaN;
    const weekNear = PROFILE_SCRATCH[4] as number;
    const haveWeek = !Number.isNaN(weekOff);
    const pFlat = s.level;
    const pDay = haveDay ? day.base + dayOff : pFlat;
    const pWeek = haveWeek ? week.base + weekOff : pDay;
    const chosen = s.model;
    const expected = chosen === MODEL_FLAT ? pFlat : chosen === MODEL_DAILY ? pDay : pWeek;
    let scale = s.levelMad;
    if (chosen === MODEL_DAILY) scale = Math.max(day.mad[dayNear] as number, 0.5 * day.err);
    else if (chosen === MODEL_WEEKLY) scale = Math.max(week.mad[weekNear] as number, 0.5 * week.err);
    scale = Math.max(scale, floor) * s.widen;
    const r = v - expected;
    const z = r / scale;
    const learning = this.isLearning();

    // Tail probabilities of each detector; the three with unknown null distributions are calibrated on the series itself.
    const q = cfg.tailQuantile;
    const zc = z > 4 ? 4 : Math.max(z, -4);
    let cusumPos = s.cusumPos;
    let cusumNeg = s.cusumNeg;
    const warm = s.n >= WARMUP;
    // Nothing accumulates before the scale is known (warm-up) or across a gap.
    if (gap || !warm) {
      cusumPos = 0;
      cusumNeg = 0;
    } else {
      cusumPos = Math.max(0, cusumPos + zc - cfg.cusumK);
      cusumNeg = Math.max(0, cusumNeg - zc - cfg.cusumK);
    }
    const sCusum = Math.max(cusumPos, cusumNeg);
    // Spikes and dips are calibrated apart (most series are skewed: a rare dip on a spiky series is still rare),
    // and the one-sided tail probability doubled into a two-sided one.
    const pSpike = warm ? Math.min(1, 2 * (z >= 0 ? tailP(s, TAIL_SPIKE_UP, z, q) : tailP(s, TAIL_SPIKE_DOWN, -z, q))) : 1;
    const pCusum = warm ? tailP(s, TAIL_CUSUM, sCusum, q) : 1;
    const chosenBase = chosen === MODEL_FLAT ? s.level : chosen === MODEL_DAILY ? day.base : week.base;
    const sDrift = Math.abs(chosenBase - s.slow) / scale;
    const pDrift = warm ? tailP(s, TAIL_DRIFT, sDrift, q) : 1;
    let pNovel = 1;
    const range = s.rangeHi - s.rangeLo;
    if (!learning && range > 0 && (v > s.rangeHi || v < s.rangeLo)) {
      const excess = (v > s.rangeHi ? v - s.rangeHi : s.rangeLo - v) / Math.max(range, 1e3 * prec);
      // A new record is itself a 1-in-n event; only a decisive one is rare.
      pNovel = Math.min(1, (10 / s.n) * Math.exp(-40 * excess));
    }
    const same = !gap && Math.abs(v - s.lastV) <= eps;
    const run = same ? s.run + 1 : 0;
    // A stuck sensor is one that used to vary and stopped: a run longer than any before, in a series that changed
    // often, is rare as a geometric run of repeats; a series that has (almost) always been constant never is.
    let pStuck = 1;
    if (run >= 3 && run > s.maxRun && !s.runReported && s.runChanges >= MIN_CHANGES) {
      const pSame = (s.runSame + 0.5) / (s.runSame + s.runChanges + 1);
      const pRun = Math.max(1e-3, pSame) ** (run - s.maxRun);
      // A run's evidence grows with every repeat, so it is one event: scored once, when it reaches the episode level,
      // not a rising score whose every decade of rarity would be reported as a new event.
      if (2 * pRun <= 10 ** (-cfg.episodeScore * cfg.scoreDecades)) pStuck = pRun;
    }

    let p = pSpike;
    let which = 0;
    if (pCusum < p) {
      p = pCusum;
      which = 1;
    }
    if (pNovel < p) {
      p = pNovel;
      which = 2;
    }
    if (pStuck < p) {
      p = pStuck;
      which = 3;
    }
    if (pDrift < p) {
      p = pDrift;
      which = 4;
    }
    // Three detectors are calibrated per series, two of them (CUSUM and drift) strongly dependent: correct for taking the best of about two.
    const pBest = p;
    p = Math.min(1, 2 * p);
    // `0 -` rather than unary minus: a probability of 1 gives a score of 0, not -0 (charts and Grafana show "-0").
    const surprise = 0 - Math.log(p);
    let score = Math.min(1, surprise / (LN10 * cfg.scoreDecades));
    const rawScore = score;
    let escalated = 0;
    // Episodes and events last a number of samples or a time, whichever is shorter, so hourly and 10-second series alike.
    const refractory = Math.max(1, Math.min(cfg.refractorySamples, Math.round(cfg.refractoryMs / s.step)));
    if (!learn) {
      // Excluded samples neither open nor use up an episode or an event.
    } else {
      if (s.episodeLeft > 0) {
        // Inside an episode the anomaly is already known: its calibration pauses, and an episode that opened below
        // alert level may still page once (severity), at the damped score.
        if (s.episodePeak < cfg.warningScore && score >= cfg.warningScore) {
          s.episodePeak = score;
          escalated = score;
        }
        s.episodeLeft--;
      } else if (score >= cfg.episodeScore) {
        s.episodeLeft = refractory;
        s.episodePeak = score;
      }
      // An event is reported once, not for as long as it lasts: later scores within the refractory time are damped
      // unless clearly stronger, which makes them a new event.
      if (s.noticeLeft > 0 && rawScore <= s.noticePeak + cfg.newEventMargin) {
        score *= cfg.episodeDamping;
        s.noticeLeft--;
      } else if (rawScore >= cfg.noticeScore) {
        // (A score above the peak by the margin is above noticeScore too, since the peak is.)
        s.noticePeak = rawScore;
        s.noticeLeft = refractory;
      }
    }
    if (learn && warm && (s.episodeLeft === 0 || s.episodeLeft === refractory)) {
      tailTick(s);
      tailLearn(s, TAIL_SPIKE_UP, Math.max(z, 0), q);
      tailLearn(s, TAIL_SPIKE_DOWN, Math.max(-z, 0), q);
      tailLearn(s, TAIL_CUSUM, sCusum, q);
      tailLearn(s, TAIL_DRIFT, sDrift, q);
    }

    if (learn) {
      // Learn: robust (clipped) updates so a spike does not drag the baselines.
      const clip = 3 * scale;
      const rFlat = v - pFlat;
      // Adaptation per unit of time: a sample that comes sooner than the typical step moves the baselines less, so
      // a faster scrape interval does not make them faster in real time.
      const steps = s.step > 0 ? dt / s.step : 1;
      const aLevel = steps >= 1 ? cfg.levelAlpha : 1 - (1 - cfg.levelAlpha) ** steps;
      const aScale = steps >= 1 ? cfg.scaleAlpha : 1 - (1 - cfg.scaleAlpha) ** steps;
      if (s.n < WARMUP) {
        // Warm-up: plain running mean and mean absolute deviation, no clipping yet.
        s.level += Math.max(cfg.levelAlpha, 1 / (s.n + 1)) * rFlat;
        s.levelMad += (1 / s.n) * (Math.abs(rFlat) - s.levelMad);
      } else {
        const rFlatC = rFlat > clip ? clip : Math.max(rFlat, -clip);
        s.level += aLevel * rFlatC;
        s.levelMad += aScale * (Math.min(Math.abs(rFlat), 4 * Math.max(s.levelMad, floor)) - s.levelMad);
      }
      const span = t - s.firstT;
      profileLearn(day, 0, dayOff, v, dt, aLevel, cfg.seasonalAlpha, clip, floor, s.levelMad);
      if (hasWeek) profileLearn(week, 1, weekOff, v, dt, aLevel, cfg.seasonalAlpha, clip, floor, s.levelMad);
      else if (span > DAY_MS && s.step <= 3600_000) {
        // Hourly or finer: start a weekly profile (it needs a week before it can be chosen).
        s.week = newProfile(WEEK_MS, WEEK_BINS);
        s.week.base = day.base;
      }
      // Choose the baseline by smoothed predictive likelihood (a Laplace log-score with each model's own scale), so a
      // model that is usually close but sometimes far off (a local level on a sharp daily pattern) loses to one whose
      // errors its scale explains. A profile must beat the simpler models by the dailyRatio margin.
      const aSel = Math.min(1, dt / cfg.selectTauMs);
      const cap = 10 * Math.max(s.errFlat, day.err, floor);
      s.errFlat += aSel * (Math.min(Math.abs(v - pFlat), cap) - s.errFlat);
      day.err += aSel * (Math.min(Math.abs(v - pDay), cap) - day.err);
      if (hasWeek) week.err += aSel * (Math.min(Math.abs(v - pWeek), cap) - week.err);
      const sF = Math.max(s.levelMad, floor);
      const sD = haveDay ? Math.max(day.mad[dayNear] as number, 0.5 * day.err, floor) : sF;
      s.nllFlat += aSel * (Math.log(sF) + Math.min(Math.abs(v - pFlat) / sF, NLL_CAP) - s.nllFlat);
      day.nll += aSel * (Math.log(sD) + Math.min(Math.abs(v - pDay) / sD, NLL_CAP) - day.nll);
      if (hasWeek) {
        const sW = haveWeek ? Math.max(week.mad[weekNear] as number, 0.5 * week.err, floor) : sD;
        week.nll += aSel * (Math.log(sW) + Math.min(Math.abs(v - pWeek) / sW, NLL_CAP) - week.nll);
      }
      const margin = Math.log(cfg.dailyRatio);
      let model = s.model;
      if (span > 1.5 * DAY_MS && s.step <= DAY_MS / day.off.length) model = day.nll < s.nllFlat + margin ? MODEL_DAILY : MODEL_FLAT;
      if (hasWeek && span > 8 * DAY_MS && week.nll < s.nllFlat + margin && week.nll < day.nll + margin) model = MODEL_WEEKLY;
      if (model !== s.model) {
        s.model = model;
        s.slow = model === MODEL_FLAT ? s.level : model === MODEL_DAILY ? day.base : week.base;
      }
      // A confirmed change point re-baselines the models so the change pages once, not for as long as it lasts.
      if ((which === 1 || which === 4) && rawScore >= cfg.episodeScore) {
        s.level = v;
        day.base = v - (haveDay ? dayOff : 0);
        if (hasWeek) week.base = v - (haveWeek ? weekOff : 0);
        s.slow = s.model === MODEL_FLAT ? s.level : s.model === MODEL_DAILY ? day.base : week.base;
        cusumPos = 0;
        cusumNeg = 0;
      }
      s.slow +=
        Math.min(1, dt / cfg.driftTauMs) * ((s.model === MODEL_FLAT ? s.level : s.model === MODEL_DAILY ? day.base : week.base) - s.slow);
      s.fastResid += 0.3 * (r - s.fastResid);
      s.cusumPos = cusumPos;
      s.cusumNeg = cusumNeg;
      s.cusumLen = cusumPos > 0 || cusumNeg > 0 ? s.cusumLen + 1 : 0;
      if (!same) {
        // A run ended (or a gap broke it): learn how often the series varies from completed runs only.
        const d = s.run === 0 ? RUN_DECAY : RUN_DECAY ** (s.run + 1);
        s.runSame = s.runSame * d + s.run;
        s.runChanges = s.runChanges * d + 1;
        if (s.run > s.maxRun) s.maxRun = s.run;
        s.runReported = false;
      } else if (which === 3 && rawScore >= cfg.episodeScore) s.runReported = true;
      s.run = run;
      if (v > s.max) s.max = v;
      if (v < s.min) s.min = v;
      if (s.n === WARMUP) {
        s.rangeLo = v;
        s.rangeHi = v;
      } else if (s.n > WARMUP) {
        if (v > s.rangeHi) s.rangeHi = v;
        if (v < s.rangeLo) s.rangeLo = v;
      }
      s.n++;
      s.lastT = t;
      s.lastV = v;
    } else s.lastT = t;

    const half = 4 * scale;
    let lo = expected - half;
    let hi = expected + half;
    // The reason speaks of the value scored (a counter's rate); the returned band is in the series' own units.
    const bandLo = s.kind === 'counter' ? Math.max(0, lo) : lo;
    const bandHi = s.kind === 'counter' ? Math.max(0, hi) : hi;
    if (s.kind === 'counter') {
      const prevRaw = raw - (v * dt) / 1000;
      lo = prevRaw + (Math.max(0, lo) * dt) / 1000;
      hi = prevRaw + (Math.max(0, hi) * dt) / 1000;
    }
    const sev = Math.max(escalated, score);
    const severity: Severity = learning ? 'info' : sev >= cfg.criticalScore ? 'critical' : sev >= cfg.warningScore ? 'warning' : 'info';
    if (rawScore < 0.3) return { score, expected: [lo, hi], severity, reason: '', detectors: NO_DETECTORS, learning };
    const det = this.detectorName(which, z, pFlat, v, scale);
    const detectors: DetectorName[] = [det];
    // Other detectors with strong evidence of their own (rare, and nearly as rare as the best) are named too.
    const strong = Math.min(1e-3, pBest * 1e3);
    if (det !== 'novel' && pNovel < strong) detectors.push('novel');
    if (which !== 1 && which !== 4 && Math.min(pCusum, pDrift) < strong) detectors.push(pDrift < pCusum ? 'trend' : 'level_shift');
    let reason = this.explain(det, v, expected, bandLo, bandHi, run);
    if (det !== 'novel' && pNovel < strong) reason += `, outside anything seen before (${fmt(s.rangeLo)}–${fmt(s.rangeHi)})`;
    return { score, expected: [lo, hi], severity, reason, detectors, learning };
  }

  private detectorName(which: number, z: number, pFlat: number, v: number, scale: number): DetectorName {
    if (which === 2) return 'novel';
    if (which === 3) return 'flatline';
    // Normal for the recent level but not for this time of day: the daily pattern broke.
    if (this.s.model !== MODEL_FLAT && Math.abs(v - pFlat) < 3 * this.s.levelMad) return 'seasonal';
    if (which === 4) return 'trend';
    if (which === 1) {
      const runMean = this.s.cusumLen > 0 ? Math.abs(this.s.fastResid) : 0;
      return runMean > 0 && Math.abs(z * scale) > 2.5 * runMean ? 'trend' : 'level_shift';
    }
    return z > 0 ? 'spike' : 'dip';
  }

  private explain(det: DetectorName, v: number, expected: number, lo: number, hi: number, run: number): string {
    const what = this.s.kind === 'counter' ? 'rate' : 'value';
    const band = `${fmt(lo)}–${fmt(hi)}`;
    switch (det) {
      case 'spike':
        return `${what} ${fmt(v)} is far above the expected ${band}`;
      case 'dip':
        return `${what} ${fmt(v)} is far below the expected ${band}`;
      case 'level_shift':
        return `${what} shifted ${v > expected ? 'up' : 'down'} to about ${fmt(v)} and stayed there (expected ${band})`;
      case 'trend':
        return `${what} is drifting ${v > expected ? 'up' : 'down'} (${fmt(v)}, expected ${band})`;
      case 'seasonal':
        return `${what} ${fmt(v)} breaks the usual ${this.s.model === MODEL_WEEKLY ? 'weekly' : 'daily'} pattern (expected ${band} at this time)`;
      case 'novel':
        return `${what} ${fmt(v)} is outside anything seen before (${fmt(this.s.rangeLo)}–${fmt(this.s.rangeHi)})`;
      case 'flatline':
        return `${what} has been stuck at ${fmt(v)} for ${run} samples, longer than ever before`;
      default:
        return '';
    }
  }

  private quiet(v: number, reason: string): DetectionResult {
    const x = Number.isFinite(v) ? v : 0;
    return { score: 0, expected: [x, x], severity: 'info', reason, detectors: NO_DETECTORS, learning: this.isLearning() };
  }
}
