import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Collector } from '../types.js';
import { parseOsRelease } from './linux-parse.js';

/** The descriptive facts about a host, sent as `vigil_host_info{…} 1` plus numeric series. */
export interface HostInfo {
  os: string;
  kernel: string;
  cpu_model: string;
  arch: string;
  platform: string;
  cores: number;
  memoryBytes: number;
}

/** Reads the host facts without spawning anything: /etc/os-release on Linux, Node's `os` module elsewhere. */
export function readHostInfo(): HostInfo {
  let osName = os.version();
  if (process.platform === 'linux') {
    try {
      const rel = parseOsRelease(readFileSync('/etc/os-release', 'utf8'));
      osName = rel.get('PRETTY_NAME') ?? rel.get('NAME') ?? osName;
    } catch {
      // no os-release (minimal container): keep the kernel's version string
    }
  }
  const cpus = os.cpus();
  return {
    os: osName,
    kernel: os.release(),
    cpu_model: cpus[0]?.model.trim() || 'unknown',
    arch: os.arch(),
    platform: process.platform,
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
  };
}

/** Options for the host-info collector. */
export interface HostInfoOptions {
  /** How often the facts are re-read to notice a change, ms. Default 60 s. */
  checkEveryMs?: number;
  /** Re-send unchanged facts this often so that they stay visible to range queries, ms. Default 1 h. */
  resendEveryMs?: number;
  /** Source of the facts; tests replace it. */
  read?: () => HostInfo;
}

/** Sends host info on the first collection, whenever it changes, and once per `resendEveryMs`. */
export function hostInfoCollector(opts: HostInfoOptions = {}): Collector {
  const checkEvery = opts.checkEveryMs ?? 60_000;
  const resendEvery = opts.resendEveryMs ?? 3_600_000;
  const read = opts.read ?? readHostInfo;
  let info: HostInfo | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let sentKey = '';
  let sentAt = Number.NEGATIVE_INFINITY;
  return {
    name: 'hostinfo',
    async collect(sink, now) {
      if (info === undefined || now - readAt >= checkEvery) {
        info = read();
        readAt = now;
      }
      const key = JSON.stringify(info);
      if (key === sentKey && now - sentAt < resendEvery) return;
      sentKey = key;
      sentAt = now;
      const { cores, memoryBytes, ...labels } = info;
      sink.add('vigil_host_info', labels, 1);
      sink.add('vigil_host_cpu_cores', undefined, cores);
      sink.add('vigil_host_memory_bytes', undefined, memoryBytes);
    },
  };
}
