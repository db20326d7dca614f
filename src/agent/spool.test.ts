import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskSpool, MemorySpool, type Spool } from './spool.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const buf = (s: string) => Buffer.from(s.padEnd(100, '.'));

async function drainAll(s: Spool): Promise<string[]> {
  const out: string[] = [];
  for (let e = await s.peek(); e !== undefined; e = await s.peek()) {
    out.push(e.body.toString().replace(/\.+$/, ''));
    await s.remove(e.seq);
  }
  return out;
}

describe.each([
  ['memory', () => new MemorySpool(350)],
  ['disk', () => new DiskSpool(join(dir, `cap-${Math.random()}`), 350)],
])('%s spool', (_name, make) => {
  it('is FIFO, drops the oldest beyond the cap and counts them, but never the batch in flight', async () => {
    const s = make();
    await s.open();
    for (const x of ['a', 'b', 'c']) await s.push(buf(x));
    const head = await s.peek();
    expect(head?.body.toString()).toMatch(/^a/);
    await s.push(buf('d'));
    await s.push(buf('e'));
    // a is in flight, so b and c went instead.
    expect(s.dropped).toBe(2);
    expect(s.bytes).toBe(300);
    expect(await drainAll(s)).toEqual(['a', 'd', 'e']);
    expect(s.batches).toBe(0);
  });
});

describe('disk spool', () => {
  it('survives a restart in order, ignoring half-written files', async () => {
    const d = join(dir, 'restart');
    const s1 = new DiskSpool(d, 10_000);
    await s1.open();
    for (const x of ['1', '2', '3']) await s1.push(buf(x));
    writeFileSync(join(d, '0000000000000009.json.gz.tmp'), 'partial');
    const s2 = new DiskSpool(d, 10_000);
    await s2.open();
    expect(s2.batches).toBe(3);
    await s2.push(buf('4'));
    expect(await drainAll(s2)).toEqual(['1', '2', '3', '4']);
  });
});
