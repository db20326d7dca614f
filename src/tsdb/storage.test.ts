import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageContract } from './contract.test-suite.js';
import type { Storage } from './interface.js';
import { openStorage } from './storage.js';

storageContract('embedded SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
  return {
    open: () => openStorage({ dir }),
    reopen: async (store: Storage) => {
      await store.close();
      return openStorage({ dir });
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
