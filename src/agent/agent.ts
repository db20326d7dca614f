import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { VigilError } from '../core/errors.js';
import type { SeriesSamples } from '../core/types.js';
import { BatchBuilder, encodeBatch } from './batch.js';
import { genericCollectors, genericLimitations } from './collectors/generic.js';
import { hostInfoCollector } from './collectors/host-info.js';
import { linuxCollectors } from './collectors/linux.js';
import { type HostIdentity, resolveIdentity } from './identity.js';
import { ProbeRunner, validateProbe } from './probes.js';
import { Shipper } from './shipper.js';
import { DiskSpool, MemorySpool, type Spool } from './spool.js';
import type { AgentLogger, AgentStats, Collector, ProbeConfig, Sink } from './types.js';

const gzip = promisify(gzipCb);

/** Options of one agent; only `server` and `key` are required. */
export interface AgentOptions {
  /** Base URL of the Vigil server, e.g. `http://vigil.example:9470`. */
  server: string;
  /** Agent API key, sent as `Authorization: Bearer <key>`. */
  key: string;
  /** Collection and batching interval, ms. Default 5000. */
  intervalMs?: number;
  /** Extra labels on every series (`env=prod`). */
  labels?: Record<string, string>;
  /** Directory of the on-disk spool; without it batches wait in memory and do not survive a restart. */
  spoolDir?: string;
  /** Spool size cap in bytes; the oldest batches are dropped (and counted) beyond it. Default 256 MiB on disk, 16 MiB in memory. */
  spoolMaxBytes?: number;
  /** PEM file of extra CA certificates to trust for an `https://` server. */
  caFile?: string;
  /** HTTP and TCP latency probes. */
  probes?: ProbeConfig[];
  /** Where log lines go; silent by default. */
  logger?: AgentLogger;
  /** Where a generated host id is kept when the OS has no machine id. Default: the spool dir, else `~/.vigil-agent`. */
  stateDir?: string;
  /** Overrides the `host` label (default: the OS hostname). */
  hostname?: string;
  /** Overrides the `host_id` label (default: machine id, else generated once and stored). */
  hostId?: string;
  /** `linux` reads procfs directly; `generic` uses Node's os module and systeminformation. Default `auto`. */
  collectors?: 'auto' | 'linux' | 'generic';
  /** Size of each top-processes list. Default 5. */
  topProcesses?: number;
  /** Whether to send `vigil_agent_*` metrics about the agent itself. Default true. */
  selfMetrics?: boolean;
  /** How long `stop()` keeps trying to deliver what is queued before leaving it in the spool, ms. Default 5000. */
  stopTimeoutMs?: number;
  /** First retry delay after a failed send, ms (doubles up to `maxBackoffMs`, with jitter). Default 1000. */
  minBackoffMs?: number;
  /** Longest retry delay, ms. Default 60000. */
  maxBackoffMs?: number;
  /** One request's time limit, ms. Default 15000. */
  requestTimeoutMs?: number;
}

/** A running (or runnable) host agent. */
export interface Agent {
  /** Resolves identity, opens the spool (replaying what a previous run left), starts collecting every interval. */
  start(): Promise<void>;
  /** Stops collecting and probing; delivers what is queued within `stopTimeoutMs`, leaving the rest in the spool. */
  stop(): Promise<void>;
  /** Runs every collector once and returns the samples without sending them. */
  collectOnce(): Promise<SeriesSamples[]>;
  /** Collects one batch (probes included), sends it and waits up to `timeoutMs` for the spool to empty; true when delivered. */
  runOnce(timeoutMs?: number): Promise<boolean>;
  /** The agent's own counters. */
  stats(): AgentStats;
  /** The identity labels in use (after `start()` or `runOnce()`). */
  identity(): HostIdentity | undefined;
}

const NOOP = () => undefined;
const SILENT: AgentLogger = { info: NOOP, warn: NOOP, error: NOOP, debug: NOOP };

/** Creates a host agent; nothing runs until `start()` or `runOnce()`. */
export function createAgent(opts: AgentOptions): Agent {
  const log = opts.logger ?? SILENT;
  const interval = opts.intervalMs ?? 5000;
  if (!(interval > 0)) throw new VigilError('CONFIG_INVALID', `invalid config: agent.interval = ${interval}: must be positive`);
  try {
    const u = new URL(opts.server);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new VigilError(
      'CONFIG_INVALID',
      `invalid config: agent.server = ${JSON.stringify(opts.server)}: expected an http:// or https:// URL`,
    );
  }
  if (!opts.key) throw new VigilError('CONFIG_INVALID', 'invalid config: agent.key (missing): the agent needs an API key (--key)');
  for (const p of opts.probes ?? []) validateProbe(p);

  const kind =
    opts.collectors === undefined || opts.collectors === 'auto'
      ? process.platform === 'linux' && existsSync('/proc/stat')
        ? 'linux'
        : 'generic'
      : opts.collectors;
  const topN = opts.topProcesses ?? 5;
  const collectors: Collector[] = kind === 'linux' ? linuxCollectors({ topN }) : genericCollectors({ topN });
  const hostInfo = hostInfoCollector();
  const probes = new ProbeRunner(opts.probes ?? [], interval);
  const spool: Spool = opts.spoolDir
    ? new DiskSpool(opts.spoolDir, opts.spoolMaxBytes ?? 256 * 1024 * 1024)
    : new MemorySpool(opts.spoolMaxBytes ?? 16 * 1024 * 1024);
  const collectorErrors = new Map<string, number>();
  let identity: HostIdentity | undefined;
  let shipper: Shipper | undefined;
  let initDone: Promise<void> | undefined;
  let collections = 0;
  let lastCollectS = 0;
  let lastDroppedLogged = 0;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let running = false;

  const init = (): Promise<void> => {
    initDone ??= (async () => {
      const ident = resolveIdentity({ stateDir: opts.stateDir ?? opts.spoolDir ?? join(homedir(), '.vigil-agent') });
      identity = { hostId: opts.hostId ?? ident.hostId, hostname: opts.hostname ?? ident.hostname };
      let ca: Buffer | undefined;
      if (opts.caFile) {
        try {
          ca = readFileSync(opts.caFile);
        } catch (e) {
          throw new VigilError('CONFIG_INVALID', `invalid config: agent.caFile = ${JSON.stringify(opts.caFile)}: cannot read`, {
            cause: e,
          });
        }
      }
      await spool.open();
      if (spool.batches > 0)
        log.info({ batches: spool.batches, bytes: spool.bytes }, 'spool holds batches from a previous run; replaying them first');
      shipper = new Shipper({
        server: opts.server,
        key: opts.key,
        spool,
        logger: log,
        ...(ca ? { ca } : {}),
        ...(opts.minBackoffMs === undefined ? {} : { minBackoffMs: opts.minBackoffMs }),
        ...(opts.maxBackoffMs === undefined ? {} : { maxBackoffMs: opts.maxBackoffMs }),
        ...(opts.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: opts.requestTimeoutMs }),
      });
      if (kind === 'generic')
        log.warn({ platform: process.platform, missing: genericLimitations() }, 'portable collectors: some metrics are not available here');
    })();
    return initDone;
  };

  const baseLabels = () => ({
    ...opts.labels,
    host: identity?.hostname ?? opts.hostname ?? '',
    host_id: identity?.hostId ?? opts.hostId ?? '',
  });

  const runCollectors = async (sink: Sink, now: number, list: readonly Collector[]) => {
    await Promise.all(
      list.map(async (c) => {
        try {
          await c.collect(sink, now);
        } catch (e) {
          collectorErrors.set(c.name, (collectorErrors.get(c.name) ?? 0) + 1);
          log.debug({ collector: c.name, err: (e as Error).message }, 'collector failed');
        }
      }),
    );
  };

  const stats = (): AgentStats => ({
    collections,
    sentBatches: shipper?.sentBatches ?? 0,
    rejectedBatches: shipper?.rejectedBatches ?? 0,
    rejectedSamples: shipper?.rejectedSamples ?? 0,
    droppedBatches: spool.dropped,
    sendErrors: shipper?.sendErrors ?? 0,
    spoolBatches: spool.batches,
    spoolBytes: spool.bytes,
  });

  const selfMetrics = (sink: Sink) => {
    const cpu = process.cpuUsage();
    const s = stats();
    sink.add('vigil_agent_cpu_seconds_total', undefined, (cpu.user + cpu.system) / 1e6);
    sink.add('vigil_agent_resident_memory_bytes', undefined, process.memoryUsage.rss());
    sink.add('vigil_agent_spool_batches', undefined, s.spoolBatches);
    sink.add('vigil_agent_spool_bytes', undefined, s.spoolBytes);
    sink.add('vigil_agent_dropped_batches_total', undefined, s.droppedBatches);
    sink.add('vigil_agent_sent_batches_total', undefined, s.sentBatches);
    sink.add('vigil_agent_rejected_batches_total', undefined, s.rejectedBatches);
    sink.add('vigil_agent_rejected_samples_total', undefined, s.rejectedSamples);
    sink.add('vigil_agent_send_errors_total', undefined, s.sendErrors);
    sink.add('vigil_agent_collect_duration_seconds', undefined, lastCollectS);
    for (const c of collectors) sink.add('vigil_agent_collector_errors_total', { collector: c.name }, collectorErrors.get(c.name) ?? 0);
  };

  /** One tick: collect, encode, gzip, spool, and nudge the shipper. */
  const tick = async (): Promise<void> => {
    const now = Date.now();
    const t0 = performance.now();
    const b = new BatchBuilder(baseLabels(), now);
    await runCollectors(b, now, [...collectors, hostInfo]);
    probes.drain(b);
    collections++;
    if (opts.selfMetrics !== false) selfMetrics(b);
    lastCollectS = (performance.now() - t0) / 1000;
    const body = await gzip(encodeBatch(b.build()));
    await spool.push(body);
    if (spool.dropped > lastDroppedLogged) {
      log.warn(
        { dropped: spool.dropped - lastDroppedLogged, droppedTotal: spool.dropped, capBytes: opts.spoolMaxBytes },
        'spool full: dropped the oldest batches',
      );
      lastDroppedLogged = spool.dropped;
    }
    shipper?.kick();
  };

  const schedule = () => {
    if (!running) return;
    // Align ticks to multiples of the interval so that samples from many hosts share timestamps; never tick twice within
    // half an interval (right after the first, immediate tick, or when a timer fires a millisecond early).
    let delay = interval - (Date.now() % interval);
    if (delay < interval / 2) delay += interval;
    timer = setTimeout(() => {
      ticking = tick()
        .catch((e: unknown) => log.error({ err: (e as Error).message }, 'collection failed'))
        .finally(() => {
          ticking = undefined;
          schedule();
        });
    }, delay);
  };

  return {
    async start() {
      if (running) return;
      await init();
      running = true;
      probes.start();
      shipper?.kick();
      ticking = tick()
        .catch((e: unknown) => log.error({ err: (e as Error).message }, 'collection failed'))
        .finally(() => {
          ticking = undefined;
          schedule();
        });
      log.info(
        { server: opts.server, intervalMs: interval, host: identity?.hostname, hostId: identity?.hostId, collectors: kind },
        'agent started',
      );
    },

    async stop() {
      running = false;
      clearTimeout(timer);
      await ticking;
      await probes.stop();
      if (!shipper) return;
      await shipper.stop(opts.stopTimeoutMs ?? 5000);
      if (spool.batches > 0) {
        if (opts.spoolDir) log.info({ batches: spool.batches }, 'undelivered batches stay in the spool for the next start');
        else log.warn({ batches: spool.batches }, 'undelivered batches lost: no spool directory');
      }
    },

    async collectOnce() {
      if (!identity) {
        const ident = resolveIdentity({ stateDir: opts.stateDir ?? opts.spoolDir ?? join(homedir(), '.vigil-agent') });
        identity = { hostId: opts.hostId ?? ident.hostId, hostname: opts.hostname ?? ident.hostname };
      }
      const now = Date.now();
      const b = new BatchBuilder(baseLabels(), now);
      await runCollectors(b, now, [...collectors, hostInfoCollector()]);
      if (opts.selfMetrics !== false) selfMetrics(b);
      return b.build();
    },

    async runOnce(timeoutMs = 30_000) {
      await init();
      await Promise.all((opts.probes ?? []).map((p) => probes.runOnce(p)));
      await tick();
      const ok = (await shipper?.flush(timeoutMs)) ?? false;
      await shipper?.stop(0);
      return ok;
    },

    stats,
    identity: () => identity,
  };
}
