import { describe, expect, it } from 'vitest';
import { type Anomaly, jsonFloatReplacer, jsonFloatReviver, type Labels, seriesKey } from '../core/index.js';
import { columnLabels } from './host-columns.js';
import { coreSource, hostSource } from './host-features.js';
import { HostModel, type HostModelState } from './host-model.js';
import { combineHostScore, HOST_SCORE_METRIC, hostScoreSeries } from './host-score.js';
import { type SyntheticHost, syntheticHost } from './host-synthetic.js';
import { HostTracker } from './host-tracker.js';
import { DetectionShard, type ShardPushOptions } from './shard.js';

const MIN = 60_000;
const DAY = 1440;
const T0 = Date.UTC(2026, 0, 5);

function labelsOf(h: SyntheticHost, host = 'web-1'): Labels[] {
  return h.names.map((n) => ({ ...columnLabels(n), host }));
}

/** Pushes rows [from, to) of a synthetic host one row at a time, as an agent does; returns host scores per row and anomalies. */
function run(shard: DetectionShard, h: SyntheticHost, from: number, to: number, opts: ShardPushOptions = {}) {
  const labels = labelsOf(h);
  const keys = labels.map(seriesKey);
  const host: number[] = [];
  const perSeries: number[] = [];
  const anomalies: Anomaly[] = [];
  for (let i = from; i < to; i++) {
    const items = labels.map((l, k) => ({
      series: keys[k] as string,
      labels: l,
      timestamps: [h.t[i] as number],
      values: [h.values[k]?.[i] as number],
    }));
    const r = shard.push('default', items, { closeRows: true, ...opts });
    host.push(r.hosts[0]?.scores[0] ?? 0);
    perSeries.push(Math.max(...r.scores.map((s) => s.scores[0] as number)));
    anomalies.push(...r.anomalies);
  }
  return { host, perSeries, anomalies };
}

const multivariate = (a: Anomaly) => a.detectors.includes('multivariate');

describe('per-host multivariate model', () => {
  it('catches CPU and load carrying on while the network drops, each within its own range, which no series shows', () => {
    const from = 7 * DAY + 600;
    const h = syntheticHost({
      start: T0,
      stepMs: MIN,
      rows: 8 * DAY,
      seed: 1,
      decouple: { from, to: from + 60, factor: 0.3, rampRows: 20 },
    });
    const shard = new DetectionShard();
    const r = run(shard, h, 0, 8 * DAY);
    // The network ramps down over 20 rows, stays down 40, ramps back over 20.
    const during = (xs: number[]) => Math.max(...xs.slice(from, from + 80));
    expect(during(r.host)).toBeGreaterThanOrEqual(0.85);
    expect(during(r.perSeries)).toBeLessThan(0.65);
    const rxIdx = h.names.findIndex((n) => n.startsWith('node_network_receive'));
    // The dropped network stays inside the range the series itself has shown (so it is no per-series anomaly).
    const rates = (h.values[rxIdx] as number[]).map((v, i, a) => (i === 0 ? Number.NaN : (v - (a[i - 1] as number)) / 60));
    const before = rates.slice(1, from).filter(Number.isFinite);
    expect(Math.min(...rates.slice(from, from + 80))).toBeGreaterThan(Math.min(...before));
    const caught = r.anomalies.filter(multivariate);
    expect(caught.length).toBeGreaterThanOrEqual(1);
    expect(caught.length).toBeLessThanOrEqual(3);
    const first = caught[0] as Anomaly;
    expect(first.t).toBeGreaterThanOrEqual(h.t[from] as number);
    expect(first.t).toBeLessThanOrEqual(h.t[from + 20] as number);
    expect(first.labels).toEqual({ __name__: HOST_SCORE_METRIC, host: 'web-1' });
    expect(first.series).toBe(seriesKey(first.labels));
    expect(first.reason).toMatch(/^unusual combination of signals: /);
    // The combination is named: what is off, and the network it does not go with.
    expect(first.reason).toMatch(/(cpu_busy_ratio|load1) [\d.]+ is high for network_(receive|transmit)_bytes_rate/);
    expect(first.reason).toMatch(/ is (high|low) for /);
    expect(first.reason).toMatch(/given the other signals/);
  });

  it.each([1, 2, 3])('gives no alert-level host score on 8 days of normal diurnal multi-signal data (seed %i)', (seed) => {
    const h = syntheticHost({ start: T0, stepMs: MIN, rows: 8 * DAY, seed });
    const shard = new DetectionShard();
    const r = run(shard, h, 0, 8 * DAY);
    expect(Math.max(...r.host.slice(DAY))).toBeLessThan(0.65);
    expect(r.anomalies.filter(multivariate)).toEqual([]);
    const [info] = shard.hostList('default');
    expect(info?.learning).toBe(false);
    expect(info?.active).toEqual([
      'cpu_busy_ratio',
      'load1',
      'memory_available_bytes',
      'network_receive_bytes_rate',
      'network_transmit_bytes_rate',
      'disk_written_bytes_rate',
    ]);
  });

  it('says it is learning for the first 24 h and never pages then', () => {
    const from = 600;
    const h = syntheticHost({ start: T0, stepMs: MIN, rows: 900, seed: 4, decouple: { from, to: from + 60, factor: 0.2, rampRows: 5 } });
    const shard = new DetectionShard();
    const r = run(shard, h, 0, 900);
    expect(r.anomalies).toEqual([]);
    const [info] = shard.hostList('default');
    expect(info?.learning).toBe(true);
    expect(info?.text).toBe('learning: 14 h of 24 h');
  });

  it('restores from saved state (through the JSON state file format) and scores identically afterwards', () => {
    const h = syntheticHost({
      start: T0,
      stepMs: MIN,
      rows: 4 * DAY,
      seed: 5,
      decouple: { from: 3 * DAY + 700, to: 3 * DAY + 760, factor: 0.3, rampRows: 10 },
    });
    const a = new DetectionShard();
    run(a, h, 0, 2 * DAY + 17);
    const file = JSON.stringify({ models: a.save(), hosts: a.saveHosts() }, jsonFloatReplacer);
    const saved = JSON.parse(file, jsonFloatReviver) as {
      models: ReturnType<DetectionShard['save']>;
      hosts: ReturnType<DetectionShard['saveHosts']>;
    };
    const b = new DetectionShard();
    b.restore(saved.models, saved.hosts);
    const ra = run(a, h, 2 * DAY + 17, 4 * DAY);
    const rb = run(b, h, 2 * DAY + 17, 4 * DAY);
    // The first row after a restart has no counter rates yet (they need two samples): from the second one on, identical.
    expect(rb.host.slice(1)).toEqual(ra.host.slice(1));
    expect(Math.max(...ra.host)).toBeGreaterThanOrEqual(0.65);
    expect(rb.anomalies.map((x) => [x.series, x.t, x.score])).toEqual(ra.anomalies.map((x) => [x.series, x.t, x.score]));
  });

  it('restores a model from its state (plain data) and scores rows identically', () => {
    const h = syntheticHost({ start: T0, stepMs: MIN, rows: 3 * DAY, seed: 6 });
    const rows = h.t.map((_, i) => h.values.map((col) => col[i] as number));
    const a = new HostModel();
    for (const n of h.names) a.addFeature(n);
    for (let i = 0; i < 2 * DAY; i++) a.update(h.t[i] as number, rows[i] as number[]);
    const state: HostModelState = JSON.parse(JSON.stringify(a.save(), jsonFloatReplacer), jsonFloatReviver);
    const b = new HostModel({ state });
    for (let i = 2 * DAY; i < 3 * DAY; i++)
      expect(b.update(h.t[i] as number, rows[i] as number[])).toEqual(a.update(h.t[i] as number, rows[i] as number[]));
  });

  it('never trains on rows inside maintenance windows or excluded by exclude(host, t)', () => {
    const h = syntheticHost({ start: T0, stepMs: MIN, rows: 4 * DAY, seed: 7 });
    // Inside the window the network is cut to a fifth for six hours: scored, never learnt, never paged.
    const from = 3 * DAY;
    const to = from + 360;
    const cut = syntheticHost({ start: T0, stepMs: MIN, rows: 4 * DAY, seed: 7, decouple: { from, to, factor: 0.2, rampRows: 1 } });
    const inWindow = (host: string, t: number) => host === 'web-1' && t >= (h.t[from] as number) && t < (h.t[to] as number);
    const shard = new DetectionShard();
    run(shard, h, 0, from);
    const before = shard.hostList('default')[0];
    const r = run(shard, cut, from, to, { excludeHost: inWindow });
    expect(r.anomalies.filter(multivariate)).toEqual([]);
    expect(Math.max(...r.host)).toBeGreaterThanOrEqual(0.65);
    const after = shard.hostList('default')[0];
    expect(after?.samples).toBe(before?.samples);
    expect(after?.windowRows).toBe(before?.windowRows);

    // The same six hours learnt from: the model absorbs the new combination and stops scoring it high.
    const learnt = new DetectionShard();
    run(learnt, h, 0, from);
    const l = run(learnt, cut, from, to);
    expect(learnt.hostList('default')[0]?.samples).toBe((before?.samples ?? 0) + 360);
    expect(Math.max(...l.host.slice(-30))).toBeLessThan(Math.max(...r.host.slice(-30)));
  });

  it('keeps the window bounded: thinned to at most maxRows over a long run', () => {
    const h = syntheticHost({ start: T0, stepMs: MIN, rows: 6 * DAY, seed: 8 });
    const m = new HostModel({ settings: { maxRows: 128 } });
    for (const n of h.names) m.addFeature(n);
    let most = 0;
    for (let i = 0; i < 6 * DAY; i++) {
      m.update(
        h.t[i] as number,
        h.values.map((c) => c[i] as number),
      );
      most = Math.max(most, m.describe().windowRows);
    }
    expect(most).toBeLessThanOrEqual(128);
    expect(m.describe().windowRows).toBeGreaterThan(32);
    expect(m.save().rowT.at(-1)! - m.save().rowT[0]!).toBeGreaterThan(2 * 86_400_000);
  });

  it('scores a row with a missing feature from the others (imputed) and ignores rows out of order', () => {
    const h = syntheticHost({ start: T0, stepMs: MIN, rows: 2 * DAY, seed: 9 });
    const m = new HostModel();
    for (const n of h.names) m.addFeature(n);
    for (let i = 0; i < 2 * DAY - 1; i++)
      m.update(
        h.t[i] as number,
        h.values.map((c) => c[i] as number),
      );
    const last = 2 * DAY - 1;
    const row = h.values.map((c) => c[last] as number);
    row[3] = Number.NaN;
    const r = m.update(h.t[last] as number, row);
    expect(Number.isFinite(r.score)).toBe(true);
    expect(m.update(h.t[0] as number, row).score).toBe(0);
  });
});

describe('host rows', () => {
  it('turns counters into rates, closes a row when the next starts, and carries a missed source forward', () => {
    const tr = new HostTracker({ mode: 'core', decades: 7 });
    const l = (name: string, extra: Labels = {}): Labels => ({ __name__: name, host: 'h', ...extra });
    const series = [
      l('node_network_receive_bytes_total', { device: 'eth0' }),
      l('node_network_receive_bytes_total', { device: 'eth1' }),
      l('node_load1'),
      l('node_uname_info'),
    ];
    const slots = series.map((s) => tr.attach(seriesKey(s), s));
    expect(slots[3]).toBe(-1);
    expect(tr.attach(seriesKey(series[0] as Labels), series[0] as Labels)).toBe(slots[0]);
    const obs = (t: number, values: number[]) =>
      values.forEach((v, k) => {
        if (!Number.isNaN(v)) tr.observe(slots[k] as number, t, v, 0.1 * k, false);
      });
    obs(0, [0, 0, 1, 1]);
    expect(tr.close(false)).toEqual([]);
    obs(10_000, [1000, 500, 2, 1]);
    const rows = tr.close(false);
    // The first row closed when the second started; the second is as complete as the first, so it closed too.
    expect(rows.map((r) => r.t)).toEqual([0, 10_000]);
    expect(rows[1]?.seriesCount).toBe(4);
    expect(rows[1]?.seriesMax).toBeCloseTo(0.3);
    const state = tr.model.save();
    expect(state.names).toEqual(['network_receive_bytes_rate', 'load1']);
    expect(state.rows.slice(-2)).toEqual([150, 2]);
    // eth1 misses a row: its last rate is carried forward into the sum.
    obs(20_000, [3000, Number.NaN, 3, 1]);
    tr.close(true);
    expect(tr.model.save().rows.slice(-2)).toEqual([250, 3]);
  });

  it('maps node_exporter and agent series to the core features', () => {
    expect(coreSource({ __name__: 'node_cpu_seconds_total', cpu: '0', mode: 'idle' })).toMatchObject({
      feature: 'cpu_busy_ratio',
      role: 'den',
      rate: true,
    });
    expect(coreSource({ __name__: 'vigil_cpu_seconds_total', mode: 'system' })).toMatchObject({ feature: 'cpu_busy_ratio', role: 'num' });
    expect(coreSource({ __name__: 'node_network_transmit_bytes_total', device: 'lo' })).toBeNull();
    expect(coreSource({ __name__: 'node_disk_read_bytes_total', device: 'sda' })).toMatchObject({
      feature: 'disk_read_bytes_rate',
      rate: true,
    });
    expect(coreSource({ __name__: 'node_memory_MemAvailable_bytes' })).toMatchObject({ feature: 'memory_available_bytes', rate: false });
    expect(hostSource({ __name__: 'app_requests_total' }, 'core')).toBeNull();
    expect(hostSource({ __name__: 'app_requests_total' }, 'every-series')).toMatchObject({ feature: 'app_requests_total{}', rate: true });
  });

  it('combines per-series and multivariate evidence into one calibrated host score', () => {
    // One series at 0.9 among 100 is as rare as one at 0.9 − 2/7 alone; two families cost log10(2)/7.
    expect(combineHostScore(0.9, 100, null, 7)).toBeCloseTo(0.9 - 2 / 7);
    expect(combineHostScore(0.9, 100, 0.95, 7)).toBeCloseTo(0.95 - Math.log10(2) / 7);
    expect(combineHostScore(0.1, 100, 0, 7)).toBe(0);
    expect(hostScoreSeries([{ host: 'a', timestamps: [1], scores: [0.5], learning: false }])).toEqual([
      { labels: { __name__: HOST_SCORE_METRIC, host: 'a' }, timestamps: [1], values: [0.5] },
    ]);
  });
});
