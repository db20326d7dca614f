import { describe, expect, it } from 'vitest';
import {
  countTcpStates,
  parseCpuModel,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseOsRelease,
  parsePidStat,
  parseProcStat,
} from './linux-parse.js';

describe('procfs parsers', () => {
  it('reads /proc/stat into seconds per mode and the scheduler counters', () => {
    const st = parseProcStat(
      [
        'cpu  1000 20 300 40000 50 6 7 8 0 0',
        'cpu0 500 10 150 20000 25 3 4 4 0 0',
        'cpu1 500 10 150 20000 25 3 3 4 0 0',
        'intr 123456 1 2 3',
        'ctxt 987654',
        'btime 1763800000',
        'processes 4321',
        'procs_running 3',
        'procs_blocked 1',
      ].join('\n'),
    );
    expect(st.total).toEqual({ user: 10, nice: 0.2, system: 3, idle: 400, iowait: 0.5, irq: 0.06, softirq: 0.07, steal: 0.08 });
    expect([...st.cpus.keys()]).toEqual(['0', '1']);
    expect(st.cpus.get('1')?.softirq).toBeCloseTo(0.03);
    expect(st).toMatchObject({
      bootTime: 1763800000,
      contextSwitches: 987654,
      interrupts: 123456,
      forks: 4321,
      procsRunning: 3,
      procsBlocked: 1,
    });
  });

  it('reads loadavg, meminfo (kB to bytes, parentheses to underscores) and os-release', () => {
    expect(parseLoadavg('0.42 0.30 0.12 2/345 6789\n')).toEqual([0.42, 0.3, 0.12]);
    const m = parseMeminfo('MemTotal:       16000 kB\nActive(anon):     100 kB\nHugePages_Total:       4\n');
    expect(m.get('MemTotal')).toBe(16000 * 1024);
    expect(m.get('Active_anon')).toBe(100 * 1024);
    expect(m.get('HugePages_Total')).toBe(4);
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n').get('PRETTY_NAME')).toBe(
      'Debian GNU/Linux 12 (bookworm)',
    );
    expect(parseCpuModel('processor\t: 0\nmodel name\t: AMD EPYC 7B13\n')).toBe('AMD EPYC 7B13');
  });

  it('keeps whole disks and converts sectors and milliseconds', () => {
    const d = parseDiskstats(
      [
        ' 259       0 nvme0n1 100 5 2000 300 50 2 1000 400 1 600 700 0 0 0 0',
        ' 259       1 nvme0n1p1 90 5 1800 280 45 2 900 380 0 500 600 0 0 0 0',
        '   7       0 loop0 1 0 2 0 0 0 0 0 0 0 0 0 0 0 0',
        '   8       0 sda 10 0 80 20 5 0 40 10 0 25 30',
        '   8       1 sda1 10 0 80 20 5 0 40 10 0 25 30',
      ].join('\n'),
    );
    expect(d.map((x) => x.device)).toEqual(['nvme0n1', 'sda']);
    expect(d[0]).toEqual({
      device: 'nvme0n1',
      readsCompleted: 100,
      readBytes: 2000 * 512,
      readSeconds: 0.3,
      writesCompleted: 50,
      writtenBytes: 1000 * 512,
      writeSeconds: 0.4,
      ioNow: 1,
      ioSeconds: 0.6,
    });
  });

  it('reads /proc/net/dev', () => {
    const n = parseNetDev(
      [
        'Inter-|   Receive                                                |  Transmit',
        ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
        '    lo:  1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0',
        '  eth0: 987654321 12345 1 2 0 0 0 0 123456789 2345 3 4 0 0 0 0',
      ].join('\n'),
    );
    expect(n).toHaveLength(2);
    expect(n[1]).toEqual({
      device: 'eth0',
      receiveBytes: 987654321,
      receivePackets: 12345,
      receiveErrs: 1,
      receiveDrop: 2,
      transmitBytes: 123456789,
      transmitPackets: 2345,
      transmitErrs: 3,
      transmitDrop: 4,
    });
  });

  it('counts TCP states over tcp and tcp6', () => {
    const head = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    const tcp = `${head}   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n   2: 0100007F:C350 0100007F:1F90 06 00000000:00000000 00:00000000 00000000     0        0 0 1\n`;
    const tcp6 = `${head}   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1\n`;
    const counts = new Map<string, number>();
    countTcpStates(tcp, counts);
    countTcpStates(tcp6, counts);
    expect(Object.fromEntries(counts)).toEqual({ listen: 2, established: 1, time_wait: 1 });
  });

  it('keeps real filesystems once per mount point and unescapes spaces', () => {
    const mounts = parseMounts(
      [
        'proc /proc proc rw,relatime 0 0',
        '/dev/vda / ext4 rw,relatime 0 0',
        'tmpfs /run tmpfs rw 0 0',
        '/dev/vdb /mnt/my\\040disk xfs ro,relatime 0 0',
        'overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0',
        '/dev/vdc /data ext4 rw 0 0',
        '/dev/vdd /data ext4 rw 0 0',
      ].join('\n'),
    );
    expect(mounts).toEqual([
      { device: '/dev/vda', mountpoint: '/', fstype: 'ext4', readonly: false },
      { device: '/dev/vdb', mountpoint: '/mnt/my disk', fstype: 'xfs', readonly: true },
      { device: '/dev/vdd', mountpoint: '/data', fstype: 'ext4', readonly: false },
    ]);
  });

  it('reads /proc/<pid>/stat even when the command name has spaces and parentheses', () => {
    const st = parsePidStat(
      '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 12345 1000000 2048 18446744073709551615',
    );
    expect(st).toEqual({ pid: 4242, comm: 'my (odd) name', state: 'S', cpuTicks: 300, threads: 7, rssPages: 2048 });
    expect(parsePidStat('garbage')).toBeUndefined();
  });
});
