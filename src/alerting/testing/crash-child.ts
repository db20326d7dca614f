/**
 * Child process of the crash test: `enqueue` creates one incident per host (so one notification each) and keeps
 * trying to deliver until it is killed; `deliver` restarts on the same data directory and delivers what is pending.
 * Usage: node --import tsx crash-child.ts <dataDir> <webhookUrl> <enqueue|deliver> <count>
 */
import { DEFAULT_TENANT, seriesKey, silentLogger } from '../../core/index.js';
import { alertingConfigSchema } from '../config.js';
import { AlertManager } from '../manager.js';
import { MemoryQuerier } from './memory-querier.js';

const [dataDir, url, phase, countText] = process.argv.slice(2) as [string, string, string, string];
const config = alertingConfigSchema.parse({
  allowPrivateTargets: true,
  groupWait: 0,
  defaultRules: false,
  rules: [{ name: 'anomalies', type: 'anomaly', minScore: 0.5, minSeverity: 'warning', keepFiringFor: '1h' }],
  incidents: { hostWindow: 0, coStartWindow: 0 },
  channels: [{ id: 'hook', type: 'webhook', url, secret: 'crash-test-secret' }],
  outbox: { initialBackoff: '100ms', maxBackoff: '200ms', concurrency: 4, timeout: '30s' },
});
const manager = new AlertManager({
  dataDir,
  logger: silentLogger(),
  publicUrl: 'http://vigil.test',
  querier: new MemoryQuerier(),
  config,
  outboxPollInterval: 50,
});
if (phase === 'enqueue') {
  for (let i = 0; i < Number(countText); i++) {
    const labels = { __name__: 'node_load1', host: `host-${i}` };
    manager.onAnomaly({
      tenant: DEFAULT_TENANT,
      series: seriesKey(labels),
      labels,
      t: Date.now(),
      value: 50,
      score: 0.99,
      severity: 'critical',
      expected: [0, 2],
      detectors: ['spike'],
      reason: 'load far above normal',
    });
  }
  // Every notification is committed to the outbox when onAnomaly returns; the parent may kill us from here on.
  process.stdout.write(`ENQUEUED ${JSON.stringify(manager.outboxStats())}\n`);
}
manager.start();
process.on('SIGTERM', () => {
  manager
    .stop()
    .then(() => process.exit(0))
    .catch(() => process.exit(1));
});
