import { type Labels, seriesKey, VigilError } from '../core/index.js';
import type { Querier } from '../tsdb/index.js';
import type { AggregateOp, BinaryOp, Expr, MatrixSelector, VectorMatching, VectorSelector } from './ast.js';
import { isComparison } from './ast.js';
import { type Bucket, bucketQuantile, goPow, MATH_KERNELS, quantile, RANGE_KERNELS, type Window } from './functions.js';
import { goRegexToJs, parseGoFloat, parseQuery, typeOf } from './parse.js';
import { compareLabels, dropMetricName, expandTemplate, isStaleNaN } from './values.js';

/** Options of the PromQL engine; defaults are Prometheus' own. */
export interface EngineOptions {
  querier: Querier;
  /** How far back an instant selector looks for the latest sample (ms); default 5 minutes. */
  lookbackDeltaMs?: number;
  /** Most samples one query may load and produce before it fails; default 50,000,000. */
  maxSamples?: number;
  /** Longest a query may run before it fails with a timeout (ms); default 2 minutes. */
  timeoutMs?: number;
}

/** One element of an instant vector result. */
export interface InstantSample {
  labels: Labels;
  t: number;
  v: number;
}

/** One series of a matrix result, timestamps ascending (ms). */
export interface RangeSeries {
  labels: Labels;
  timestamps: number[];
  values: number[];
}

/** The result of a query, shaped like Prometheus' `parser.Value`. */
export type QueryResult =
  | { resultType: 'vector'; result: InstantSample[] }
  | { resultType: 'matrix'; result: RangeSeries[] }
  | { resultType: 'scalar'; t: number; v: number }
  | { resultType: 'string'; t: number; value: string };

/** A series sampled at every step of the query: `present[i]` says whether step i has a value. */
interface StepSeries {
  labels: Labels;
  values: Float64Array;
  present: Uint8Array;
}

type Value = { kind: 'scalar'; values: Float64Array } | { kind: 'vector'; series: StepSeries[] } | { kind: 'string'; value: string };

interface Ctx {
  tenant: string;
  start: number;
  end: number;
  times: number[];
  deadline: number;
  samples: number;
  maxSamples: number;
  lookback: number;
  /** Set by sort()/sort_desc() at the top of an instant query. */
  order: 'asc' | 'desc' | undefined;
}

function newSeries(labels: Labels, n: number): StepSeries {
  return { labels, values: new Float64Array(n), present: new Uint8Array(n) };
}

function execError(message: string): VigilError {
  return new VigilError('QUERY_FAILED', message);
}

/** Evaluates PromQL over a Querier with Prometheus 2.x semantics (lookback, staleness, extrapolation, matching). */
export class PromQLEngine {
  private readonly querier: Querier;
  private readonly lookback: number;
  private readonly maxSamples: number;
  private readonly timeoutMs: number;

  constructor(opts: EngineOptions) {
    this.querier = opts.querier;
    this.lookback = opts.lookbackDeltaMs ?? 300_000;
    this.maxSamples = opts.maxSamples ?? 50_000_000;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  /** Evaluates `query` at one instant (Unix ms), as `GET /api/v1/query`. */
  async instantQuery(tenant: string, query: string, time: number): Promise<QueryResult> {
    const expr = parseQuery(query);
    const ctx = this.ctx(tenant, time, time, [time]);
    const type = typeOf(expr);
    if (type === 'matrix') return { resultType: 'matrix', result: await this.rawMatrix(expr as MatrixSelector, ctx) };
    const v = await this.eval(expr, ctx, true);
    if (v.kind === 'scalar') return { resultType: 'scalar', t: time, v: v.values[0] as number };
    if (v.kind === 'string') return { resultType: 'string', t: time, value: v.value };
    const result: InstantSample[] = [];
    for (const s of v.series) if (s.present[0] === 1) result.push({ labels: s.labels, t: time, v: s.values[0] as number });
    if (ctx.order !== undefined) {
      const dir = ctx.order === 'asc' ? 1 : -1;
      // Prometheus' value heaps put NaN first in both directions.
      result.sort((a, b) => (Number.isNaN(a.v) ? (Number.isNaN(b.v) ? 0 : -1) : Number.isNaN(b.v) ? 1 : dir * (a.v - b.v)));
    }
    return { resultType: 'vector', result };
  }

  /** Evaluates `query` at every step from `start` to `end` (ms, inclusive), as `GET /api/v1/query_range`. */
  async rangeQuery(tenant: string, query: string, start: number, end: number, step: number): Promise<QueryResult> {
    const expr = parseQuery(query);
    const type = typeOf(expr);
    if (type !== 'scalar' && type !== 'vector') {
      throw new VigilError(
        'BAD_QUERY',
        `invalid expression type "${type === 'matrix' ? 'range vector' : 'string'}" for range query, must be Scalar or instant Vector`,
      );
    }
    const times: number[] = [];
    for (let t = start; t <= end; t += step) times.push(t);
    const ctx = this.ctx(tenant, start, end, times);
    const v = await this.eval(expr, ctx, false);
    const series: StepSeries[] =
      v.kind === 'scalar'
        ? [{ labels: {}, values: v.values, present: new Uint8Array(times.length).fill(1) }]
        : v.kind === 'vector'
          ? v.series
          : [];
    const result: RangeSeries[] = [];
    for (const s of series) {
      const out: RangeSeries = { labels: s.labels, timestamps: [], values: [] };
      for (let i = 0; i < times.length; i++) {
        if (s.present[i] === 1) {
          out.timestamps.push(times[i] as number);
          out.values.push(s.values[i] as number);
        }
      }
      if (out.timestamps.length > 0) result.push(out);
    }
    result.sort((a, b) => compareLabels(a.labels, b.labels));
    return { resultType: 'matrix', result };
  }

  private ctx(tenant: string, start: number, end: number, times: number[]): Ctx {
    return {
      tenant,
      start,
      end,
      times,
      deadline: Date.now() + this.timeoutMs,
      samples: 0,
      maxSamples: this.maxSamples,
      lookback: this.lookback,
      order: undefined,
    };
  }

  private check(ctx: Ctx, added = 0): void {
    ctx.samples += added;
    if (ctx.samples > ctx.maxSamples) throw execError('query processing would load too many samples into memory in query execution');
    if (Date.now() > ctx.deadline) throw new VigilError('QUERY_TIMEOUT', `query timed out in expression evaluation`);
  }

  private refTimes(sel: VectorSelector, ctx: Ctx): number[] {
    const at = sel.at === 'start' ? ctx.start : sel.at === 'end' ? ctx.end : sel.at;
    return ctx.times.map((t) => (at ?? t) - sel.offsetMs);
  }

  private async fetch(sel: VectorSelector, ctx: Ctx, mint: number, maxt: number) {
    const data = await this.querier.select(ctx.tenant, sel.matchers, mint, maxt);
    let n = 0;
    for (const d of data) n += d.timestamps.length;
    this.check(ctx, n);
    return data;
  }

  private async rawMatrix(m: MatrixSelector, ctx: Ctx): Promise<RangeSeries[]> {
    const ref = this.refTimes(m.selector, ctx)[0] as number;
    const data = await this.fetch(m.selector, ctx, ref - m.rangeMs, ref);
    const out: RangeSeries[] = [];
    for (const d of data) {
      const s: RangeSeries = { labels: d.labels, timestamps: [], values: [] };
      for (let i = 0; i < d.timestamps.length; i++) {
        const t = d.timestamps[i] as number;
        const v = d.values[i] as number;
        if (t >= ref - m.rangeMs && t <= ref && !isStaleNaN(v)) {
          s.timestamps.push(t);
          s.values.push(v);
        }
      }
      if (s.timestamps.length > 0) out.push(s);
    }
    return out;
  }

  private async eval(e: Expr, ctx: Ctx, top: boolean): Promise<Value> {
    this.check(ctx);
    const n = ctx.times.length;
    switch (e.type) {
      case 'number':
        return { kind: 'scalar', values: new Float64Array(n).fill(e.value) };
      case 'string':
        return { kind: 'string', value: e.value };
      case 'vector':
        return { kind: 'vector', series: await this.selectInstant(e, ctx, false) };
      case 'matrix':
        throw new VigilError('BAD_QUERY', 'a range vector is only allowed as a function argument');
      case 'unary': {
        const v = await this.eval(e.expr, ctx, false);
        if (e.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', values: v.values.map((x) => -x) };
        if (v.kind !== 'vector') throw execError('unary minus on a string');
        return {
          kind: 'vector',
          series: this.dedupe(v.series.map((s) => ({ ...s, labels: dropMetricName(s.labels), values: s.values.map((x) => -x) }))),
        };
      }
      case 'binary':
        return this.binary(e.op, e.bool, e.matching, await this.eval(e.lhs, ctx, false), await this.eval(e.rhs, ctx, false), ctx);
      case 'aggregate':
        return this.aggregate(e.op, e.grouping, e.without, e.param, e.expr, ctx);
      case 'call':
        return this.call(e.func, e.args, ctx, top);
    }
  }

  private async selectInstant(sel: VectorSelector, ctx: Ctx, keepTimestamps: boolean): Promise<StepSeries[]> {
    const refs = this.refTimes(sel, ctx);
    const mint = Math.min(...refs) - ctx.lookback;
    const maxt = Math.max(...refs);
    const data = await this.fetch(sel, ctx, mint, maxt);
    const n = refs.length;
    const out: StepSeries[] = [];
    for (const d of data) {
      const s = newSeries(d.labels, n);
      const ts = d.timestamps;
      let j = -1;
      let any = false;
      for (let i = 0; i < n; i++) {
        const ref = refs[i] as number;
        if (i > 0 && ref < (refs[i - 1] as number)) j = -1;
        while (j + 1 < ts.length && (ts[j + 1] as number) <= ref) j++;
        if (j < 0) continue;
        const t = ts[j] as number;
        const v = d.values[j] as number;
        if (t < ref - ctx.lookback || isStaleNaN(v)) continue;
        s.values[i] = keepTimestamps ? t / 1000 : v;
        s.present[i] = 1;
        any = true;
      }
      if (any) out.push(s);
    }
    this.check(ctx, out.length * n);
    return out;
  }

  private async rangeFunction(name: string, args: Expr[], ctx: Ctx): Promise<StepSeries[]> {
    const kernel = RANGE_KERNELS[name];
    if (kernel === undefined) throw new VigilError('UNSUPPORTED_QUERY', `the function "${name}" is not supported by Vigil's PromQL subset`);
    const mIndex = args.findIndex((a) => a.type === 'matrix');
    const m = args[mIndex] as MatrixSelector;
    const params: Float64Array[] = [];
    for (const [i, a] of args.entries()) if (i !== mIndex) params.push(await this.scalarArg(a, ctx));
    const refs = this.refTimes(m.selector, ctx);
    const data = await this.fetch(m.selector, ctx, Math.min(...refs) - m.rangeMs, Math.max(...refs));
    const n = refs.length;
    const out: StepSeries[] = [];
    const keepName = name === 'last_over_time';
    const p: number[] = new Array(params.length).fill(0);
    // One window object, refilled for every step: kernels never keep it.
    const w: Window = { ts: [], vs: [], lo: 0, hi: 0, rangeStart: 0, rangeEnd: 0, rangeMs: m.rangeMs, evalTs: 0 };
    for (const d of data) {
      this.check(ctx);
      let ts = d.timestamps;
      let vs = d.values;
      if (vs.some(isStaleNaN)) {
        ts = [];
        vs = [];
        for (let i = 0; i < d.timestamps.length; i++) {
          const v = d.values[i] as number;
          if (isStaleNaN(v)) continue;
          ts.push(d.timestamps[i] as number);
          vs.push(v);
        }
      }
      const s = newSeries(keepName ? d.labels : dropMetricName(d.labels), n);
      let lo = 0;
      let hi = 0;
      let any = false;
      for (let i = 0; i < n; i++) {
        const ref = refs[i] as number;
        const from = ref - m.rangeMs;
        if (i > 0 && ref < (refs[i - 1] as number)) {
          lo = 0;
          hi = 0;
        }
        while (lo < ts.length && (ts[lo] as number) < from) lo++;
        if (hi < lo) hi = lo;
        while (hi < ts.length && (ts[hi] as number) <= ref) hi++;
        if (hi <= lo) continue;
        for (let k = 0; k < params.length; k++) p[k] = (params[k] as Float64Array)[i] as number;
        w.ts = ts;
        w.vs = vs;
        w.lo = lo;
        w.hi = hi;
        w.rangeStart = from;
        w.rangeEnd = ref;
        w.evalTs = ctx.times[i] as number;
        const v = kernel(w, p);
        if (v === undefined) continue;
        s.values[i] = v;
        s.present[i] = 1;
        any = true;
      }
      if (any) out.push(s);
    }
    this.check(ctx, out.length * n);
    return keepName ? out : this.dedupe(out);
  }

  private async scalarArg(e: Expr, ctx: Ctx): Promise<Float64Array> {
    const v = await this.eval(e, ctx, false);
    if (v.kind !== 'scalar') throw execError('expected a scalar argument');
    return v.values;
  }

  private async vectorArg(e: Expr, ctx: Ctx): Promise<StepSeries[]> {
    const v = await this.eval(e, ctx, false);
    if (v.kind !== 'vector') throw execError('expected an instant vector argument');
    return v.series;
  }

  /** Merges series that ended up with the same labels; two values at one step is Prometheus' duplicate-labelset error. */
  private dedupe(series: StepSeries[]): StepSeries[] {
    const byKey = new Map<string, StepSeries>();
    for (const s of series) {
      const key = seriesKey(s.labels);
      const prev = byKey.get(key);
      if (prev === undefined) {
        byKey.set(key, s);
        continue;
      }
      for (let i = 0; i < s.present.length; i++) {
        if (s.present[i] !== 1) continue;
        if (prev.present[i] === 1) throw execError('vector cannot contain metrics with the same labelset');
        prev.present[i] = 1;
        prev.values[i] = s.values[i] as number;
      }
    }
    return [...byKey.values()];
  }

  private async call(name: string, args: Expr[], ctx: Ctx, top: boolean): Promise<Value> {
    const n = ctx.times.length;
    if (args.some((a) => a.type === 'matrix')) return { kind: 'vector', series: await this.rangeFunction(name, args, ctx) };
    const math = MATH_KERNELS[name];
    if (math !== undefined) {
      const input = await this.vectorArg(args[0] as Expr, ctx);
      return {
        kind: 'vector',
        series: this.dedupe(input.map((s) => ({ labels: dropMetricName(s.labels), values: s.values.map(math), present: s.present }))),
      };
    }
    switch (name) {
      case 'time':
        return { kind: 'scalar', values: Float64Array.from(ctx.times, (t) => t / 1000) };
      case 'vector': {
        const values = await this.scalarArg(args[0] as Expr, ctx);
        return { kind: 'vector', series: [{ labels: {}, values, present: new Uint8Array(n).fill(1) }] };
      }
      case 'scalar': {
        const input = await this.vectorArg(args[0] as Expr, ctx);
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let count = 0;
          let v = Number.NaN;
          for (const s of input) {
            if (s.present[i] !== 1) continue;
            count++;
            v = s.values[i] as number;
          }
          values[i] = count === 1 ? v : Number.NaN;
        }
        return { kind: 'scalar', values };
      }
      case 'round': {
        const input = await this.vectorArg(args[0] as Expr, ctx);
        const to = args[1] === undefined ? new Float64Array(n).fill(1) : await this.scalarArg(args[1], ctx);
        const series = input.map((s) => ({
          labels: dropMetricName(s.labels),
          values: s.values.map((v, i) => {
            const inv = 1 / (to[i] as number);
            return Math.floor(v * inv + 0.5) / inv;
          }),
          present: s.present,
        }));
        return { kind: 'vector', series: this.dedupe(series) };
      }
      case 'clamp':
      case 'clamp_min':
      case 'clamp_max': {
        const input = await this.vectorArg(args[0] as Expr, ctx);
        const a = await this.scalarArg(args[1] as Expr, ctx);
        const b = name === 'clamp' ? await this.scalarArg(args[2] as Expr, ctx) : undefined;
        const series = input.map((s) => {
          const out = newSeries(dropMetricName(s.labels), n);
          for (let i = 0; i < n; i++) {
            if (s.present[i] !== 1) continue;
            const v = s.values[i] as number;
            const x = a[i] as number;
            if (name === 'clamp') {
              const max = (b as Float64Array)[i] as number;
              if (max < x) continue;
              out.values[i] = Math.max(x, Math.min(max, v));
            } else out.values[i] = name === 'clamp_min' ? Math.max(x, v) : Math.min(x, v);
            if (Number.isNaN(v)) out.values[i] = Number.NaN;
            out.present[i] = 1;
          }
          return out;
        });
        return { kind: 'vector', series: this.dedupe(series) };
      }
      case 'timestamp': {
        const arg = args[0] as Expr;
        const input =
          arg.type === 'vector'
            ? await this.selectInstant(arg, ctx, true)
            : (await this.vectorArg(arg, ctx)).map((s) => ({ ...s, values: Float64Array.from(ctx.times, (t) => t / 1000) }));
        return { kind: 'vector', series: this.dedupe(input.map((s) => ({ ...s, labels: dropMetricName(s.labels) }))) };
      }
      case 'sort':
      case 'sort_desc': {
        const input = await this.vectorArg(args[0] as Expr, ctx);
        if (top) ctx.order = name === 'sort' ? 'asc' : 'desc';
        return { kind: 'vector', series: input };
      }
      case 'label_replace':
        return { kind: 'vector', series: await this.labelReplace(args, ctx) };
      case 'histogram_quantile':
        return { kind: 'vector', series: await this.histogramQuantile(args, ctx) };
      default:
        throw new VigilError('UNSUPPORTED_QUERY', `the function "${name}" is not supported by Vigil's PromQL subset`);
    }
  }

  private async labelReplace(args: Expr[], ctx: Ctx): Promise<StepSeries[]> {
    const input = await this.vectorArg(args[0] as Expr, ctx);
    const [dst, repl, src, regex] = args.slice(1).map((a) => (a as { value: string }).value) as [string, string, string, string];
    const re = new RegExp(`^(?:${goRegexToJs(regex)})$`, 's');
    const out = input.map((s) => {
      const m = re.exec(s.labels[src] ?? '');
      if (m === null) return s;
      const value = expandTemplate(repl, m);
      const labels: Labels = { ...s.labels };
      if (value === '') delete labels[dst];
      else labels[dst] = value;
      return { ...s, labels };
    });
    return this.dedupe(out);
  }

  private async histogramQuantile(args: Expr[], ctx: Ctx): Promise<StepSeries[]> {
    const n = ctx.times.length;
    const q = await this.scalarArg(args[0] as Expr, ctx);
    const input = await this.vectorArg(args[1] as Expr, ctx);
    const groups = new Map<string, { labels: Labels; members: { series: StepSeries; upper: number }[] }>();
    for (const s of input) {
      const upper = parseGoFloat(s.labels.le ?? '');
      if (upper === null) continue;
      const labels: Labels = {};
      for (const [k, v] of Object.entries(s.labels)) if (k !== '__name__' && k !== 'le') labels[k] = v;
      const key = seriesKey(labels);
      let g = groups.get(key);
      if (g === undefined) {
        g = { labels, members: [] };
        groups.set(key, g);
      }
      g.members.push({ series: s, upper });
    }
    const out: StepSeries[] = [];
    for (const g of groups.values()) {
      const s = newSeries(g.labels, n);
      for (let i = 0; i < n; i++) {
        const buckets: Bucket[] = [];
        for (const m of g.members)
          if (m.series.present[i] === 1) buckets.push({ upperBound: m.upper, count: m.series.values[i] as number });
        if (buckets.length === 0) continue;
        s.values[i] = bucketQuantile(q[i] as number, buckets);
        s.present[i] = 1;
      }
      out.push(s);
    }
    return out;
  }

  private async aggregate(
    op: AggregateOp,
    grouping: string[],
    without: boolean,
    paramExpr: Expr | undefined,
    expr: Expr,
    ctx: Ctx,
  ): Promise<Value> {
    const n = ctx.times.length;
    const param = paramExpr === undefined ? undefined : await this.scalarArg(paramExpr, ctx);
    const input = await this.vectorArg(expr, ctx);
    const groups = new Map<string, { labels: Labels; members: StepSeries[] }>();
    const drop = new Set(grouping);
    for (const s of input) {
      const labels: Labels = {};
      if (without) {
        for (const [k, v] of Object.entries(s.labels)) if (k !== '__name__' && !drop.has(k)) labels[k] = v;
      } else {
        for (const k of grouping) {
          const v = s.labels[k];
          if (v !== undefined && v !== '') labels[k] = v;
        }
      }
      const key = seriesKey(labels);
      let g = groups.get(key);
      if (g === undefined) {
        g = { labels, members: [] };
        groups.set(key, g);
      }
      g.members.push(s);
    }
    const out: StepSeries[] = [];
    if (op === 'topk' || op === 'bottomk') {
      const outOf = new Map<StepSeries, StepSeries>();
      const sign = op === 'topk' ? 1 : -1;
      // `better(a, b)`: a ranks before b; NaN ranks last, as in Prometheus' heaps.
      const better = (a: number, b: number) => (Number.isNaN(b) ? !Number.isNaN(a) : sign * (a - b) > 0);
      const best: StepSeries[] = [];
      for (const g of groups.values()) {
        this.check(ctx);
        for (let i = 0; i < n; i++) {
          const kf = (param as Float64Array)[i] as number;
          if (!(Math.abs(kf) < 2 ** 63)) throw execError(`Scalar value ${kf} overflows int64`);
          const k = Math.trunc(kf);
          if (k < 1) continue;
          best.length = 0;
          for (const s of g.members) {
            if (s.present[i] !== 1) continue;
            const v = s.values[i] as number;
            if (best.length === k && !better(v, (best[k - 1] as StepSeries).values[i] as number)) continue;
            let at = best.length === k ? k - 1 : best.length;
            while (at > 0 && better(v, (best[at - 1] as StepSeries).values[i] as number)) {
              best[at] = best[at - 1] as StepSeries;
              at--;
            }
            best[at] = s;
          }
          for (const s of best) {
            let o = outOf.get(s);
            if (o === undefined) {
              o = newSeries(s.labels, n);
              outOf.set(s, o);
              out.push(o);
            }
            o.values[i] = s.values[i] as number;
            o.present[i] = 1;
          }
        }
      }
      return { kind: 'vector', series: out };
    }
    for (const g of groups.values()) {
      this.check(ctx);
      const s = newSeries(g.labels, n);
      const scratch: number[] = [];
      for (let i = 0; i < n; i++) {
        let count = 0;
        let value = 0;
        let mean = 0;
        scratch.length = 0;
        for (const m of g.members) {
          if (m.present[i] !== 1) continue;
          const v = m.values[i] as number;
          count++;
          if (count === 1) {
            value = op === 'stddev' || op === 'stdvar' ? 0 : op === 'group' ? 1 : v;
            mean = v;
            if (op === 'quantile') scratch.push(v);
            continue;
          }
          switch (op) {
            case 'sum':
              value += v;
              break;
            case 'avg':
              if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
                if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) break;
                if (Number.isFinite(v)) break;
              }
              mean += v / count - mean / count;
              break;
            case 'max':
              if (value < v || Number.isNaN(value)) value = v;
              break;
            case 'min':
              if (value > v || Number.isNaN(value)) value = v;
              break;
            case 'stddev':
            case 'stdvar': {
              const delta = v - mean;
              mean += delta / count;
              value += delta * (v - mean);
              break;
            }
            case 'quantile':
              scratch.push(v);
              break;
            default:
              break;
          }
        }
        if (count === 0) continue;
        let result: number;
        switch (op) {
          case 'avg':
            result = mean;
            break;
          case 'count':
            result = count;
            break;
          case 'stdvar':
            result = value / count;
            break;
          case 'stddev':
            result = Math.sqrt(value / count);
            break;
          case 'quantile':
            result = quantile((param as Float64Array)[i] as number, scratch);
            break;
          default:
            result = value;
        }
        s.values[i] = result;
        s.present[i] = 1;
      }
      out.push(s);
    }
    return { kind: 'vector', series: out };
  }

  private binary(op: BinaryOp, bool: boolean, matching: VectorMatching | undefined, lhs: Value, rhs: Value, ctx: Ctx): Value {
    const n = ctx.times.length;
    if (lhs.kind === 'string' || rhs.kind === 'string') throw execError('binary expression on a string');
    if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const [v, keep] = elemOp(op, lhs.values[i] as number, rhs.values[i] as number);
        values[i] = isComparison(op) ? (keep ? 1 : 0) : v;
      }
      return { kind: 'scalar', values };
    }
    if (lhs.kind === 'vector' && rhs.kind === 'vector') {
      return { kind: 'vector', series: this.vectorBinary(op, bool, matching as VectorMatching, lhs.series, rhs.series, n) };
    }
    const swap = lhs.kind === 'scalar';
    const vec = (swap ? rhs : lhs) as { kind: 'vector'; series: StepSeries[] };
    const scalar = ((swap ? lhs : rhs) as { kind: 'scalar'; values: Float64Array }).values;
    const dropName = !isComparison(op) || bool;
    const out = vec.series.map((s) => {
      const o = newSeries(dropName ? dropMetricName(s.labels) : s.labels, n);
      for (let i = 0; i < n; i++) {
        if (s.present[i] !== 1) continue;
        const sv = s.values[i] as number;
        const x = scalar[i] as number;
        let [v, keep] = swap ? elemOp(op, x, sv) : elemOp(op, sv, x);
        if (isComparison(op) && swap) v = sv;
        if (bool) {
          v = keep ? 1 : 0;
          keep = true;
        }
        if (!keep) continue;
        o.values[i] = v;
        o.present[i] = 1;
      }
      return o;
    });
    return { kind: 'vector', series: this.dedupe(out) };
  }

  private vectorBinary(
    op: BinaryOp,
    bool: boolean,
    matching: VectorMatching,
    lhsIn: StepSeries[],
    rhsIn: StepSeries[],
    n: number,
  ): StepSeries[] {
    const sig = (l: Labels): string => {
      const picked: Labels = {};
      if (matching.on) {
        for (const k of matching.labels) if (l[k] !== undefined) picked[k] = l[k];
      } else {
        for (const [k, v] of Object.entries(l)) if (k !== '__name__' && !matching.labels.includes(k)) picked[k] = v;
      }
      return seriesKey(picked);
    };
    const lsig = lhsIn.map((s) => sig(s.labels));
    const rsig = rhsIn.map((s) => sig(s.labels));
    if (op === 'and' || op === 'or' || op === 'unless') return this.setOp(op, lhsIn, rhsIn, lsig, rsig, n);
    const oneToMany = matching.card === 'one-to-many';
    const many = oneToMany ? rhsIn : lhsIn;
    const one = oneToMany ? lhsIn : rhsIn;
    const manySig = oneToMany ? rsig : lsig;
    const oneSig = oneToMany ? lsig : rsig;
    const dropName = !isComparison(op) || bool;
    const outByKey = new Map<string, StepSeries>();
    const pairLabels = new Map<string, { labels: Labels; key: string }>();
    const oneBySig = new Map<string, number>();
    const matched = new Map<string, Set<string> | null>();
    for (let i = 0; i < n; i++) {
      oneBySig.clear();
      matched.clear();
      for (let j = 0; j < one.length; j++) {
        const s = one[j] as StepSeries;
        if (s.present[i] !== 1) continue;
        const key = oneSig[j] as string;
        const dup = oneBySig.get(key);
        if (dup !== undefined) {
          const side = oneToMany ? 'left' : 'right';
          throw execError(
            `found duplicate series for the match group ${matchGroup(s.labels, matching)} on the ${side} hand-side of the operation: [${seriesKey(s.labels)}, ${seriesKey((one[dup] as StepSeries).labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
          );
        }
        oneBySig.set(key, j);
      }
      for (let j = 0; j < many.length; j++) {
        const ms = many[j] as StepSeries;
        if (ms.present[i] !== 1) continue;
        const key = manySig[j] as string;
        const oi = oneBySig.get(key);
        if (oi === undefined) continue;
        const os = one[oi] as StepSeries;
        let vl = ms.values[i] as number;
        let vr = os.values[i] as number;
        if (oneToMany) [vl, vr] = [vr, vl];
        let [value, keep] = elemOp(op, vl, vr);
        if (bool) {
          value = keep ? 1 : 0;
          keep = true;
        }
        if (!keep) continue;
        const pairKey = `${j}\u0000${oi}`;
        let res = pairLabels.get(pairKey);
        if (res === undefined) {
          const labels = resultLabels(ms.labels, os.labels, matching, dropName);
          res = { labels, key: seriesKey(labels) };
          pairLabels.set(pairKey, res);
        }
        const seen = matched.get(key);
        if (matching.card === 'one-to-one') {
          if (seen !== undefined)
            throw execError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
          matched.set(key, null);
        } else {
          let set = seen;
          if (set === undefined || set === null) {
            set = new Set();
            matched.set(key, set);
          } else if (set.has(res.key)) throw execError('multiple matches for labels: grouping labels must ensure unique matches');
          set.add(res.key);
        }
        let o = outByKey.get(res.key);
        if (o === undefined) {
          o = newSeries(res.labels, n);
          outByKey.set(res.key, o);
        }
        if (o.present[i] === 1) throw execError('vector cannot contain metrics with the same labelset');
        o.values[i] = value;
        o.present[i] = 1;
      }
    }
    return [...outByKey.values()];
  }

  private setOp(
    op: 'and' | 'or' | 'unless',
    lhs: StepSeries[],
    rhs: StepSeries[],
    lsig: string[],
    rsig: string[],
    n: number,
  ): StepSeries[] {
    const out: StepSeries[] = [];
    const sigsAt = (side: StepSeries[], sigs: string[], i: number): Set<string> => {
      const set = new Set<string>();
      side.forEach((s, j) => {
        if (s.present[i] === 1) set.add(sigs[j] as string);
      });
      return set;
    };
    const rightAt: Set<string>[] = [];
    const leftAt: Set<string>[] = [];
    for (let i = 0; i < n; i++) {
      rightAt.push(sigsAt(rhs, rsig, i));
      leftAt.push(sigsAt(lhs, lsig, i));
    }
    lhs.forEach((s, j) => {
      const o = newSeries(s.labels, n);
      for (let i = 0; i < n; i++) {
        if (s.present[i] !== 1) continue;
        const inRight = (rightAt[i] as Set<string>).has(lsig[j] as string);
        if ((op === 'and' && !inRight) || (op === 'unless' && inRight)) continue;
        o.values[i] = s.values[i] as number;
        o.present[i] = 1;
      }
      out.push(o);
    });
    if (op === 'or') {
      rhs.forEach((s, j) => {
        const o = newSeries(s.labels, n);
        for (let i = 0; i < n; i++) {
          if (s.present[i] !== 1 || (leftAt[i] as Set<string>).has(rsig[j] as string)) continue;
          o.values[i] = s.values[i] as number;
          o.present[i] = 1;
        }
        out.push(o);
      });
    }
    return this.dedupe(out.filter((s) => s.present.includes(1)));
  }
}

function matchGroup(l: Labels, m: VectorMatching): string {
  const picked: Labels = {};
  for (const [k, v] of Object.entries(l)) {
    if (m.on ? m.labels.includes(k) : k !== '__name__' && !m.labels.includes(k)) picked[k] = v;
  }
  return seriesKey(picked);
}

function resultLabels(many: Labels, one: Labels, m: VectorMatching, dropName: boolean): Labels {
  let out: Labels = { ...many };
  if (dropName) delete out.__name__;
  if (m.card === 'one-to-one') {
    if (m.on) {
      const kept: Labels = {};
      for (const k of m.labels) if (out[k] !== undefined) kept[k] = out[k];
      out = kept;
    } else for (const k of m.labels) delete out[k];
  }
  for (const k of m.include) {
    const v = one[k];
    if (v !== undefined && v !== '') out[k] = v;
    else delete out[k];
  }
  return out;
}

function elemOp(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+':
      return [l + r, true];
    case '-':
      return [l - r, true];
    case '*':
      return [l * r, true];
    case '/':
      return [l / r, true];
    case '%':
      return [l % r, true];
    case '^':
      return [goPow(l, r), true];
    case 'atan2':
      return [Math.atan2(l, r), true];
    case '==':
      return [l, l === r];
    case '!=':
      return [l, l !== r];
    case '>':
      return [l, l > r];
    case '<':
      return [l, l < r];
    case '>=':
      return [l, l >= r];
    case '<=':
      return [l, l <= r];
    default:
      throw execError(`operator "${op}" not allowed here`);
  }
}
