import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isVigilError } from '../core/errors.js';
import { createAgent } from './agent.js';
import { BatchBuilder, encodeBatch } from './batch.js';
import { resolveIdentity } from './identity.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function names(batch: { labels: Record<string, string> }[]): Set<string> {
  return new Set(batch.map((s) => s.labels.__name__ as string));
}

describe('collectOnce', () => {
  it('collects every Linux area from procfs with host, host_id and user labels on every series', async () => {
    const agent = createAgent({
      server: 'http://127.0.0.1:1',
      key: 'k',
      labels: { env: 'test' },
      hostname: 'h1',
      hostId: 'id-1',
      collectors: 'linux',
    });
    const batch = await agent.collectOnce();
    const n = names(batch);
    for (const want of [
      'node_cpu_seconds_total',
      'vigil_cpu_seconds_total',
      'node_load1',
      'node_load15',
      'node_memory_MemAvailable_bytes',
      'node_memory_Cached_bytes',
      'node_memory_SwapFree_bytes',
      'vigil_memory_used_bytes',
      'node_filesystem_avail_bytes',
      'node_filesystem_files_free',
      'node_disk_read_bytes_total',
      'node_disk_io_time_seconds_total',
      'node_network_receive_bytes_total',
      'node_network_transmit_drop_total',
      'node_processes_state',
      'vigil_top_process_resident_memory_bytes',
      'vigil_top_process_pid',
      'node_tcp_connection_states',
      'vigil_host_uptime_seconds',
      'node_boot_time_seconds',
      'vigil_host_info',
      'vigil_host_cpu_cores',
      'vigil_agent_cpu_seconds_total',
      'vigil_agent_resident_memory_bytes',
      'vigil_agent_spool_batches',
      'vigil_agent_dropped_batches_total',
    ])
      expect(n, want).toContain(want);
    for (const s of batch) expect(s.labels).toMatchObject({ host: 'h1', host_id: 'id-1', env: 'test' });
    const modes = batch.filter((s) => s.labels.__name__ === 'node_cpu_seconds_total' && s.labels.cpu === '0').map((s) => s.labels.mode);
    expect(modes).toEqual(['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal']);
    const root = batch.find((s) => s.labels.__name__ === 'node_filesystem_size_bytes' && s.labels.mountpoint === '/');
    expect(root?.values[0]).toBeGreaterThan(0);
    const info = batch.find((s) => s.labels.__name__ === 'vigil_host_info');
    expect(info?.labels).toMatchObject({ platform: 'linux' });
    expect(info?.labels.kernel).toBeTruthy();
  });

  it('the portable collectors (systeminformation) also work here', async () => {
    const agent = createAgent({ server: 'http://127.0.0.1:1', key: 'k', hostname: 'h1', hostId: 'id-1', collectors: 'generic' });
    const n = names(await agent.collectOnce());
    for (const want of [
      'node_cpu_seconds_total',
      'node_load1',
      'node_memory_MemAvailable_bytes',
      'node_filesystem_avail_bytes',
      'node_network_receive_bytes_total',
      'vigil_top_process_cpu_ratio',
      'node_tcp_connection_states',
    ])
      expect(n, want).toContain(want);
  });

  it('fails fast on a bad server URL or a missing key, naming the setting', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = err(() => createAgent({ server: 'ftp://x', key: 'k' }));
    expect(isVigilError(e1, 'CONFIG_INVALID') && e1.message).toMatch(/agent\.server/);
    const e2 = err(() => createAgent({ server: 'http://x', key: '' }));
    expect(isVigilError(e2, 'CONFIG_INVALID') && e2.message).toMatch(/agent\.key/);
    expect(() => createAgent({ server: 'http://x', key: 'k', probes: [{ type: 'tcp', target: 'nope' }] })).toThrow(/host:port/);
  });
});

describe('identity', () => {
  it('prefers the machine id, else generates one id and keeps it', () => {
    const mid = join(dir, 'machine-id');
    writeFileSync(mid, '0123456789abcdef0123456789abcdef\n');
    const withMid = resolveIdentity({ stateDir: join(dir, 's1'), machineIdFiles: ['/nonexistent', mid] });
    expect(withMid.hostId).toBe('0123456789abcdef0123456789abcdef');
    expect(existsSync(join(dir, 's1', 'host-id'))).toBe(false);
    const a = resolveIdentity({ stateDir: join(dir, 's2'), machineIdFiles: ['/nonexistent'] });
    const b = resolveIdentity({ stateDir: join(dir, 's2'), machineIdFiles: ['/nonexistent'] });
    const c = resolveIdentity({ stateDir: join(dir, 's3'), machineIdFiles: ['/nonexistent'] });
    expect(a.hostId).toBe(b.hostId);
    expect(c.hostId).not.toBe(a.hostId);
    expect(readFileSync(join(dir, 's2', 'host-id'), 'utf8').trim()).toBe(a.hostId);
  });
});

describe('encodeBatch', () => {
  it('writes Vigil ingest JSON with non-finite values as strings', () => {
    const b = new BatchBuilder({ host: 'h' }, 1000);
    b.add('x', { a: '1' }, 0.5);
    b.add('x', { a: '1' }, Number.NaN, 2000);
    b.add('y', undefined, Number.POSITIVE_INFINITY);
    b.add('y', undefined, Number.NEGATIVE_INFINITY, 3000);
    expect(JSON.parse(encodeBatch(b.build()))).toEqual({
      series: [
        {
          labels: { a: '1', host: 'h', __name__: 'x' },
          samples: [
            [1000, 0.5],
            [2000, 'NaN'],
          ],
        },
        {
          labels: { host: 'h', __name__: 'y' },
          samples: [
            [1000, '+Inf'],
            [3000, '-Inf'],
          ],
        },
      ],
    });
  });
});
