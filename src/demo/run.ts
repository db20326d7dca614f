import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '../api/index.js';
import { vigilConfigSchema } from '../config/index.js';
import { type Clock, type Logger, type SeriesSamples, seriesKey, silentLogger } from '../core/index.js';
import { sendToVigil } from '../ingest/index.js';
import { Fleet } from './fleet.js';
import { buildScenarios, effectsAt, type Scenario } from './scenarios.js';
import { type ReceivedAlert, type Scorecard, scoreDemo } from './scorecard.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Options of a demo run. */
export interface DemoOptions {
  /** Simulated hosts (at least 12 for the scenario library). Default 20. */
  hosts?: number;
  /** Simulated seconds per wall second. Default 60. */
  speed?: number;
  /** Simulated time the live phase lasts; default: until every scenario has played out. */
  durationMs?: number;
  /** History pre-filled before the live phase so models are warm. Default 3 days. */
  historyMs?: number;
  /** Sample interval of the simulated hosts, history and live alike (a change of interval would itself look like a change). Default 60 s. */
  stepMs?: number;
  /** Port of the demo server (0 = any free port). Default 0. */
  port?: number;
  /** Only these scenarios (names from the library). */
  scenarios?: readonly string[];
  /** Simulated time (Unix ms) at which the live phase starts, for a reproducible run. Default: now. */
  startTime?: number;
  seed?: number;
  logger?: Logger;
  /** Progress lines for people (stderr in the CLI). */
  onProgress?: (line: string) => void;
}

/** A running demo. */
export interface DemoHandle {
  url: string;
  adminPassword: string;
  /** The scorecard so far. */
  report(): Scorecard;
  /** Every notification received so far, one per incident and host, in arrival order (what the scorecard is computed from). */
  alerts(): readonly ReceivedAlert[];
  /** Resolves with the final scorecard when the live phase ends. */
  done: Promise<Scorecard>;
  /** Ends the demo early, stops the server, removes its data, and returns the scorecard. */
  stop(): Promise<Scorecard>;
}

/**
 * The demo's simulated time. While the history is pre-filled it is the end of the history delivered so far
 * (`reached`), so alerting meets each anomaly of the history within about an hour of its own time, as if it
 * had watched those days. From `start()` it aims to run `speed` times faster than the wall clock from `sim0`,
 * but never gets ahead of the data fed so far, so that on a slow machine the demo runs slower instead of
 * alerting timers racing past samples that have not arrived yet.
 */
export class AcceleratedClock implements Clock {
  private wall0: number | undefined;
  private fed: number;
  /** `history0`: where simulated time stands before any history is delivered (default `sim0`). */
  constructor(
    private readonly speed: number,
    private readonly sim0 = Date.now(),
    history0 = sim0,
  ) {
    this.fed = history0;
  }
  /** Starts the clock (the demo starts it when the history is loaded). */
  start(): void {
    this.wall0 ??= Date.now();
  }
  /** Where simulated time would be if the machine kept up. */
  target(): number {
    return this.wall0 === undefined ? this.sim0 : this.sim0 + (Date.now() - this.wall0) * this.speed;
  }
  /** Records that samples up to `t` have been delivered. */
  reached(t: number): void {
    if (t > this.fed) this.fed = t;
  }
  now(): number {
    return this.wall0 === undefined ? Math.min(this.sim0, this.fed) : Math.min(this.target(), this.fed);
  }
}

function mergeInto(acc: Map<string, SeriesSamples>, batch: readonly SeriesSamples[]): void {
  for (const s of batch) {
    const k = seriesKey(s.labels);
    const cur = acc.get(k);
    if (cur) {
      cur.timestamps.push(...s.timestamps);
      cur.values.push(...s.values);
    } else acc.set(k, { labels: s.labels, timestamps: [...s.timestamps], values: [...s.values] });
  }
}

/** Ships a batch through the real ingest route, with the same client `vigil import` uses. */
function send(url: string, key: string, batch: readonly SeriesSamples[]): Promise<void> {
  return sendToVigil(url, key, batch, { accepted: 0, rejected: 0, reasons: {} });
}

/** The fields of an incident (`GET /api/v1/incidents`) the scorecard reads. */
interface HistoryIncident {
  id: string;
  title: string;
  startedAt: number;
  hosts: string[];
  members: { series: string; reason: string }[];
}

interface WebhookBody {
  kind: string;
  incidentId: string;
  title: string;
  hosts: string[];
  items: { what: string; where: string; reason: string; actual: string; expected: string }[];
}

/**
 * Starts a demo: a Vigil server on a temporary store, a simulated fleet with history pre-filled, scenarios
 * injected on a schedule, and a real webhook receiver collecting the notifications a user would get; the
 * scorecard is computed from those notifications.
 */
export async function startDemo(opts: DemoOptions = {}): Promise<DemoHandle> {
  const hosts = opts.hosts ?? 20;
  const speed = opts.speed ?? 60;
  const step = opts.stepMs ?? 60_000;
  const historyMs = opts.historyMs ?? 3 * 24 * HOUR;
  const progress = opts.onProgress ?? (() => undefined);
  const liveStart = opts.startTime ?? Date.now();
  const clock = new AcceleratedClock(speed, liveStart, liveStart - historyMs);
  const fleet = new Fleet({ hosts, seed: opts.seed ?? 7, labels: { env: 'demo' } });
  const scenarios: Scenario[] = buildScenarios(fleet.hosts, liveStart, opts.scenarios);
  const lastScenario = Math.max(...scenarios.map((s) => (Number.isFinite(s.end) ? s.end : s.start + 60 * MIN)));
  const liveEnd = liveStart + (opts.durationMs ?? lastScenario - liveStart + 15 * MIN);

  // The receiver: a real HTTP endpoint the webhook channel posts to, as a user's would.
  const received: ReceivedAlert[] = [];
  const seenPairs = new Set<string>();
  const receiver: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      res.writeHead(204).end();
      try {
        const msg = JSON.parse(body) as WebhookBody;
        if (msg.kind !== 'firing' && msg.kind !== 'update') return;
        const text = `${msg.title} — ${msg.items.map((i) => `${i.what} on ${i.where}: ${i.reason}`).join('; ')}`;
        for (const h of msg.hosts) {
          const pair = `${msg.incidentId}/${h}`;
          if (seenPairs.has(pair)) continue;
          seenPairs.add(pair);
          received.push({ t: clock.now(), hosts: [h], text });
          progress(`alert at +${Math.round((clock.now() - liveStart) / MIN)} min: ${text.slice(0, 160)}`);
        }
      } catch {
        // not a Vigil notification (e.g. a test message): ignore
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  const agentKey = `vgl_ak_demo_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const adminPassword = `demo-${Math.random().toString(36).slice(2, 10)}`;
  const config = vigilConfigSchema.parse({
    server: { port: opts.port ?? 0, data: dataDir, localAgent: false, agentKey, adminPassword },
    log: { level: 'warn' },
    alerting: {
      // Timers run on the wall clock: scale them with the speed so simulated minutes stay minutes.
      evaluationInterval: Math.max(0.1, 15 / speed),
      channels: [{ id: 'demo-receiver', type: 'webhook', url: receiverUrl }],
      allowPrivateTargets: true,
      routes: [{ match: '{}', channels: ['demo-receiver'], groupWait: '30s' }],
    },
    forecast: { interval: Math.max(1, 300 / speed) },
  });
  const server: RunningServer = await startServer({
    config,
    logger: opts.logger ?? silentLogger(),
    clock,
    extraRoutes: (app) => {
      app.get('/api/v1/demo/report', { config: { auth: 'read' } }, async () => report());
    },
  });

  const report = (): Scorecard => scoreDemo(scenarios, received, Math.min(clock.now(), liveEnd), liveStart);

  // History: hours of normal behaviour (with the hosts' routine patterns), sent hour by hour, so models start warm.
  const prefillStart = Date.now();
  progress(`demo: pre-filling ${Math.round(historyMs / HOUR)} h of history for ${hosts} hosts…`);
  const t0 = liveStart - historyMs;
  for (let hourStart = t0; hourStart < liveStart; hourStart += HOUR) {
    const acc = new Map<string, SeriesSamples>();
    let last = hourStart;
    for (let t = hourStart; t < Math.min(liveStart, hourStart + HOUR); t += step) {
      mergeInto(
        acc,
        fleet.sample(t, (h) => effectsAt(scenarios, h, t)),
      );
      last = t;
    }
    await send(server.url, agentKey, [...acc.values()]);
    // only once the hour is stored: a clock ahead of the data would read as every host falling silent
    clock.reached(last);
  }
  // Detection answers a models query only after scoring everything sent before it: once it answers, every
  // anomaly of the history has reached alerting, at its own time, before the live phase begins.
  const asAdmin = { headers: { authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}` } };
  await fetch(`${server.url}/api/v1/models?learning=false`, asAdmin).then((r) => r.arrayBuffer());
  // The replay moves an hour at a time, so an incident of the history may clear before its group wait and
  // never be notified: the scorecard counts every incident opened during the history instead.
  const history = (await fetch(`${server.url}/api/v1/incidents?before=${liveStart}&limit=1000`, asAdmin).then((r) => r.json())) as {
    incidents?: HistoryIncident[];
  };
  for (const inc of history.incidents ?? []) {
    const text = `${inc.title} — ${inc.members.map((m) => `${m.series}: ${m.reason}`).join('; ')}`;
    for (const h of inc.hosts) {
      const pair = `${inc.id}/${h}`;
      if (seenPairs.has(pair) || inc.startedAt >= liveStart) continue;
      seenPairs.add(pair);
      received.push({ t: inc.startedAt, hosts: [h], text });
      progress(`alert in the history, ${Math.round((liveStart - inc.startedAt) / MIN)} min before live: ${text.slice(0, 160)}`);
    }
  }
  progress(`demo: history loaded in ${((Date.now() - prefillStart) / 1000).toFixed(1)} s`);
  clock.start();
  progress(`demo: live at ${speed}× — ${scenarios.length} scenarios over ${Math.round((liveEnd - liveStart) / MIN)} simulated minutes`);

  let stopped = false;
  let nextT = liveStart;
  let resolveDone!: (s: Scorecard) => void;
  const done = new Promise<Scorecard>((r) => {
    resolveDone = r;
  });
  let loopError: unknown;
  const loop = (async () => {
    while (!stopped) {
      const now = clock.target();
      if (nextT > liveEnd) break;
      if (nextT > now) {
        await new Promise((r) => setTimeout(r, Math.max(5, Math.min(250, (nextT - now) / speed))));
        continue;
      }
      const acc = new Map<string, SeriesSamples>();
      // Catch up in one request if the wall clock ran ahead (never more than a simulated hour at once).
      for (let n = 0; nextT <= now && nextT <= liveEnd && n < 360; n++, nextT += step) {
        mergeInto(
          acc,
          fleet.sample(nextT, (h) => effectsAt(scenarios, h, nextT)),
        );
      }
      await send(server.url, agentKey, [...acc.values()]);
      clock.reached(nextT - step);
    }
  })().catch((e: unknown) => {
    loopError = e;
  });

  let closing: Promise<Scorecard> | undefined;
  const stop = (): Promise<Scorecard> => {
    closing ??= (async () => {
      stopped = true;
      await loop;
      const card = report();
      await server.close();
      await new Promise((r) => receiver.close(r));
      rmSync(dataDir, { recursive: true, force: true });
      if (loopError) throw loopError;
      return card;
    })();
    return closing;
  };
  void loop.then(async () => {
    if (stopped) return;
    // Let the last notifications arrive (group wait) before the final scorecard.
    await new Promise((r) => setTimeout(r, Math.max(500, (60_000 / speed) * 2)));
    resolveDone(report());
  });
  return { url: server.url, adminPassword, report, alerts: () => received, done, stop };
}
