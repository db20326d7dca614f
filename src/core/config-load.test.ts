import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, type OptionBinding } from './config-load.js';
import { isVigilError } from './errors.js';

const fixture = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const bindings: OptionBinding[] = [
  { option: 'port', key: 'server.port', env: 'VIGIL_PORT' },
  { option: 'data', key: 'server.data', env: 'VIGIL_DATA' },
];

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isVigilError(e, 'CONFIG_INVALID')) return e.message;
    throw e;
  }
  throw new Error('expected a CONFIG_INVALID error');
}

describe('loadConfig', () => {
  it('gives defaults when nothing is set', () => {
    const c = loadConfig();
    expect(c.server.host).toBe('127.0.0.1');
    expect(c.server.port).toBe(9470);
    expect(c.server.data).toBe('./vigil-data');
    expect(c.storage.outOfOrderWindow).toBe(600_000);
    expect(Object.isFrozen(c.server)).toBe(true);
  });

  it('reads a good YAML file and parses durations', () => {
    const c = loadConfig({ file: fixture('server.good.yml') });
    expect(c.server.port).toBe(9471);
    expect(c.storage.outOfOrderWindow).toBe(300_000);
    expect(c.storage.retention.raw).toBe(7 * 86_400_000);
    expect(c.storage.retention['1h']).toBe(730 * 86_400_000);
  });

  it('applies flags over environment over file', () => {
    const file = fixture('server.good.yml');
    expect(loadConfig({ file, env: { VIGIL_PORT: '9500' }, bindings }).server.port).toBe(9500);
    expect(loadConfig({ file, env: { VIGIL_PORT: '9500' }, flags: { port: '9600' }, bindings }).server.port).toBe(9600);
  });

  it.each([
    ['port.bad.yml', /^invalid config: server\.port = "ninety": .*number/],
    ['unknown-duration.bad.yml', /^invalid config: storage\.outOfOrderWindow = "five minutes": expected a duration/],
  ])('rejects %s with one line naming key, value and expectation', (name, re) => {
    const msg = errorOf(() => loadConfig({ file: fixture(name) }));
    expect(msg).toMatch(re);
    expect(msg).not.toContain('\n');
  });

  it('names the flag or variable a bad value came from', () => {
    expect(errorOf(() => loadConfig({ env: { VIGIL_PORT: '70000' }, bindings }))).toMatch(
      /server\.port = "70000" \(from environment VIGIL_PORT\)/,
    );
    expect(errorOf(() => loadConfig({ flags: { port: 'x' }, bindings }))).toMatch(/server\.port = "x" \(from flag --port\)/);
  });

  it('rejects a missing file and bad YAML clearly', () => {
    expect(errorOf(() => loadConfig({ file: '/nonexistent/vigil.yml' }))).toMatch(/cannot read \(ENOENT\)/);
  });
});
