import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWorker } from './worker.js';

describe('startWorker', () => {
  it('runs a TypeScript worker module (with type syntax) and a JavaScript one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-worker-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      const ts = join(dir, 'w.ts');
      writeFileSync(ts, "import { parentPort } from 'node:worker_threads';\nconst n: number = 41;\nparentPort!.postMessage(n + 1);\n");
      const js = join(dir, 'w.mjs');
      writeFileSync(js, "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage('js');\n");
      for (const [file, expected] of [
        [ts, 42],
        [js, 'js'],
      ] as const) {
        const w = startWorker(pathToFileURL(file));
        const got = await new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        });
        expect(got).toBe(expected);
        await w.terminate();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
