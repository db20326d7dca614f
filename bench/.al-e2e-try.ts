import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { silentLogger, seriesKey } from '/work/main/src/core/index.js';
import { openStorage } from '/work/main/src/tsdb/index.js';
import { IngestPipeline } from '/work/main/src/ingest/index.js';
import { DetectionEngine } from '/work/main/src/detect/index.js';

const dir = mkdtempSync(join(tmpdir(), 'al-e2e-'));
const logger = silentLogger();
const storage = await openStorage({ dir: join(dir, 'tsdb'), logger });
const pipeline = new IngestPipeline({ storage, logger, registry: new Registry() });
const detection = new DetectionEngine({ logger });
await detection.start();
let scored = 0; let lastLearning = true;
detection.onScores((_t, b) => { for (const s of b) { scored += s.timestamps.length; lastLearning = s.learning; } });
const anomalies: Array<{ at: number; a: unknown }> = [];
detection.onAnomaly((a) => anomalies.push({ at: performance.now(), a }));
pipeline.onAppended((t, b) => detection.push(t, b));
const labels = { __name__: 'node_load1', host: 'e2e-0' };
const now = Date.now();
const step = 60_000;
const n = 26 * 60;
let seed = 1;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
const ts: number[] = []; const vs: number[] = [];
for (let i = n; i >= 1; i--) { ts.push(now - i * step); vs.push(10 + rnd()); }
const t0 = performance.now();
for (let i = 0; i < ts.length; i += 200) {
  const r = await pipeline.write('default', [{ labels, timestamps: ts.slice(i, i + 200), values: vs.slice(i, i + 200) }]);
  if (r.rejected.length) console.log('rejected', r.rejected.slice(0, 3));
}
while (scored < n) await new Promise((r) => setTimeout(r, 20));
console.log('warm', performance.now() - t0, 'ms learning', lastLearning, 'anomalies', anomalies.length);
for (let k = 0; k < 5; k++) {
  const s = performance.now();
  await pipeline.write('default', [{ labels, timestamps: [now + k * step], values: [100 + k] }]);
  const before = anomalies.length;
  const end = Date.now() + 3000;
  while (anomalies.length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 1));
  console.log('spike', k, anomalies.length > before ? (anomalies.at(-1)!.at - s).toFixed(1) + ' ms' : 'no anomaly', JSON.stringify(anomalies.at(-1)?.a)?.slice(0, 300));
}
await detection.stop(); await storage.close();
