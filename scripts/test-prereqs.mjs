#!/usr/bin/env node
// Runs before `npm test`: makes sure the real peers the tests drive are installed (Debian's prometheus,
// prometheus-node-exporter, victoria-metrics and chromium). As root on Debian it installs the missing ones
// with apt-get; otherwise it says which tests will be skipped and how to install them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDED = [
  { pkg: 'prometheus', bin: '/usr/bin/prometheus' },
  { pkg: 'prometheus-node-exporter', bin: '/usr/bin/prometheus-node-exporter' },
  { pkg: 'victoria-metrics', bin: '/usr/bin/victoria-metrics' },
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
];
const missing = NEEDED.filter((n) => !existsSync(n.bin)).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (isRoot && hasApt && process.env.VIGIL_NO_APT !== '1') {
  process.stderr.write(`test prerequisites: installing Debian packages ${missing.join(' ')} (set VIGIL_NO_APT=1 to skip)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install =
    update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env })
      : update;
  if (install.status !== 0) {
    process.stderr.write('test prerequisites: apt-get failed; tests that need these packages will fail or be skipped\n');
    process.exit(process.env.CI ? 1 : 0);
  }
  process.exit(0);
}
process.stderr.write(
  `test prerequisites: missing Debian packages ${missing.join(' ')}; the tests that drive them are skipped.\n` +
    `Install them with: sudo apt-get install ${missing.join(' ')}\n`,
);
if (process.env.CI) process.exit(1);
