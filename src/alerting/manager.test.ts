import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Anomaly, FakeClock, seriesKey, silentLogger } from '../core/index.js';
import { type AlertingConfigInput, alertingConfigSchema } from './config.js';
import { AlertManager } from './manager.js';
import { HttpReceiver } from './testing/http-receiver.js';
import { MemoryQuerier } from './testing/memory-querier.js';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const S = 1000;
const M = 60_000;

function anomaly(host: string, metric: string, over: Partial<Anomaly> = {}): Anomaly {
  const labels = { __name__: metric, host };
  return {
    tenant: 'default',
    series: seriesKey(labels),
    labels,
    t: T0,
    value: 97,
    score: 0.99,
    severity: 'critical',
    expected: [20, 35],
    detectors: ['spike'],
    reason: `${metric} 97 is far above the expected 20–35`,
    ...over,
  };
}

interface Body {
  id: string;
  kind: string;
  status: string;
  title: string;
  incidentId: string;
  items: Array<{ what: string; where: string; actual: string; expected: string; deviation: string; active: boolean }>;
}

describe('AlertManager', () => {
  let dir: string;
  let clock: FakeClock;
  let rx: HttpReceiver;
  let url: string;
  let querier: MemoryQuerier;
  const feedbackCalls: unknown[][] = [];
  let managers: AlertManager[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-alerting-'));
    clock = new FakeClock(T0);
    rx = new HttpReceiver();
    url = await rx.start();
    querier = new MemoryQuerier();
    feedbackCalls.length = 0;
    managers = [];
  });
  afterEach(async () => {
    for (const m of managers) await m.stop().catch(() => undefined);
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function make(cfg: AlertingConfigInput = {}): AlertManager {
    const config = alertingConfigSchema.parse({
      allowPrivateTargets: true,
      channels: [{ id: 'hook', type: 'webhook', url: `${url}/hook`, secret: 'webhook-secret-1' }],
      ...cfg,
    });
    const m = new AlertManager({
      dataDir: dir,
      logger: silentLogger(),
      clock,
      publicUrl: 'http://vigil.test:9470/',
      querier,
      config,
      feedback: async (...args) => {
        feedbackCalls.push(args);
      },
    });
    managers.push(m);
    return m;
  }

  const bodies = (): Body[] => rx.accepted().map((r) => JSON.parse(r.body) as Body);

  /** Moves the fake clock, runs one evaluation and delivers what is due. */
  async function step(m: AlertManager, ms: number): Promise<void> {
    clock.advance(ms);
    await m.tick();
    await m.flushOutbox();
  }

  it('ships the default rules enabled', () => {
    const m = make();
    const names = m.listRules('default').map((r) => `${r.name}:${r.type}:${r.enabled}:${r.source}`);
    expect(names).toEqual([
      'host-down:absence:true:default',
      'high-severity-anomaly:anomaly:true:default',
      'disk-full-24h:forecast:true:default',
      'memory-exhausted-6h:forecast:true:default',
    ]);
    expect(
      make({ disableRules: ['host-down'] })
        .listRules('default')
        .map((r) => r.name),
    ).not.toContain('host-down');
  });

  it('anomaly → firing incident, notified after group wait with the why, resolved after quiet time', async () => {
    const m = make();
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    expect(m.listAlerts('default', 'firing')).toHaveLength(1);
    await step(m, 29 * S);
    expect(rx.accepted()).toHaveLength(0); // group wait 30 s
    await step(m, 1 * S);
    expect(bodies().map((b) => b.kind)).toEqual(['firing']);
    const b = bodies()[0]!;
    expect(b.title).toContain('web-1: node_load1 anomalous');
    expect(b.items[0]).toMatchObject({ what: 'node_load1', where: 'web-1', actual: '97', expected: '20 – 35' });
    expect(b.items[0]?.deviation).toContain('above the expected upper bound');
    expect(rx.accepted()[0]?.headers['x-vigil-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const inc = m.getIncident('default', b.incidentId);
    expect(inc.status).toBe('open');
    // Quiet for keepFiringFor (5 m): the alert and the incident resolve; the resolution goes out after group interval.
    await step(m, 5 * M);
    expect(m.getIncident('default', b.incidentId).status).toBe('resolved');
    expect(bodies().map((x) => x.kind)).toEqual(['firing', 'resolved']);
    expect(bodies()[1]?.status).toBe('resolved');
  });

  it('tells subscribers about alert and incident changes', () => {
    const m = make();
    const events: string[] = [];
    const off = m.subscribe((e) => events.push(e.type === 'alert' ? `alert:${e.alert.state}` : `incident:${e.change}`));
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    m.onAnomaly(anomaly('web-1', 'node_memory_used_bytes'));
    const [inc] = m.listIncidents('default');
    m.ack('default', inc!.id, 'alice');
    m.resolve('default', inc!.id, 'alice');
    off();
    m.onAnomaly(anomaly('web-2', 'node_load1'));
    expect(events).toEqual([
      'alert:pending',
      'alert:firing',
      'incident:opened',
      'alert:pending',
      'alert:firing',
      'incident:updated',
      'incident:acked',
      'alert:resolved',
      'alert:resolved',
      'incident:resolved',
    ]);
  });

  it('anomaly rules scoped per host make one alert per host', () => {
    const m = make({ defaultRules: false, rules: [{ name: 'host-anomaly', type: 'anomaly', scope: 'host' }] });
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    m.onAnomaly(anomaly('web-1', 'node_memory_used_bytes', { score: 0.995, detectors: ['level_shift'] }));
    m.onAnomaly(anomaly('web-2', 'node_load1'));
    const alerts = m.listAlerts('default', 'firing');
    expect(alerts.map((a) => a.key).sort()).toEqual(['host=web-1', 'host=web-2']);
    expect(alerts.find((a) => a.key === 'host=web-1')).toMatchObject({
      labels: { host: 'web-1' },
      score: 0.995,
      detectors: ['spike', 'level_shift'],
    });
  });

  it('ignores anomalies below the rule minimums', () => {
    const m = make();
    m.onAnomaly(anomaly('web-1', 'node_load1', { score: 0.5 }));
    m.onAnomaly(anomaly('web-1', 'node_load1', { severity: 'warning' }));
    expect(m.listAlerts('default')).toHaveLength(0);
  });

  it('threshold rule: pending for `for`, firing, hysteresis via clear, keepFiringFor', async () => {
    const m = make({
      defaultRules: false,
      groupWait: 0,
      rules: [{ name: 'load-high', type: 'threshold', match: 'node_load1', op: '>', value: 10, clear: 8, for: '1m', keepFiringFor: '30s' }],
    });
    const labels = { __name__: 'node_load1', host: 'db-1' };
    const at = (dt: number, v: number) => querier.add('default', labels, clock.now() + dt, v);
    at(0, 12);
    await step(m, 0);
    expect(m.listAlerts('default', 'pending')).toHaveLength(1);
    at(15 * S, 12);
    await step(m, 15 * S);
    at(45 * S, 12);
    await step(m, 45 * S);
    expect(m.listAlerts('default', 'firing')).toHaveLength(1);
    expect(bodies()).toHaveLength(1);
    // 9 is below 10 but above clear=8: still firing (value hysteresis).
    at(15 * S, 9);
    await step(m, 15 * S);
    expect(m.listAlerts('default', 'firing')).toHaveLength(1);
    // Below clear, but keepFiringFor 30 s has not passed since the condition last held.
    at(15 * S, 5);
    await step(m, 15 * S);
    expect(m.listAlerts('default', 'firing')).toHaveLength(1);
    at(15 * S, 5);
    await step(m, 15 * S);
    expect(m.listAlerts('default', 'firing')).toHaveLength(0);
    const [first] = bodies();
    expect(first?.items[0]).toMatchObject({ what: 'node_load1', actual: '12', expected: 'expected ≤ 10' });
  });

  it('threshold: a condition that clears before `for` never fires', async () => {
    const m = make({ defaultRules: false, rules: [{ name: 'r', type: 'threshold', match: 'x', op: '>', value: 1, for: '5m' }] });
    querier.add('default', { __name__: 'x', host: 'a' }, clock.now(), 5);
    await step(m, 0);
    querier.add('default', { __name__: 'x', host: 'a' }, clock.now() + M, 0);
    await step(m, M);
    expect(m.listAlerts('default', 'resolved')[0]?.firedAt).toBeNull();
    expect(m.listIncidents('default')).toHaveLength(0);
  });

  it('absence rule (host down): no data for N intervals fires, data again resolves', async () => {
    const m = make({ groupWait: 0 });
    const load = { __name__: 'node_load1', host: 'web-9' };
    querier.add('default', load, clock.now(), 1);
    querier.add('default', { __name__: 'node_load1', host: 'web-8' }, clock.now(), 1);
    await step(m, 30 * S);
    expect(m.listAlerts('default', 'firing')).toHaveLength(0);
    querier.add('default', { __name__: 'node_load1', host: 'web-8' }, clock.now() + 30 * S, 1);
    await step(m, 31 * S); // web-9 silent 61 s > 4 × 15 s
    const firing = m.listAlerts('default', 'firing');
    expect(firing.map((a) => a.labels.host)).toEqual(['web-9']);
    expect(firing[0]?.reason).toContain('no data from host=web-9 for 1m 1s');
    expect(bodies()[0]?.title).toBe('web-9: host sends no data');
    querier.add('default', load, clock.now(), 1);
    await step(m, S);
    expect(m.listAlerts('default', 'firing')).toHaveLength(0);
  });

  it('absence rule: silence that began while Vigil was down gets a grace period after start', async () => {
    querier.add('default', { __name__: 'node_load1', host: 'web-5' }, clock.now() - 10 * M, 1);
    const m = make({ groupWait: 0 });
    await step(m, 0);
    await step(m, 59 * S);
    expect(m.listAlerts('default', 'firing')).toHaveLength(0);
    await step(m, 2 * S);
    const [a] = m.listAlerts('default', 'firing');
    expect(a?.reason).toContain('no data from host=web-5 for 11m 1s');
  });

  it('forecast rule: fires when the limit is crossed within the horizon with enough probability', () => {
    const m = make();
    const labels = { __name__: 'node_filesystem_avail_bytes', host: 'db-3', mountpoint: '/var' };
    const f = {
      series: seriesKey(labels),
      labels,
      t: clock.now(),
      value: 20 * 2 ** 30,
      limit: 0,
      eta: clock.now() + 5 * 3_600_000 + 40 * M,
      etaLow: clock.now() + 4 * 3_600_000,
      etaHigh: clock.now() + 7 * 3_600_000,
      horizon: 7 * 86_400_000,
      probability: 0.95,
    };
    m.onForecast('default', { ...f, probability: 0.5 });
    expect(m.listAlerts('default')).toHaveLength(0);
    m.onForecast('default', { ...f, eta: clock.now() + 30 * 3_600_000 });
    expect(m.listAlerts('default')).toHaveLength(0);
    m.onForecast('default', f);
    const [a] = m.listAlerts('default', 'firing');
    expect(a?.rule).toBe('disk-full-24h');
    expect(a?.reason).toContain('in 5h 40m (4h – 7h), probability 95%');
    // With a probability function, the rule asks for its own horizon (24 h) instead of the forecast's (7 d).
    m.onForecast('other', { ...f, probability: 0.99, probabilityWithin: (w) => (w <= 86_400_000 ? 0.6 : 0.99) });
    expect(m.listAlerts('other')).toHaveLength(0);
    m.onForecast('other', { ...f, eta: clock.now() + 30 * 3_600_000, probabilityWithin: () => 0.85 });
    expect(m.listAlerts('other', 'firing')[0]?.reason).toContain('probability 85% within 1d');
    // Hysteresis in time: a forecast that stops crossing resolves the alert only after keepFiringFor (15 m).
    clock.advance(5 * M);
    m.onForecast('default', { ...f, t: clock.now(), eta: null, probability: 0 });
    expect(m.listAlerts('default', 'firing')).toHaveLength(1);
    clock.advance(10 * M);
    m.onForecast('default', { ...f, t: clock.now(), eta: null, probability: 0 });
    expect(m.listAlerts('default', 'firing')).toHaveLength(0);
  });

  it('survives a restart: state persisted, nothing re-notified, resolution still sent', async () => {
    const m1 = make();
    m1.onAnomaly(anomaly('web-1', 'node_load1'));
    await step(m1, 30 * S);
    expect(rx.accepted()).toHaveLength(1);
    await m1.stop();
    managers = [];

    const m2 = make();
    await step(m2, 10 * S);
    await step(m2, 30 * S);
    expect(rx.accepted()).toHaveLength(1);
    expect(m2.listAlerts('default', 'firing')).toHaveLength(1);
    m2.onAnomaly(anomaly('web-1', 'node_load1'));
    await step(m2, 0);
    expect(rx.accepted()).toHaveLength(1);
    await step(m2, 5 * M);
    expect(bodies().map((b) => b.kind)).toEqual(['firing', 'resolved']);
  });

  it('groups alerts that start together into incidents: same host, then co-starting hosts', () => {
    const m = make({ incidents: { hostWindow: '5m', coStartWindow: '1m' } });
    m.onAnomaly(anomaly('web-1', 'node_load1', { score: 0.95 }));
    clock.advance(20 * S);
    m.onAnomaly(anomaly('web-2', 'node_load1', { score: 0.99 }));
    clock.advance(3 * M);
    m.onAnomaly(anomaly('web-1', 'node_memory_used_bytes'));
    clock.advance(1 * M);
    m.onAnomaly(anomaly('db-1', 'node_load1'));
    const incs = m.listIncidents('default');
    expect(incs).toHaveLength(2);
    const big = incs.find((i) => i.members.length === 3)!;
    expect(big.hosts).toEqual(['web-1', 'web-2']);
    // Ranked by contribution: the strongest score first.
    expect(big.members[0]?.host).toBe('web-2');
    expect(big.title).toBe('web-2: node_load1 anomalous (+2 more on 2 hosts)');
  });

  it('one notification per incident, then an update when it grows (not more often than group interval)', async () => {
    const m = make({ groupWait: '10s', groupInterval: '2m' });
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    await step(m, 10 * S);
    m.onAnomaly(anomaly('web-1', 'node_memory_used_bytes'));
    await step(m, 30 * S);
    expect(bodies().map((b) => b.kind)).toEqual(['firing']);
    await step(m, 90 * S);
    expect(bodies().map((b) => b.kind)).toEqual(['firing', 'update']);
    expect(bodies()[1]?.items).toHaveLength(2);
  });

  it('an escalation from warning to critical is notified as an update', async () => {
    const m = make({
      groupWait: 0,
      groupInterval: '1m',
      rules: [{ name: 'high-severity-anomaly', type: 'anomaly', minSeverity: 'warning' }],
    });
    m.onAnomaly(anomaly('web-1', 'node_load1', { severity: 'warning' }));
    await step(m, 0);
    m.onAnomaly(anomaly('web-1', 'node_load1', { severity: 'warning' }));
    await step(m, M);
    expect(bodies().map((b) => `${b.kind}`)).toEqual(['firing']);
    m.onAnomaly(anomaly('web-1', 'node_load1', { severity: 'critical' }));
    await step(m, M);
    expect(bodies().map((b) => `${b.kind}:${(b as unknown as { severity: string }).severity}`)).toEqual([
      'firing:warning',
      'update:critical',
    ]);
  });

  it('ack stops repeats; unack resumes; resolve is a unit with who and when', async () => {
    const m = make({
      groupWait: 0,
      repeatInterval: '10m',
      rules: [{ name: 'high-severity-anomaly', type: 'anomaly', keepFiringFor: '1h' }],
    });
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    await step(m, 0);
    const id = bodies()[0]!.incidentId;
    await step(m, 10 * M);
    expect(bodies().map((b) => b.kind)).toEqual(['firing', 'repeat']);
    const started = m.listIncidents('default')[0]!.startedAt;
    expect(m.isInAcknowledgedIncident('default', 'web-1', started)).toBe(false);
    const acked = m.ack('default', id, 'alice');
    expect(acked.ack).toEqual({ by: 'alice', at: clock.now() });
    // Detection keeps an acknowledged incident's time on its hosts out of host-model training.
    expect(m.isInAcknowledgedIncident('default', 'web-1', started)).toBe(true);
    expect(m.isInAcknowledgedIncident('default', 'web-1', started - 1)).toBe(false);
    expect(m.isInAcknowledgedIncident('default', 'web-2', started)).toBe(false);
    expect(m.isInAcknowledgedIncident('other-tenant', 'web-1', started)).toBe(false);
    await step(m, 10 * M);
    expect(bodies()).toHaveLength(2);
    m.unack('default', id, 'alice');
    await step(m, 0);
    expect(bodies()).toHaveLength(3);
    const r = m.resolve('default', id, 'bob', 'restarted the service');
    expect(r).toMatchObject({ status: 'resolved', resolvedBy: 'bob', resolvedAt: clock.now() });
    expect(r.history.map((h) => `${h.type}:${h.by}`)).toEqual(
      expect.arrayContaining(['opened:vigil', 'acked:alice', 'unacked:alice', 'resolved:bob']),
    );
    await step(m, 5 * M);
    expect(bodies().at(-1)?.kind).toBe('resolved');
    expect(() => m.ack('other-tenant', id, 'eve')).toThrow(/no incident/);
  });

  it('a person resolving an incident ends its alerts: if the problem persists, a new incident opens', async () => {
    const m = make({ groupWait: 0 });
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    const [first] = m.listIncidents('default');
    m.resolve('default', first!.id, 'bob');
    expect(m.listAlerts('default', 'firing')).toHaveLength(0);
    expect(m.getIncident('default', first!.id).resolvedBy).toBe('bob');
    clock.advance(M);
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    const incs = m.listIncidents('default');
    expect(incs).toHaveLength(2);
    expect(incs[0]?.id).not.toBe(first!.id);
  });

  it('feedback "expected" calls the detector feedback, shows in history, resolves, and counts as a false positive', async () => {
    const m = make({ groupWait: 0 });
    m.onAnomaly(anomaly('web-1', 'node_load1', { detectors: ['spike', 'seasonal'] }));
    m.onAnomaly(anomaly('web-2', 'node_load1', { detectors: ['spike'] }));
    const [inc] = m.listIncidents('default');
    clock.advance(M);
    const after = await m.feedback('default', inc!.id, 'expected', 'carol');
    expect(feedbackCalls).toHaveLength(2);
    expect(feedbackCalls).toContainEqual(['default', 'node_load1{host="web-2"}', T0, T0 + M, 'expected']);
    expect(after.status).toBe('resolved');
    expect(after.history.some((h) => h.type === 'feedback' && h.by === 'carol' && h.text.includes('false positive'))).toBe(true);

    m.onAnomaly(anomaly('db-1', 'node_load1', { detectors: ['spike'] }));
    const second = m.listIncidents('default', { status: 'open' })[0]!;
    m.ack('default', second.id, 'dave');
    const p = m.precision('default');
    expect(p.rules['high-severity-anomaly']).toMatchObject({ fired: 3, acted: 1, falsePositives: 2, precision: 1 / 3 });
    expect(p.detectors.spike).toMatchObject({ fired: 3, falsePositives: 2, acted: 1 });
    expect(p.detectors.seasonal).toMatchObject({ fired: 1, falsePositives: 1, precision: 0 });
  });

  it('silences mute matching incidents until they expire; then still-firing ones are notified', async () => {
    const m = make({ groupWait: 0, rules: [{ name: 'high-severity-anomaly', type: 'anomaly', keepFiringFor: '1h' }] });
    const s = m.saveSilence('default', { match: '{host="web-1"}', endsAt: T0 + 10 * M, comment: 'deploy' }, 'erin');
    expect(s).toMatchObject({ createdBy: 'erin', startsAt: T0 });
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    await step(m, 3 * M);
    expect(rx.accepted()).toHaveLength(0);
    m.onAnomaly(anomaly('web-2', 'node_load1'));
    await step(m, 0);
    expect(bodies().map((b) => b.items[0]?.where)).toEqual(['web-2']);
    await step(m, 7 * M);
    expect(bodies().map((b) => b.items[0]?.where)).toEqual(['web-2', 'web-1']);
    const history = m.listIncidents('default').flatMap((i) => i.history.map((h) => h.type));
    expect(history).toContain('muted');
  });

  it('recurring maintenance windows mute notifications, answer isInMaintenance, and notify when they end', async () => {
    const m = make({
      groupWait: 0,
      rules: [{ name: 'high-severity-anomaly', type: 'anomaly', keepFiringFor: '1h' }],
      maintenance: [{ id: 'nightly', schedule: '0 10 * * *', duration: '30m', match: '{host=~"db-.*"}' }],
    });
    expect(m.isInMaintenance('default', { host: 'db-1' }, T0 + 5 * M)).toBe(true);
    expect(m.isInMaintenance('default', { host: 'web-1' }, T0 + 5 * M)).toBe(false);
    expect(m.isInMaintenance('default', { host: 'db-1' }, T0 + 31 * M)).toBe(false);
    expect(m.isInMaintenance('default', { host: 'db-1' }, T0 + 86_400_000 + M)).toBe(true);
    expect(m.isInMaintenance('default', { host: 'db-1' }, T0 - M)).toBe(false);
    clock.advance(M);
    m.onAnomaly(anomaly('db-1', 'node_load1'));
    await step(m, 10 * M);
    expect(rx.accepted()).toHaveLength(0);
    await step(m, 20 * M); // window ended at 10:30
    expect(bodies().map((b) => b.items[0]?.where)).toEqual(['db-1']);
    expect(m.listMaintenance('default')[0]).toMatchObject({ id: 'nightly', activeNow: false, source: 'config' });
  });

  it('routes by labels and severity to different channels with their own timings', async () => {
    const rx2 = new HttpReceiver();
    const url2 = await rx2.start();
    try {
      const m = make({
        channels: [
          { id: 'hook', type: 'webhook', url: `${url}/hook` },
          { id: 'db-team', type: 'webhook', url: `${url2}/db` },
        ],
        incidents: { coStartWindow: '10s' },
        routes: [
          { match: '{host=~"db-.*"}', channels: ['db-team'], groupWait: '0s' },
          { match: '{}', severities: ['critical'], channels: ['hook'], groupWait: '1m' },
        ],
      });
      m.onAnomaly(anomaly('db-1', 'node_load1'));
      clock.advance(M);
      m.onAnomaly(anomaly('web-1', 'node_load1'));
      await step(m, 0);
      expect(rx2.accepted()).toHaveLength(1);
      expect(rx.accepted()).toHaveLength(0);
      await step(m, M);
      expect(rx.accepted()).toHaveLength(1);
      expect(rx2.accepted()).toHaveLength(1);
    } finally {
      await rx2.stop();
    }
  });

  it('reload applies new rules and resolves alerts of removed ones', async () => {
    const m = make({ groupWait: 0 });
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    expect(m.listAlerts('default', 'firing')).toHaveLength(1);
    m.reload(
      alertingConfigSchema.parse({
        allowPrivateTargets: true,
        disableRules: ['high-severity-anomaly'],
        channels: [{ id: 'hook', type: 'webhook', url }],
      }),
    );
    await step(m, 0);
    expect(m.listAlerts('default', 'firing')).toHaveLength(0);
  });

  it('never writes a channel secret to the log, even when deliveries fail', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const m = new AlertManager({
      dataDir: dir,
      logger: pino({ level: 'debug' }, sink),
      clock,
      publicUrl: 'http://vigil.test',
      querier,
      config: alertingConfigSchema.parse({
        allowPrivateTargets: true,
        groupWait: 0,
        channels: [
          { id: 'slack', type: 'slack', url: 'http://127.0.0.1:1/services/T1/B2/SLACK-SECRET-TOKEN' },
          { id: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/hook?token=HOOK-SECRET', secret: 'HMAC-SECRET-1' },
          { id: 'mail', type: 'email', host: '127.0.0.1', port: 1, user: 'u', password: 'SMTP-SECRET', from: 'a@b.c', to: ['d@e.f'] },
        ],
      }),
    });
    managers.push(m);
    m.onAnomaly(anomaly('web-1', 'node_load1'));
    await m.flushOutbox();
    expect((await m.testChannel('default', 'slack', 'alice')).error).not.toContain('SLACK-SECRET');
    const channels = m.listChannels('default');
    expect(channels.map((c) => c.deliveries)).toEqual([
      { pending: 1, delivered: 0, failed: 0, lastError: expect.stringContaining('failed') },
      { pending: 1, delivered: 0, failed: 0, lastError: expect.stringContaining('failed') },
      { pending: 1, delivered: 0, failed: 0, lastError: expect.any(String) },
    ]);
    expect(JSON.stringify(channels)).not.toMatch(/SECRET/);
    await m.stop();
    const log = lines.join('');
    expect(log).toContain('delivery failed; will retry');
    for (const secret of ['SLACK-SECRET-TOKEN', 'HOOK-SECRET', 'HMAC-SECRET-1', 'SMTP-SECRET']) expect(log).not.toContain(secret);
  });

  it('keeps tenants apart', () => {
    const m = make();
    m.onAnomaly(anomaly('web-1', 'node_load1', { tenant: 'acme' }));
    expect(m.listIncidents('acme')).toHaveLength(1);
    expect(m.listIncidents('default')).toHaveLength(0);
    expect(m.listAlerts('default')).toHaveLength(0);
  });
});
