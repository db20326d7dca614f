import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BatchBuilder } from '../src/agent/batch.js';
import { genericCollectors } from '../src/agent/collectors/generic.js';
import { linuxCollectors } from '../src/agent/collectors/linux.js';
import { IngestReceiver } from '../src/agent/test-receiver.js';
import type { Collector } from '../src/agent/types.js';
import { freePort } from '../src/core/index.js';
import type { BenchOptions, BenchResult } from './types.js';

/** One sentence for `vigil bench --help`. */
export const description =
  "the agent's own cost at the default 5 s interval (CPU % of one core, RSS) next to Debian's prometheus-node-exporter scraped every 5 s, in the same run";

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const USER_HZ = 100;
const KEY = 'bench-agent-key-0123456789';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process in seconds, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / USER_HZ;
}

/** Resident set in MiB, from /proc/<pid>/status. */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (c.exitCode === null) c.kill('SIGKILL');
}

interface Watch {
  pid: number;
  cpu0: number;
  rss: number[];
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

/**
 * In-process cost of one full collection (every collector, the process table and TCP states included): the agent's procfs
 * collectors against the systeminformation-based ones, counting the child processes systeminformation spawns (the reason
 * the agent reads procfs itself on Linux). Child processes' own CPU is not in these figures.
 */
async function collectorCost(runs: number): Promise<Record<string, unknown>> {
  const cp = createRequire(import.meta.url)('node:child_process') as Record<string, (...a: unknown[]) => unknown>;
  let spawns = 0;
  const originals: [string, (...a: unknown[]) => unknown][] = [];
  for (const name of ['spawn', 'exec', 'execFile', 'execSync', 'execFileSync', 'spawnSync']) {
    const orig = cp[name] as (...a: unknown[]) => unknown;
    originals.push([name, orig]);
    cp[name] = function (this: unknown, ...a: unknown[]) {
      spawns++;
      return orig.apply(this, a);
    };
  }
  // Every collector on every call (the agent itself scans processes every 15 s and TCP states every 30 s).
  const measure = async (collectors: Collector[]) => {
    const byCollector: Record<string, number> = {};
    const once = async () => {
      const b = new BatchBuilder({ host: 'bench', host_id: 'bench' }, Date.now());
      for (const c of collectors) {
        const c0 = process.cpuUsage();
        await c.collect(b, Date.now());
        const d = process.cpuUsage(c0);
        byCollector[c.name] = (byCollector[c.name] ?? 0) + (d.user + d.system) / 1000;
      }
      return b.build().length;
    };
    await once();
    for (const k of Object.keys(byCollector)) byCollector[k] = 0;
    const s0 = spawns;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let series = 0;
    for (let i = 0; i < runs; i++) series = await once();
    const c = process.cpuUsage(c0);
    const perCollector = Object.fromEntries(Object.entries(byCollector).map(([k, v]) => [k, round(v / runs, 2)]));
    return {
      wallMs: (performance.now() - t0) / runs,
      cpuMs: (c.user + c.system) / 1000 / runs,
      spawns: (spawns - s0) / runs,
      series,
      perCollector,
    };
  };
  try {
    const linux = await measure(linuxCollectors({ processesEveryMs: 0, tcpStatesEveryMs: 0 }));
    const generic = await measure(genericCollectors({ slowEveryMs: 0 }));
    return {
      collect_once_cpu_ms: round(linux.cpuMs, 2),
      collect_once_spawns: linux.spawns,
      collect_once_series: linux.series,
      collect_once_cpu_ms_by_collector: linux.perCollector,
      systeminformation_collect_once_cpu_ms: round(generic.cpuMs, 2),
      systeminformation_collect_once_spawns: round(generic.spawns, 1),
    };
  } finally {
    for (const [name, orig] of originals) cp[name] = orig;
  }
}

/** Runs the bundled agent and node_exporter side by side and measures both from /proc. */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  if (process.platform !== 'linux') throw new Error('bench agent reads /proc/<pid>/stat: Linux only');
  const warmupS = opts.quick ? 6 : 10;
  const measureS = opts.quick ? 20 : 60;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-agent-'));
  const children: ChildProcess[] = [];
  const receiver = new IngestReceiver({ key: KEY });
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    // The same bundle the server serves at GET /agent.js (scripts/build.mjs flags).
    const bundle = join(dir, 'vigil-agent.mjs');
    await build({
      entryPoints: [join(root, 'src/agent/standalone.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      legalComments: 'none',
      outfile: bundle,
      logLevel: 'warning',
    });
    await receiver.start();
    const agent = spawn(
      process.execPath,
      [bundle, '--server', receiver.url, '--key', KEY, '--spool', join(dir, 'spool'), '--log-level', 'warn'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    children.push(agent);
    opts.log(`agent: ${bundle} (pid ${agent.pid}), default interval 5 s, shipping to ${receiver.url}`);

    let ne: ChildProcess | undefined;
    let neReason: string | undefined;
    let scrapes = 0;
    let scrapeErrors = 0;
    let scrapeBytes = 0;
    let scraping = true;
    let scraper: Promise<void> | undefined;
    if (existsSync(NODE_EXPORTER)) {
      const port = await freePort();
      ne = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
      children.push(ne);
      opts.log(`node_exporter: ${NODE_EXPORTER} (pid ${ne.pid}) on 127.0.0.1:${port}, scraped every 5 s`);
      scraper = (async () => {
        await sleep(500);
        while (scraping) {
          const next = Date.now() + 5000;
          try {
            const res = await fetch(`http://127.0.0.1:${port}/metrics`);
            scrapeBytes = (await res.text()).length;
            if (res.ok) scrapes++;
            else scrapeErrors++;
          } catch {
            scrapeErrors++;
          }
          while (scraping && Date.now() < next) await sleep(100);
        }
      })();
    } else {
      neReason = `${NODE_EXPORTER} not installed (apt-get install prometheus-node-exporter)`;
    }

    opts.log(`warming up ${warmupS} s, then measuring ${measureS} s`);
    await sleep(warmupS * 1000);
    const watches = new Map<string, Watch>();
    for (const [name, c] of [
      ['agent', agent],
      ['node_exporter', ne],
    ] as const) {
      if (c?.pid !== undefined && c.exitCode === null) watches.set(name, { pid: c.pid, cpu0: cpuSeconds(c.pid), rss: [] });
    }
    const t0 = performance.now();
    const requests0 = receiver.accepted;
    const scrapes0 = scrapes;
    while (performance.now() - t0 < measureS * 1000) {
      for (const w of watches.values()) w.rss.push(rssMb(w.pid));
      await sleep(1000);
    }
    const elapsedS = (performance.now() - t0) / 1000;
    const result: BenchResult = {};
    for (const [name, w] of watches) {
      const prefix = name === 'agent' ? '' : 'node_exporter_';
      result[`${prefix}cpu_pct_of_core`] = round(((cpuSeconds(w.pid) - w.cpu0) / elapsedS) * 100, 3);
      result[`${prefix}rss_mb`] = round(Math.max(...w.rss), 1);
      result[`${prefix}rss_mb_mean`] = round(w.rss.reduce((a, b) => a + b, 0) / w.rss.length, 1);
    }
    if (agent.exitCode !== null) throw new Error(`the agent exited early (code ${agent.exitCode})`);
    if (!watches.has('node_exporter')) {
      result.node_exporter_cpu_pct_of_core = null;
      result.node_exporter_rss_mb = null;
      result.node_exporter_reason = neReason ?? 'node_exporter exited early';
    }
    result.measure_s = round(elapsedS, 1);
    result.agent_batches = receiver.accepted - requests0;
    result.agent_series = receiver.series.size;
    result.node_exporter_scrapes = scrapes - scrapes0;
    result.node_exporter_scrape_bytes = scrapeBytes;
    if (scrapeErrors > 0) result.node_exporter_scrape_errors = scrapeErrors;
    result.target_cpu_pct_of_core = 1;
    result.target_rss_mb = 60;
    scraping = false;
    await scraper;
    for (const c of children) await stopChild(c);
    children.length = 0;
    opts.log('measuring one collection in-process: procfs collectors vs systeminformation');
    Object.assign(result, await collectorCost(opts.quick ? 5 : 20));
    return result;
  } finally {
    for (const c of children) await stopChild(c);
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
