/** Clock ticks per second of the counters in /proc/stat; 100 on every Linux architecture (node_exporter assumes the same). */
export const USER_HZ = 100;

const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** CPU times of one line of /proc/stat in seconds, by node_exporter mode name. */
export type CpuTimes = Record<(typeof CPU_MODES)[number], number>;

/** What /proc/stat says: the whole machine's CPU times, each CPU's, and the scheduler counters. */
export interface ProcStat {
  total: CpuTimes | undefined;
  cpus: Map<string, CpuTimes>;
  bootTime: number | undefined;
  contextSwitches: number | undefined;
  interrupts: number | undefined;
  forks: number | undefined;
  procsRunning: number | undefined;
  procsBlocked: number | undefined;
}

function cpuTimes(fields: string[]): CpuTimes {
  const out = {} as CpuTimes;
  CPU_MODES.forEach((mode, i) => {
    out[mode] = Number(fields[i + 1] ?? 0) / USER_HZ;
  });
  // The kernel counts guest time inside user time too; node_exporter reports it that way, so do we.
  return out;
}

/** Parses /proc/stat. */
export function parseProcStat(text: string): ProcStat {
  const out: ProcStat = {
    total: undefined,
    cpus: new Map(),
    bootTime: undefined,
    contextSwitches: undefined,
    interrupts: undefined,
    forks: undefined,
    procsRunning: undefined,
    procsBlocked: undefined,
  };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const key = f[0];
    if (key === undefined || key === '') continue;
    if (key === 'cpu') out.total = cpuTimes(f);
    else if (key.startsWith('cpu')) out.cpus.set(key.slice(3), cpuTimes(f));
    else if (key === 'btime') out.bootTime = Number(f[1]);
    else if (key === 'ctxt') out.contextSwitches = Number(f[1]);
    else if (key === 'intr') out.interrupts = Number(f[1]);
    else if (key === 'processes') out.forks = Number(f[1]);
    else if (key === 'procs_running') out.procsRunning = Number(f[1]);
    else if (key === 'procs_blocked') out.procsBlocked = Number(f[1]);
  }
  return out;
}

/** Parses /proc/loadavg into the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string): [number, number, number] {
  const f = text.trim().split(/\s+/);
  return [Number(f[0]), Number(f[1]), Number(f[2])];
}

/** Parses /proc/meminfo into bytes by field name (`Active(anon)` becomes `Active_anon`); counts without a unit stay counts. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(\s+kB)?/.exec(line);
    if (!m) continue;
    const name = (m[1] as string).replace(/\((\w+)\)/, '_$1');
    out.set(name, Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

/** Parses /proc/vmstat into counters by name. */
export function parseVmstat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

/** One block device's counters from /proc/diskstats, in node_exporter's units (bytes, seconds). */
export interface DiskStats {
  device: string;
  readsCompleted: number;
  readBytes: number;
  readSeconds: number;
  writesCompleted: number;
  writtenBytes: number;
  writeSeconds: number;
  ioNow: number;
  ioSeconds: number;
}

/** node_exporter's default: skip partitions, RAM disks, loop devices and floppies, keep whole disks. */
export const DISK_EXCLUDE = /^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$/;

/** Parses /proc/diskstats, keeping whole devices only. */
export function parseDiskstats(text: string, exclude: RegExp = DISK_EXCLUDE): DiskStats[] {
  const out: DiskStats[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const device = f[2] as string;
    if (exclude.test(device)) continue;
    const n = (i: number) => Number(f[i]);
    out.push({
      device,
      readsCompleted: n(3),
      readBytes: n(5) * 512,
      readSeconds: n(6) / 1000,
      writesCompleted: n(7),
      writtenBytes: n(9) * 512,
      writeSeconds: n(10) / 1000,
      ioNow: n(11),
      ioSeconds: n(12) / 1000,
    });
  }
  return out;
}

/** One network interface's counters from /proc/net/dev. */
export interface NetDevStats {
  device: string;
  receiveBytes: number;
  receivePackets: number;
  receiveErrs: number;
  receiveDrop: number;
  transmitBytes: number;
  transmitPackets: number;
  transmitErrs: number;
  transmitDrop: number;
}

/** Parses /proc/net/dev. */
export function parseNetDev(text: string): NetDevStats[] {
  const out: NetDevStats[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (f.length < 16 || device === '') continue;
    out.push({
      device,
      receiveBytes: f[0] as number,
      receivePackets: f[1] as number,
      receiveErrs: f[2] as number,
      receiveDrop: f[3] as number,
      transmitBytes: f[8] as number,
      transmitPackets: f[9] as number,
      transmitErrs: f[10] as number,
      transmitDrop: f[11] as number,
    });
  }
  return out;
}

/** TCP states as named by node_exporter's tcpstat collector, indexed by the kernel's state number. */
export const TCP_STATES = [
  '',
  'established',
  'syn_sent',
  'syn_recv',
  'fin_wait1',
  'fin_wait2',
  'time_wait',
  'close',
  'close_wait',
  'last_ack',
  'listen',
  'closing',
] as const;

/** Adds the connections of /proc/net/tcp or /proc/net/tcp6 to `counts` by state name. */
export function countTcpStates(text: string, counts: Map<string, number>): void {
  let start = text.indexOf('\n') + 1;
  while (start > 0 && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    // Fields: sl local_address rem_address st …; the state is the fourth whitespace-separated field.
    const f = text
      .slice(start, Math.min(end, start + 120))
      .trim()
      .split(/\s+/);
    const state = TCP_STATES[Number.parseInt(f[3] ?? '', 16)];
    if (state) counts.set(state, (counts.get(state) ?? 0) + 1);
    start = end + 1;
  }
}

/** One mounted filesystem from /proc/self/mounts. */
export interface Mount {
  device: string;
  mountpoint: string;
  fstype: string;
  readonly: boolean;
}

/** node_exporter's default filesystem-type exclusions: virtual and pseudo filesystems. */
export const FSTYPE_EXCLUDE =
  /^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs|tmpfs|ramfs|efivarfs|fuse\.lxcfs|nfsd)$/;

/** node_exporter's default mount-point exclusions. */
export const MOUNTPOINT_EXCLUDE = /^\/(dev|proc|run\/credentials\/.+|sys|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Parses /proc/self/mounts, keeping real filesystems once per mount point (the last mount wins, as the kernel shows it). */
export function parseMounts(text: string, fstypeExclude: RegExp = FSTYPE_EXCLUDE, mountExclude: RegExp = MOUNTPOINT_EXCLUDE): Mount[] {
  const byPoint = new Map<string, Mount>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    const mountpoint = unescapeMount(f[1] as string);
    const fstype = f[2] as string;
    if (fstypeExclude.test(fstype) || mountExclude.test(mountpoint)) continue;
    byPoint.delete(mountpoint);
    byPoint.set(mountpoint, {
      device: unescapeMount(f[0] as string),
      mountpoint,
      fstype,
      readonly: (f[3] as string).split(',').includes('ro'),
    });
  }
  return [...byPoint.values()];
}

/** What the agent reads from /proc/<pid>/stat. */
export interface PidStat {
  pid: number;
  comm: string;
  state: string;
  /** user + system CPU time, clock ticks. */
  cpuTicks: number;
  threads: number;
  /** Resident set, pages. */
  rssPages: number;
}

/** Parses one /proc/<pid>/stat line; the command name may contain spaces and parentheses. */
export function parsePidStat(text: string): PidStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state) of proc(5); utime=14, stime=15, num_threads=20, rss=24.
  return {
    pid: Number(text.slice(0, open)),
    comm: text.slice(open + 1, close),
    state: f[0] ?? '?',
    cpuTicks: Number(f[11]) + Number(f[12]),
    threads: Number(f[17]),
    rssPages: Number(f[21]),
  };
}

/** Parses /etc/os-release into its fields. */
export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1] as string, (m[2] as string).replace(/^["']|["']$/g, ''));
  }
  return out;
}

/** The CPU model from /proc/cpuinfo (`model name`, or `Model`/`cpu model` on ARM and MIPS). */
export function parseCpuModel(text: string): string | undefined {
  const m = /^(?:model name|Model|cpu model|Processor)\s*:\s*(.+)$/m.exec(text);
  return m ? (m[1] as string).trim() : undefined;
}

/** Parses /proc/net/snmp (header line, value line per protocol) into `Proto_Field` → value, as node_exporter's netstat names them. */
export function parseSnmp(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const head = (lines[i] as string).trim().split(/\s+/);
    const vals = (lines[i + 1] as string).trim().split(/\s+/);
    const proto = head[0]?.replace(/:$/, '');
    if (!proto || vals[0] !== head[0]) continue;
    for (let j = 1; j < head.length; j++) out.set(`${proto}_${head[j]}`, Number(vals[j]));
  }
  return out;
}

/** Parses /proc/net/sockstat into `PROTO_field` → value (`TCP_tw`, `sockets_used`). */
export function parseSockstat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const proto = line.slice(0, colon);
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    for (let j = 0; j + 1 < f.length; j += 2) out.set(`${proto}_${f[j]}`, Number(f[j + 1]));
  }
  return out;
}
