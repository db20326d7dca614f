import { createRequire } from 'node:module';
import os from 'node:os';
import type { Collector, Sink } from '../types.js';
import { emitTopProcesses } from './top-processes.js';

/** What the portable collectors cannot measure, logged once at start so that a missing series is not a mystery. */
export function genericLimitations(platform: NodeJS.Platform = process.platform): string[] {
  const out = [
    'CPU modes iowait, softirq and steal (Node reports user, nice, system, idle, irq only)',
    'disk I/O per device (systeminformation gives machine-wide totals: device="all")',
    'network packet counters',
    'process states and thread count',
  ];
  if (platform === 'win32') out.push('load averages (Windows has none)', 'disk I/O', 'TCP connection states', 'process list');
  return out;
}

/** Options for the portable collectors. */
export interface GenericCollectorOptions {
  /** How many processes to report in each top list. Default 5. */
  topN?: number;
  /** Process list and TCP states spawn `ps`/`netstat` under systeminformation, so they run at most this often, ms. Default 30 s. */
  slowEveryMs?: number;
}

type Si = typeof import('systeminformation');
let siModule: Promise<Si> | undefined;

function si(): Promise<Si> {
  // Loaded only off Linux: on Linux the agent reads procfs itself and never evaluates this library.
  // systeminformation is CommonJS; inside the one-file ESM bundle its require('os') calls go through esbuild's shim,
  // which works only when a global `require` exists, so provide one before it is evaluated.
  const g = globalThis as { require?: NodeJS.Require };
  g.require ??= createRequire(import.meta.url);
  siModule ??= import('systeminformation').then((m) => ((m as { default?: Si }).default ?? m) as Si);
  return siModule;
}

function cpuCollector(): Collector {
  return {
    name: 'cpu',
    async collect(sink: Sink) {
      const total: Record<string, number> = { user: 0, nice: 0, system: 0, idle: 0, irq: 0 };
      os.cpus().forEach((c, i) => {
        const modes = { user: c.times.user, nice: c.times.nice, system: c.times.sys, idle: c.times.idle, irq: c.times.irq };
        for (const [mode, ms] of Object.entries(modes)) {
          sink.add('node_cpu_seconds_total', { cpu: String(i), mode }, ms / 1000);
          total[mode] = (total[mode] ?? 0) + ms / 1000;
        }
      });
      for (const [mode, v] of Object.entries(total)) sink.add('vigil_cpu_seconds_total', { mode }, v);
      if (process.platform !== 'win32') {
        const [l1, l5, l15] = os.loadavg();
        sink.add('node_load1', undefined, l1 as number);
        sink.add('node_load5', undefined, l5 as number);
        sink.add('node_load15', undefined, l15 as number);
      }
      const up = os.uptime();
      sink.add('vigil_host_uptime_seconds', undefined, up);
      sink.add('node_boot_time_seconds', undefined, Math.round(Date.now() / 1000 - up));
    },
  };
}

function memoryCollector(): Collector {
  return {
    name: 'memory',
    async collect(sink) {
      const m = await (await si()).mem();
      sink.add('node_memory_MemTotal_bytes', undefined, m.total);
      sink.add('node_memory_MemFree_bytes', undefined, m.free);
      sink.add('node_memory_MemAvailable_bytes', undefined, m.available);
      sink.add('node_memory_Cached_bytes', undefined, m.cached);
      sink.add('node_memory_Buffers_bytes', undefined, m.buffers);
      sink.add('node_memory_SwapTotal_bytes', undefined, m.swaptotal);
      sink.add('node_memory_SwapFree_bytes', undefined, m.swapfree);
      sink.add('vigil_memory_used_bytes', undefined, m.total - m.available);
      sink.add('vigil_swap_used_bytes', undefined, m.swapused);
    },
  };
}

function filesystemCollector(): Collector {
  return {
    name: 'filesystem',
    async collect(sink) {
      for (const f of await (await si()).fsSize()) {
        const labels = { mountpoint: f.mount, device: f.fs, fstype: f.type };
        sink.add('node_filesystem_size_bytes', labels, f.size);
        sink.add('node_filesystem_avail_bytes', labels, f.available);
        sink.add('node_filesystem_free_bytes', labels, f.size - f.used);
        sink.add('vigil_filesystem_used_bytes', labels, f.used);
        if (f.rw !== null) sink.add('node_filesystem_readonly', labels, f.rw ? 0 : 1);
      }
    },
  };
}

function ioCollector(): Collector {
  return {
    name: 'io',
    async collect(sink) {
      const s = await si();
      for (const n of await s.networkStats('*')) {
        const l = { device: n.iface };
        sink.add('node_network_receive_bytes_total', l, n.rx_bytes);
        sink.add('node_network_receive_errs_total', l, n.rx_errors);
        sink.add('node_network_receive_drop_total', l, n.rx_dropped);
        sink.add('node_network_transmit_bytes_total', l, n.tx_bytes);
        sink.add('node_network_transmit_errs_total', l, n.tx_errors);
        sink.add('node_network_transmit_drop_total', l, n.tx_dropped);
      }
      if (process.platform === 'win32') return;
      const [io, fs] = await Promise.all([s.disksIO(), s.fsStats()]);
      const l = { device: 'all' };
      if (io) {
        sink.add('node_disk_reads_completed_total', l, io.rIO);
        sink.add('node_disk_writes_completed_total', l, io.wIO);
      }
      if (fs) {
        sink.add('node_disk_read_bytes_total', l, fs.rx);
        sink.add('node_disk_written_bytes_total', l, fs.wx);
      }
    },
  };
}

function slowCollector(topN: number, everyMs: number): Collector {
  let lastAt = Number.NEGATIVE_INFINITY;
  return {
    name: 'processes',
    async collect(sink, now) {
      if (process.platform === 'win32' || now - lastAt < everyMs) return;
      lastAt = now;
      const s = await si();
      const [procs, conns] = await Promise.all([s.processes(), s.networkConnections()]);
      sink.add('vigil_processes', undefined, procs.all);
      emitTopProcesses(
        sink,
        procs.list.map((p) => ({ name: p.name, pid: p.pid, cpu: p.cpu / 100, rss: p.memRss * 1024 })),
        topN,
        true,
      );
      const states = new Map<string, number>();
      for (const c of conns) {
        if (!c.protocol.startsWith('tcp') || !c.state) continue;
        // Normalise netstat's spellings (FIN_WAIT_1, LISTENING, SYN_RECEIVED) to node_exporter's state names.
        const st = c.state
          .toLowerCase()
          .replace('fin_wait_', 'fin_wait')
          .replace('listening', 'listen')
          .replace('syn_received', 'syn_recv');
        states.set(st, (states.get(st) ?? 0) + 1);
      }
      for (const [state, n] of states) sink.add('node_tcp_connection_states', { state }, n);
    },
  };
}

/** Collectors for platforms without procfs (macOS, Windows, BSD), built on Node's `os` module and systeminformation. */
export function genericCollectors(opts: GenericCollectorOptions = {}): Collector[] {
  return [
    cpuCollector(),
    memoryCollector(),
    filesystemCollector(),
    ioCollector(),
    slowCollector(opts.topN ?? 5, opts.slowEveryMs ?? 30_000),
  ];
}
