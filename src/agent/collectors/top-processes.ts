import type { Sink } from '../types.js';

/** One process as the top lists see it: CPU as a fraction of one core over the last interval, RSS in bytes. */
export interface ProcSample {
  name: string;
  pid: number;
  cpu: number;
  rss: number;
}

/**
 * Emits the top processes as a low-cardinality summary: processes are grouped by name, and the names among the top N by
 * CPU or by memory get one series each for CPU, RSS, process count and the pid of the heaviest member. The pid travels as
 * a value, not a label, so a restarted daemon does not create new series.
 */
export function emitTopProcesses(sink: Sink, procs: readonly ProcSample[], topN: number, withCpu: boolean): void {
  const groups = new Map<string, { cpu: number; rss: number; count: number; top: ProcSample }>();
  for (const p of procs) {
    const g = groups.get(p.name);
    if (g === undefined) groups.set(p.name, { cpu: p.cpu, rss: p.rss, count: 1, top: p });
    else {
      g.cpu += p.cpu;
      g.rss += p.rss;
      g.count++;
      if (p.cpu + p.rss / 1e12 > g.top.cpu + g.top.rss / 1e12) g.top = p;
    }
  }
  const all = [...groups];
  const chosen = new Set<string>();
  if (withCpu) for (const [name] of [...all].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, topN)) chosen.add(name);
  for (const [name] of all.sort((a, b) => b[1].rss - a[1].rss).slice(0, topN)) chosen.add(name);
  for (const name of chosen) {
    const g = groups.get(name);
    if (g === undefined) continue;
    const l = { name };
    if (withCpu) sink.add('vigil_top_process_cpu_ratio', l, Math.round(g.cpu * 10000) / 10000);
    sink.add('vigil_top_process_resident_memory_bytes', l, g.rss);
    sink.add('vigil_top_process_count', l, g.count);
    sink.add('vigil_top_process_pid', l, g.top.pid);
  }
}
