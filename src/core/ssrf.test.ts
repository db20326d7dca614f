import { describe, expect, it } from 'vitest';
import { isVigilError } from './errors.js';
import { assertPublicUrl, isPrivateAddress } from './ssrf.js';

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['not-an-ip', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2606:4700::1111', false],
    ['::ffff:1.1.1.1', false],
  ])('%s → %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});

describe('assertPublicUrl', () => {
  const resolve = (map: Record<string, string[]>) => async (h: string) => map[h] ?? [];
  async function code(url: string, opts = {}): Promise<string> {
    try {
      await assertPublicUrl(url, opts);
      return 'ok';
    } catch (e) {
      if (isVigilError(e)) return e.code;
      throw e;
    }
  }

  it('refuses loopback, metadata and private targets, by IP or by name', async () => {
    expect(await code('http://127.0.0.1:9470/hook')).toBe('FORBIDDEN');
    expect(await code('http://[::1]/hook')).toBe('FORBIDDEN');
    expect(await code('http://169.254.169.254/latest/meta-data')).toBe('FORBIDDEN');
    expect(await code('http://internal.example/hook', { resolve: resolve({ 'internal.example': ['10.0.0.5'] }) })).toBe('FORBIDDEN');
    // One private address among public ones is enough to refuse (DNS rebinding).
    expect(await code('http://mixed.example/', { resolve: resolve({ 'mixed.example': ['8.8.8.8', '192.168.0.1'] }) })).toBe('FORBIDDEN');
  });

  it('refuses other schemes and unresolvable hosts', async () => {
    expect(await code('file:///etc/passwd')).toBe('FORBIDDEN');
    expect(await code('gopher://x/')).toBe('FORBIDDEN');
    expect(await code('not a url')).toBe('BAD_REQUEST');
    expect(await code('http://nowhere.invalid/', { resolve: resolve({}) })).toBe('BAD_REQUEST');
  });

  it('allows public targets, and private ones only when configured', async () => {
    expect(await code('https://hooks.example/x', { resolve: resolve({ 'hooks.example': ['93.184.216.34'] }) })).toBe('ok');
    expect(await code('http://127.0.0.1:8080/', { allowPrivate: true })).toBe('ok');
    expect(
      await code('http://receiver.lan/', { allowHosts: ['receiver.lan'], resolve: resolve({ 'receiver.lan': ['192.168.1.9'] }) }),
    ).toBe('ok');
  });
});
