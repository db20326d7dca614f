import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function vigil(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VIGIL_LOG_LEVEL: 'silent', ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vigil CLI', () => {
  it.each([
    ['server', ['--port', '--data', '--agent-key', '--no-local-agent']],
    ['agent', ['--server', '--key', '--interval', '--spool', '--once']],
    ['demo', ['--speed', '--duration', '--json']],
    ['detect', ['--input', '--host', '--history']],
    ['forecast', ['--input', '--horizon']],
    ['import', ['--prometheus', '--csv']],
    ['bench', ['--json']],
  ])('`vigil %s --help` lists its options', (cmd, options) => {
    const r = vigil([cmd, '--help']);
    expect(r.code).toBe(0);
    for (const o of options) expect(r.stdout).toContain(o);
  });

  it('`vigil eval nab --help` and `vigil eval forecast --help` list their options', () => {
    expect(vigil(['eval', 'nab', '--help']).stdout).toContain('--data');
    expect(vigil(['eval', 'forecast', '--help']).stdout).toContain('--data');
  });

  it('stops on a bad config value with one line naming the key, the value and what was expected', () => {
    const r = vigil(['server', '--port', 'ninety']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^vigil: invalid config: server\.port = "ninety" \(from flag --port\): .+$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);

    const env = vigil(['server'], { VIGIL_PORT: '99999' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('server.port = "99999" (from environment VIGIL_PORT)');
  });

  it('names an unknown benchmark', () => {
    const r = vigil(['bench', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown benchmark "nope"');
  });
});

describe('vigil tenant add', () => {
  it('creates a tenant admin and agent key in a data dir, and refuses a duplicate', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tenant-'));
    try {
      const r = vigil(['tenant', 'add', 'acme', '--data', dir, '--password', 'acme-password-1']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('login:      acme-admin / acme-password-1');
      expect(r.stdout).toMatch(/agent key: {2}vgl_ak_\S{20,}/);
      const again = vigil(['tenant', 'add', 'acme', '--data', dir, '--password', 'acme-password-1']);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('user "acme-admin" exists');
      expect(vigil(['tenant', 'add', 'bad name', '--data', dir]).stderr).toContain('use 1–64 letters');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
