import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';
import { type Agent, createAgent } from '../agent/index.js';
import { AlertManager, alertingConfigSchema, registerAlertingRoutes } from '../alerting/index.js';
import type { VigilConfig } from '../config/index.js';
import {
  type Clock,
  type Config,
  DEFAULT_TENANT,
  type Labels,
  type Logger,
  packageRoot,
  parseSelector,
  silentLogger,
  systemClock,
  VigilError,
} from '../core/index.js';
import { DetectionEngine, defaultDetectionWorkers, detectConfigSchema, hostScoreSeries, startWarmStart } from '../detect/index.js';
import {
  crossingConfidence,
  ForecastEngine,
  forecastConfigSchema,
  forecastSeriesProvider,
  registerForecastRoutes,
} from '../forecast/index.js';
import {
  defaultDecodeWorkers,
  IngestPipeline,
  RemoteWriteDecoders,
  registerInfluxRoutes,
  registerOtlpRoutes,
  registerRemoteWriteRoutes,
  registerVigilJsonRoutes,
  Scraper,
} from '../ingest/index.js';
import { registerPromApiRoutes } from '../promql/index.js';
import { openStorage } from '../tsdb/index.js';
import { AnomalyLog } from './anomaly-log.js';
import { createApp, type RouteInfo } from './app.js';
import { AuthStore, type Bootstrap } from './auth/auth-store.js';
import { EventHub } from './event-hub.js';
import { forecastSignal } from './forecast-signal.js';
import { registerAnomalyRoutes } from './routes/anomalies.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerChartRoutes } from './routes/charts.js';
import { registerDocsRoutes } from './routes/docs.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerHostRoutes } from './routes/hosts.js';
import { registerModelRoutes } from './routes/models.js';
import { registerStaticRoutes } from './routes/static.js';
import { registerStreamRoutes } from './routes/stream.js';
import { ScoreSeriesBuilder } from './score-series.js';

/** Options for a whole Vigil server. */
export interface ServerOptions {
  /** The core sections are required; a part's section that is absent gets its defaults. */
  config: Config & Partial<Pick<VigilConfig, 'alerting' | 'detect' | 'forecast'>>;
  logger?: Logger;
  /** Called once with the secrets created on first start (to print them once). */
  onBootstrap?: (b: Bootstrap) => void;
  /** Time source for every component (the demo runs on an accelerated clock); default the wall clock. */
  clock?: Clock;
  /** Registers extra routes before the server listens (the demo's report). */
  extraRoutes?: (app: FastifyInstance) => void;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:9470 (with the actual port when 0 was asked for). */
  url: string;
  port: number;
  /** Every route with the scope it requires. */
  routes(): RouteInfo[];
  /** Applies the reloadable sections of a new configuration (alerting rules and channels, scrape jobs). */
  reload(config: Pick<VigilConfig, 'alerting' | 'scrape'>): Promise<void>;
  /** Stops accepting work, flushes everything acknowledged, releases files. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts Vigil: the embedded store, the ingest pipeline, authentication, the HTTP API, the dashboard and,
 * unless disabled, a local agent monitoring this machine through the same ingest path as any other agent.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { config } = opts;
  const log = opts.logger ?? silentLogger();
  const clock = opts.clock ?? systemClock;
  if (config.server.mode === 'cluster') {
    throw new VigilError('NOT_AVAILABLE', 'server.mode "cluster" (NATS, PostgreSQL, remote store) is not available yet; use "single"');
  }
  const dataDir = config.server.data;
  mkdirSync(dataDir, { recursive: true });

  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'vigil_process_' });

  const storage = await openStorage({
    dir: join(dataDir, 'tsdb'),
    logger: log.child({ part: 'tsdb' }),
    registry,
    outOfOrderWindowMs: config.storage.outOfOrderWindow,
    retention: config.storage.retention,
    clock,
  });
  const auth = new AuthStore(join(dataDir, 'vigil.db'));
  const boot = await auth.bootstrap({ adminPassword: config.server.adminPassword, agentKey: config.server.agentKey });
  if (boot.adminPassword !== undefined || boot.agentKey !== undefined) opts.onBootstrap?.(boot);

  const pipeline = new IngestPipeline({
    storage,
    logger: log.child({ part: 'ingest' }),
    registry,
    limits: { maxLabels: config.ingest.maxLabels, maxValueLength: config.ingest.maxLabelValueLength },
    maxQueuedSamples: config.ingest.maxQueuedSamples,
    maxSamplesPerRequest: config.ingest.maxSamplesPerRequest,
  });

  const hub = new EventHub();
  pipeline.onAppended((tenant, batch) => hub.publishSamples(tenant, batch));
  const anomalies = new AnomalyLog(join(dataDir, 'vigil.db'));

  // Maintenance windows (owned by alerting, created below) keep their time out of model training.
  let inMaintenance: (tenant: string, labels: Labels, t: number) => boolean = () => false;
  // Acknowledged incidents (also owned by alerting) keep their hosts' time out of the host models' training.
  let inAcknowledgedIncident: (tenant: string, host: string, t: number) => boolean = () => false;
  const detectCfg = config.detect ?? detectConfigSchema.parse({});
  const detection = new DetectionEngine({
    logger: log.child({ part: 'detect' }),
    registry,
    workers: detectCfg.workers ?? defaultDetectionWorkers(),
    behindAtSamples: detectCfg.maxUnscoredSamples,
    stateDir: join(dataDir, 'models'),
    clock,
    exclude: (tenant, labels, t) => inMaintenance(tenant, labels, t),
    excludeHost: (tenant, host, t) => inAcknowledgedIncident(tenant, host, t),
  });
  await detection.start();
  pipeline.onAppended((tenant, batch) => detection.push(tenant, batch));
  // Ingest waits for detection rather than letting its backlog grow: every stored sample gets scored.
  pipeline.addBackpressure(() => detection.behind());
  detection.onAnomaly((a) => {
    anomalies.add(a);
    hub.publish(a.tenant, 'anomaly', a);
  });
  // Scores and bands are stored as series (not through the pipeline, so they are not scored themselves).
  const scoreSeries = new ScoreSeriesBuilder();
  detection.onScores((tenant, scored) => {
    storage.append(tenant, scoreSeries.build(tenant, scored)).catch((e: unknown) => log.warn({ err: e }, 'storing anomaly scores failed'));
  });
  detection.onHostScores((tenant, scored) => {
    storage.append(tenant, hostScoreSeries(scored)).catch((e: unknown) => log.warn({ err: e }, 'storing host scores failed'));
  });
  // Models without saved state learn from what the store already holds, in the background.
  const warm = startWarmStart({
    querier: storage,
    target: detection,
    tenants: () => auth.tenants(),
    logger: log.child({ part: 'detect' }),
    clock,
  });

  const forecastCfg = config.forecast ?? forecastConfigSchema.parse({});
  const forecasts = new ForecastEngine({
    querier: storage,
    logger: log.child({ part: 'forecast' }),
    registry,
    clock,
    intervalMs: forecastCfg.interval,
    horizonMs: forecastCfg.horizon,
    historyMs: forecastCfg.history,
    maxPoints: forecastCfg.maxPoints,
    limits: forecastCfg.limits,
    tenants: () => auth.tenants(),
  });
  if (forecastCfg.enabled) await forecasts.start();

  const startScraper = (jobs: Config['scrape']['jobs']) => {
    const sc = new Scraper({ pipeline, logger: log.child({ part: 'scrape' }), registry, jobs, now: () => clock.now() });
    sc.start();
    return sc;
  };
  const scraper = startScraper(config.scrape.jobs);

  const alerting = new AlertManager({
    dataDir,
    logger: log.child({ part: 'alerting' }),
    registry,
    clock,
    publicUrl: config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`,
    querier: storage,
    config: config.alerting ?? alertingConfigSchema.parse({}),
    feedback: (tenant, series, start, end, kind) => detection.feedback(tenant, series, start, end, kind),
  });
  alerting.start();
  inMaintenance = (tenant, labels, t) => alerting.isInMaintenance(tenant, labels, t);
  inAcknowledgedIncident = (tenant, host, t) => alerting.isInAcknowledgedIncident(tenant, host, t);
  detection.onAnomaly((a) => alerting.onAnomaly(a));
  alerting.subscribe((e) => {
    if (e.type === 'alert') hub.publish(e.alert.tenant, 'alert', e.alert);
    else hub.publish(e.incident.tenant, 'incident', { change: e.change, incident: e.incident });
  });
  pipeline.onAppended((tenant, batch) => alerting.onSamples(tenant, batch));
  forecasts.onForecast((tenant, r) => {
    const e = r.exhaustion;
    const signal = e ? forecastSignal(r, (within) => crossingConfidence(e, within), forecastCfg.horizon) : null;
    if (signal) alerting.onForecast(tenant, signal);
  });

  let https: { cert: Buffer; key: Buffer } | undefined;
  if (config.server.tlsCert || config.server.tlsKey) {
    if (!config.server.tlsCert || !config.server.tlsKey)
      throw new VigilError('CONFIG_INVALID', 'invalid config: server.tlsCert and server.tlsKey go together');
    https = { cert: readFileSync(config.server.tlsCert), key: readFileSync(config.server.tlsKey) };
  }
  const app = createApp({
    logger: log.child({ part: 'api' }),
    auth,
    bodyLimit: config.server.bodyLimit,
    rateLimit: config.server.rateLimit,
    ...(https ? { https } : {}),
  });
  let ready = false;
  registerHealthRoutes(app, { registry, ready: () => ready });
  registerAuthRoutes(app, { store: auth, sessionTtlMs: 7 * 86_400_000, secureCookies: https !== undefined });
  registerVigilJsonRoutes(app, { pipeline, bodyLimit: config.server.bodyLimit });
  const ingestDeps = {
    pipeline,
    logger: log.child({ part: 'ingest' }),
    bodyLimit: config.server.bodyLimit,
    maxSamplesPerRequest: config.ingest.maxSamplesPerRequest,
  };
  const decoders = new RemoteWriteDecoders({
    workers: config.ingest.decodeWorkers ?? defaultDecodeWorkers(),
    logger: log.child({ part: 'ingest' }),
  });
  registerRemoteWriteRoutes(app, { ...ingestDeps, decoders });
  registerOtlpRoutes(app, ingestDeps);
  registerInfluxRoutes(app, ingestDeps);
  registerPromApiRoutes(app, { querier: storage, logger: log.child({ part: 'promql' }), extraSeries: [forecastSeriesProvider(forecasts)] });
  registerForecastRoutes(app, { engine: forecasts });
  registerAlertingRoutes(app, { manager: alerting });
  registerStreamRoutes(app, { hub, parseSelector });
  registerAnomalyRoutes(app, { log: anomalies });
  registerModelRoutes(app, { detection });
  registerHostRoutes(app, { querier: storage, clock, models: (tenant) => detection.models(tenant) });
  registerChartRoutes(app, { querier: storage });
  registerDocsRoutes(app);
  opts.extraRoutes?.(app);
  const root = packageRoot();
  registerStaticRoutes(app, { webDir: join(root, 'web', 'dist'), agentBundle: join(root, 'dist', 'agent.js') });

  await decoders.ready();
  await app.listen({ host: config.server.host, port: config.server.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.server.port;
  const hostForUrl = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `${https ? 'https' : 'http'}://${hostForUrl}:${port}`;
  let agent: Agent | undefined;
  if (config.server.localAgent) {
    // The local agent ships over HTTP like any other agent, with a key that lives only in this process.
    const loopback = `${https ? 'https' : 'http'}://${config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : hostForUrl}:${port}`;
    agent = createAgent({
      server: loopback,
      key: auth.addEphemeralAgentKey(DEFAULT_TENANT, 'local agent'),
      intervalMs: config.agent.interval,
      labels: config.agent.labels,
      stateDir: dataDir,
      logger: log.child({ part: 'local-agent' }),
    });
    await agent.start();
  }
  ready = true;
  log.info({ url, data: dataDir, localAgent: agent !== undefined }, 'vigil server listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ready = false;
      await agent?.stop();
      await scraper.stop();
      await app.close();
      await decoders.close();
      warm.stop();
      await warm.done;
      await detection.stop();
      await forecasts.stop();
      await alerting.stop();
      await storage.close();
      anomalies.close();
      auth.close();
      log.info('vigil server stopped');
    })();
    return closing;
  };
  const reload = async (next: Pick<VigilConfig, 'alerting' | 'scrape'>): Promise<void> => {
    alerting.reload(next.alerting);
    await scraper.reload(next.scrape.jobs);
    log.info({ rules: next.alerting.rules.length, scrapeJobs: next.scrape.jobs.length }, 'configuration reloaded');
  };
  return { url, port, reload, close, routes: () => [...app.vigilRoutes] };
}
