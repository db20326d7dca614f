import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { silentLogger } from '../core/index.js';
import { alertingConfigSchema } from './config.js';
import { AlertManager } from './manager.js';
import { MemoryQuerier } from './testing/memory-querier.js';

const fixture = (name: string) => parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as unknown;

async function start(config: unknown): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
  try {
    const m = new AlertManager({
      dataDir: dir,
      logger: silentLogger(),
      publicUrl: 'http://x',
      querier: new MemoryQuerier(),
      config: alertingConfigSchema.parse(config),
    });
    await m.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('alerting configuration', () => {
  it('accepts the good example and fills defaults', async () => {
    const cfg = alertingConfigSchema.parse(fixture('alerting.good.yml'));
    expect(cfg.rules.map((r) => r.type)).toEqual(['threshold', 'anomaly', 'forecast', 'absence']);
    expect(cfg.rules[0]).toMatchObject({ for: 300_000, keepFiringFor: 120_000, clear: 6 });
    expect(cfg.routes[0]).toMatchObject({ groupWait: 0, continue: true });
    expect(cfg.maintenance[0]?.duration).toBe(45 * 60_000);
    expect(cfg.silences[0]?.endsAt).toBe(Date.parse('2030-01-01T00:00:00Z'));
    await expect(start(cfg)).resolves.toBeUndefined();
    expect(alertingConfigSchema.parse(undefined)).toMatchObject({ groupWait: 30_000, defaultRules: true, rules: [] });
  });

  it('rejects bad examples with a message naming the key', async () => {
    const rule = alertingConfigSchema.safeParse(fixture('alerting.bad-rule.yml'));
    expect(rule.success).toBe(false);
    expect(JSON.stringify(rule.error?.issues[0]?.path)).toBe('["rules",0,"match"]');
    const cron = alertingConfigSchema.safeParse(fixture('alerting.bad-cron.yml'));
    expect(cron.error?.issues[0]?.message).toContain('hour');
    await expect(start(fixture('alerting.bad-route.yml'))).rejects.toThrow(/alerting\.routes\.0\.channels: no channel "nowhere"/);
  });
});
