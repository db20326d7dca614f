import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vigil-reload-'));
const auth = { authorization: `Basic ${Buffer.from('admin:reload-password').toString('base64')}` };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rule = (name: string) => `  - name: ${name}\n    type: threshold\n    match: 'node_load1'\n    op: '>'\n    value: 50\n    for: 1m\n`;

describe('SIGHUP', () => {
  it('reloads alerting rules from the config file without a restart, and keeps the running config when the file is bad', async () => {
    const file = join(dir, 'vigil.yml');
    writeFileSync(file, `alerting:\n  rules:\n${rule('load-high')}`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', main, 'server', '--port', '0', '--data', join(dir, 'data'), '--no-local-agent', '--config', file],
      {
        env: { ...process.env, VIGIL_ADMIN_PASSWORD: 'reload-password', VIGIL_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no start: ${out}`)), 30_000);
        const check = () => {
          const m = /Vigil is running at (\S+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1] as string);
          } else setTimeout(check, 100);
        };
        check();
      });
      const names = async () =>
        ((await (await fetch(`${url}/api/v1/rules`, { headers: auth })).json()) as { rules: { name: string }[] }).rules.map((r) => r.name);
      expect(await names()).toContain('load-high');
      expect(await names()).not.toContain('load-very-high');

      writeFileSync(file, `alerting:\n  rules:\n${rule('load-high')}${rule('load-very-high')}`);
      child.kill('SIGHUP');
      for (let i = 0; i < 50 && !(await names()).includes('load-very-high'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await names()).toContain('load-very-high');

      writeFileSync(file, 'alerting:\n  rules: 5\n');
      child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 1000));
      expect(await names()).toContain('load-very-high');
      expect(child.exitCode).toBeNull();
    } finally {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    }
  });
});
