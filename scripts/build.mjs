#!/usr/bin/env node
// Builds everything `vigil` runs from: the TypeScript sources (dist/), the standalone agent bundle
// (dist/agent.js) and the dashboard (web/dist/). Runs on `npm install` (prepare) and before `npm start`.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const quiet = process.argv.includes('--quiet');

function step(label, cmd, args) {
  const t0 = Date.now();
  if (!quiet) process.stderr.write(`build: ${label}…\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`build: ${label} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
  if (!quiet) process.stderr.write(`build: ${label} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

if (!existsSync(bin('tsc'))) {
  process.stderr.write('build: dev dependencies are missing; run `npm install` first\n');
  process.exit(1);
}
// The build is incremental (dist/.tsbuildinfo): when the output it remembers is gone (dist/src deleted by hand),
// tsc would think it up to date and emit nothing, so `npm start` would fail; forget the record then.
const buildInfo = join(root, 'dist/.tsbuildinfo');
if (existsSync(buildInfo) && !existsSync(join(root, 'dist/src/cli/main.js'))) rmSync(buildInfo);
step('TypeScript', bin('tsc'), ['-p', 'tsconfig.build.json']);
if (existsSync(join(root, 'src/agent/standalone.ts'))) {
  step('agent bundle', bin('esbuild'), [
    'src/agent/standalone.ts',
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node20',
    '--minify',
    '--legal-comments=none',
    '--banner:js=#!/usr/bin/env node',
    '--outfile=dist/agent.js',
    '--log-level=warning',
  ]);
}
if (existsSync(join(root, 'web/vite.config.ts'))) {
  step('dashboard', bin('vite'), ['build', 'web', '--logLevel', 'warn']);
}

// The CLI entry is the package's bin: make it executable (tsc does not keep file modes).
{
  const { chmodSync } = await import('node:fs');
  const entry = join(root, 'dist', 'src', 'cli', 'main.js');
  if (existsSync(entry)) chmodSync(entry, 0o755);
}
