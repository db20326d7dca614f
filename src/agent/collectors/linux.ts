import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import type { Collector } from '../types.js';
import {
  countTcpStates,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parsePidStat,
  parseProcStat,
  parseSnmp,
  parseSockstat,
  parseVmstat,
  TCP_STATES,
  USER_HZ,
} from './linux-parse.js';
import { emitTopProcesses, type ProcSample } from './top-processes.js';

/** Options for the Linux collectors. */
export interface LinuxCollectorOptions {
  /** Root of procfs; tests point it at a fixture tree. Default `/proc`. */
  procRoot?: string;
  /** How many processes to report in each top list (by CPU, by memory). Default 5. */
  topN?: number;
  /** How long one statfs may take before the mount is skipped (hung NFS), ms. Default 2000. */
  statfsTimeoutMs?: number;
  /** How often the per-state TCP connection counts are taken, ms. Default 30 s. */
  tcpStatesEveryMs?: number;
  /** How often the process table is scanned (state counts, threads, top processes), ms. Default 15 s. */
  processesEveryMs?: number;
}

const buf = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads a procfs file synchronously with open/read/close into one reused buffer: for /proc this costs a third of the CPU
 * of readFileSync (which also fstats and allocates) and far less than fs.promises' thread-pool round trips (measured with
 * bench/agent.ts, `collect_once_cpu_ms`).
 */
function read(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    let n = readSync(fd, buf, 0, buf.length, null);
    if (n < buf.length) return buf.toString('latin1', 0, n);
    // A large file (/proc/net/tcp on a busy host): keep reading until EOF.
    const parts: string[] = [];
    while (n > 0) {
      parts.push(buf.toString('latin1', 0, n));
      n = readSync(fd, buf, 0, buf.length, null);
    }
    return parts.join('');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Node reports rss in bytes and procfs in pages; comparing the two for this process gives the page size without spawning getconf. */
function detectPageSize(procRoot: string): number {
  const own = parsePidStat(read(`${procRoot}/self/stat`) ?? '');
  const rss = process.memoryUsage.rss();
  if (!own || !(own.rssPages > 0)) return 4096;
  const ratio = rss / own.rssPages;
  return [4096, 16384, 65536].reduce((best, p) => (Math.abs(p - ratio) < Math.abs(best - ratio) ? p : best), 4096);
}

const MEMINFO_FIELDS = [
  'MemTotal',
  'MemFree',
  'MemAvailable',
  'Buffers',
  'Cached',
  'SwapCached',
  'Active',
  'Inactive',
  'SwapTotal',
  'SwapFree',
  'Dirty',
  'Writeback',
  'AnonPages',
  'Mapped',
  'Shmem',
  'Slab',
  'SReclaimable',
  'SUnreclaim',
  'KernelStack',
  'PageTables',
  'CommitLimit',
  'Committed_AS',
  'HugePages_Total',
  'HugePages_Free',
];
const VMSTAT_FIELDS = ['pgfault', 'pgmajfault', 'pswpin', 'pswpout', 'oom_kill'];

function cpuCollector(proc: string): Collector {
  return {
    name: 'cpu',
    async collect(sink) {
      const text = read(`${proc}/stat`);
      if (text === undefined) throw new Error(`cannot read ${proc}/stat`);
      const st = parseProcStat(text);
      for (const [cpu, times] of st.cpus)
        for (const [mode, v] of Object.entries(times)) sink.add('node_cpu_seconds_total', { cpu, mode }, v);
      if (st.total) for (const [mode, v] of Object.entries(st.total)) sink.add('vigil_cpu_seconds_total', { mode }, v);
      if (st.bootTime !== undefined) sink.add('node_boot_time_seconds', undefined, st.bootTime);
      if (st.contextSwitches !== undefined) sink.add('node_context_switches_total', undefined, st.contextSwitches);
      if (st.interrupts !== undefined) sink.add('node_intr_total', undefined, st.interrupts);
      if (st.forks !== undefined) sink.add('node_forks_total', undefined, st.forks);
      if (st.procsRunning !== undefined) sink.add('node_procs_running', undefined, st.procsRunning);
      if (st.procsBlocked !== undefined) sink.add('node_procs_blocked', undefined, st.procsBlocked);
      const [l1, l5, l15] = parseLoadavg(read(`${proc}/loadavg`) ?? '');
      sink.add('node_load1', undefined, l1);
      sink.add('node_load5', undefined, l5);
      sink.add('node_load15', undefined, l15);
      const up = Number((read(`${proc}/uptime`) ?? '').split(' ')[0]);
      if (Number.isFinite(up)) sink.add('vigil_host_uptime_seconds', undefined, up);
    },
  };
}

function memoryCollector(proc: string): Collector {
  return {
    name: 'memory',
    async collect(sink) {
      const text = read(`${proc}/meminfo`);
      if (text === undefined) throw new Error(`cannot read ${proc}/meminfo`);
      const m = parseMeminfo(text);
      for (const f of MEMINFO_FIELDS) {
        const v = m.get(f);
        if (v !== undefined) sink.add(f.startsWith('HugePages_') ? `node_memory_${f}` : `node_memory_${f}_bytes`, undefined, v);
      }
      const total = m.get('MemTotal');
      const avail = m.get('MemAvailable') ?? (m.get('MemFree') ?? 0) + (m.get('Buffers') ?? 0) + (m.get('Cached') ?? 0);
      if (total !== undefined) sink.add('vigil_memory_used_bytes', undefined, total - avail);
      const swapTotal = m.get('SwapTotal');
      if (swapTotal !== undefined) sink.add('vigil_swap_used_bytes', undefined, swapTotal - (m.get('SwapFree') ?? 0));
      const vm = parseVmstat(read(`${proc}/vmstat`) ?? '');
      for (const f of VMSTAT_FIELDS) {
        const v = vm.get(f);
        if (v !== undefined) sink.add(`node_vmstat_${f}`, undefined, v);
      }
    },
  };
}

function filesystemCollector(proc: string, timeoutMs: number): Collector {
  // A mount whose statfs never returned (hung network filesystem) is skipped until it does, so it cannot pile up threads.
  const stuck = new Set<string>();
  return {
    name: 'filesystem',
    async collect(sink) {
      const mounts = parseMounts(read(`${proc}/self/mounts`) ?? '');
      await Promise.all(
        mounts.map(async (m) => {
          if (stuck.has(m.mountpoint)) return;
          let timer: NodeJS.Timeout | undefined;
          const pending = statfs(m.mountpoint).finally(() => stuck.delete(m.mountpoint));
          const timeout = new Promise<'timeout'>((res) => {
            timer = setTimeout(() => res('timeout'), timeoutMs);
          });
          let s: Awaited<ReturnType<typeof statfs>> | 'timeout';
          try {
            s = await Promise.race([pending, timeout]);
          } catch {
            sink.add('node_filesystem_device_error', { mountpoint: m.mountpoint, device: m.device, fstype: m.fstype }, 1);
            return;
          } finally {
            clearTimeout(timer);
          }
          const labels = { mountpoint: m.mountpoint, device: m.device, fstype: m.fstype };
          if (s === 'timeout') {
            stuck.add(m.mountpoint);
            pending.catch(() => undefined);
            sink.add('node_filesystem_device_error', labels, 1);
            return;
          }
          sink.add('node_filesystem_device_error', labels, 0);
          sink.add('node_filesystem_size_bytes', labels, s.blocks * s.bsize);
          sink.add('node_filesystem_free_bytes', labels, s.bfree * s.bsize);
          sink.add('node_filesystem_avail_bytes', labels, s.bavail * s.bsize);
          sink.add('vigil_filesystem_used_bytes', labels, (s.blocks - s.bfree) * s.bsize);
          sink.add('node_filesystem_files', labels, s.files);
          sink.add('node_filesystem_files_free', labels, s.ffree);
          sink.add('node_filesystem_readonly', labels, m.readonly ? 1 : 0);
        }),
      );
    },
  };
}

function diskCollector(proc: string): Collector {
  return {
    name: 'diskstats',
    async collect(sink) {
      const text = read(`${proc}/diskstats`);
      if (text === undefined) return;
      for (const d of parseDiskstats(text)) {
        const l = { device: d.device };
        sink.add('node_disk_reads_completed_total', l, d.readsCompleted);
        sink.add('node_disk_read_bytes_total', l, d.readBytes);
        sink.add('node_disk_read_time_seconds_total', l, d.readSeconds);
        sink.add('node_disk_writes_completed_total', l, d.writesCompleted);
        sink.add('node_disk_written_bytes_total', l, d.writtenBytes);
        sink.add('node_disk_write_time_seconds_total', l, d.writeSeconds);
        sink.add('node_disk_io_now', l, d.ioNow);
        sink.add('node_disk_io_time_seconds_total', l, d.ioSeconds);
      }
    },
  };
}

/** Container hosts create and destroy veth pairs all day; each would become a short-lived series. */
const NETDEV_EXCLUDE = /^(veth|cali|lxc)/;

function netdevCollector(proc: string): Collector {
  return {
    name: 'netdev',
    async collect(sink) {
      const text = read(`${proc}/net/dev`);
      if (text === undefined) return;
      for (const d of parseNetDev(text)) {
        if (NETDEV_EXCLUDE.test(d.device)) continue;
        const l = { device: d.device };
        sink.add('node_network_receive_bytes_total', l, d.receiveBytes);
        sink.add('node_network_receive_packets_total', l, d.receivePackets);
        sink.add('node_network_receive_errs_total', l, d.receiveErrs);
        sink.add('node_network_receive_drop_total', l, d.receiveDrop);
        sink.add('node_network_transmit_bytes_total', l, d.transmitBytes);
        sink.add('node_network_transmit_packets_total', l, d.transmitPackets);
        sink.add('node_network_transmit_errs_total', l, d.transmitErrs);
        sink.add('node_network_transmit_drop_total', l, d.transmitDrop);
      }
    },
  };
}

const NETSTAT_FIELDS = [
  'Tcp_CurrEstab',
  'Tcp_ActiveOpens',
  'Tcp_PassiveOpens',
  'Tcp_AttemptFails',
  'Tcp_EstabResets',
  'Tcp_RetransSegs',
  'Tcp_InErrs',
];
const SOCKSTAT_FIELDS = ['sockets_used', 'TCP_inuse', 'TCP_orphan', 'TCP_tw', 'TCP_alloc'];

function tcpCollector(proc: string, statesEveryMs: number): Collector {
  let statesAt = Number.NEGATIVE_INFINITY;
  return {
    name: 'tcpstat',
    async collect(sink, now) {
      const snmp = parseSnmp(read(`${proc}/net/snmp`) ?? '');
      for (const f of NETSTAT_FIELDS) {
        const v = snmp.get(f);
        if (v !== undefined) sink.add(`node_netstat_${f}`, undefined, v);
      }
      const sock = parseSockstat(read(`${proc}/net/sockstat`) ?? '');
      for (const f of SOCKSTAT_FIELDS) {
        const v = sock.get(f);
        if (v !== undefined) sink.add(`node_sockstat_${f}`, undefined, v);
      }
      // Listing every socket costs the kernel milliseconds even on a quiet host (it walks the whole hash table), so the
      // per-state breakdown runs less often than the counters above.
      if (now - statesAt < statesEveryMs) return;
      statesAt = now;
      const counts = new Map<string, number>();
      let any = false;
      for (const f of ['tcp', 'tcp6']) {
        const text = read(`${proc}/net/${f}`);
        if (text === undefined) continue;
        any = true;
        countTcpStates(text, counts);
      }
      if (!any) return;
      for (const state of TCP_STATES) if (state) sink.add('node_tcp_connection_states', { state }, counts.get(state) ?? 0);
    },
  };
}

function processCollector(proc: string, topN: number, everyMs: number): Collector {
  const pageSize = detectPageSize(proc);
  let last = new Map<number, number>();
  let lastAt = 0;
  return {
    name: 'processes',
    async collect(sink, now) {
      // Reading every /proc/<pid>/stat is the agent's most expensive step (tens of µs of kernel time per process).
      if (lastAt > 0 && now - lastAt < everyMs) return;
      const pids = readdirSync(proc).filter((d) => d.charCodeAt(0) >= 48 && d.charCodeAt(0) <= 57);
      const states = new Map<string, number>([
        ['R', 0],
        ['S', 0],
        ['D', 0],
        ['Z', 0],
        ['T', 0],
        ['I', 0],
      ]);
      const ticks = new Map<number, number>();
      const procs: ProcSample[] = [];
      const dt = lastAt > 0 ? (now - lastAt) / 1000 : 0;
      let threads = 0;
      for (let i = 0; i < pids.length; i++) {
        // Yield now and then so a host with thousands of processes does not hold the event loop (the server runs a local agent).
        if (i > 0 && i % 128 === 0) await new Promise<void>((r) => setImmediate(r));
        const st = parsePidStat(read(`${proc}/${pids[i]}/stat`) ?? '');
        if (!st) continue;
        const state = st.state === 't' ? 'T' : st.state;
        states.set(state, (states.get(state) ?? 0) + 1);
        threads += st.threads;
        ticks.set(st.pid, st.cpuTicks);
        const before = last.get(st.pid);
        const cpu = dt > 0 && before !== undefined ? Math.max(0, (st.cpuTicks - before) / USER_HZ / dt) : 0;
        procs.push({ name: st.comm, pid: st.pid, cpu, rss: st.rssPages * pageSize });
      }
      last = ticks;
      lastAt = now;
      for (const [state, n] of states) sink.add('node_processes_state', { state }, n);
      sink.add('node_processes_threads', undefined, threads);
      sink.add('vigil_processes', undefined, procs.length);
      emitTopProcesses(sink, procs, topN, dt > 0);
    },
  };
}

/** The Linux collectors: everything read straight from procfs and statfs, without spawning a process. */
export function linuxCollectors(opts: LinuxCollectorOptions = {}): Collector[] {
  const proc = opts.procRoot ?? '/proc';
  return [
    cpuCollector(proc),
    memoryCollector(proc),
    filesystemCollector(proc, opts.statfsTimeoutMs ?? 2000),
    diskCollector(proc),
    netdevCollector(proc),
    tcpCollector(proc, opts.tcpStatesEveryMs ?? 30_000),
    processCollector(proc, opts.topN ?? 5, opts.processesEveryMs ?? 15_000),
  ];
}
