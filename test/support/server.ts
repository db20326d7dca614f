import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '../../src/api/index.js';
import { type VigilConfigInput, vigilConfigSchema } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';

/** Credentials every test server is seeded with. */
export const TEST_AGENT_KEY = 'vgl_ak_test-agent-key-0123456789';
export const TEST_ADMIN_PASSWORD = 'test-admin-password';

/** A real server on a random loopback port with a temporary data dir, plus helpers to call it. */
export interface TestServer extends RunningServer {
  dataDir: string;
  /** Authorization header for the seeded admin (basic auth). */
  adminAuth: string;
  /** Authorization header for the seeded agent key. */
  agentAuth: string;
  /** Stops the server and deletes its data dir. */
  dispose(): Promise<void>;
}

/** Starts a real Vigil server for a test; pass config overrides (the data dir and port are set for you). */
export async function startTestServer(overrides: VigilConfigInput = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-test-'));
  const config = vigilConfigSchema.parse({
    ...overrides,
    server: {
      host: '127.0.0.1',
      port: 0,
      data: dir,
      localAgent: false,
      agentKey: TEST_AGENT_KEY,
      adminPassword: TEST_ADMIN_PASSWORD,
      ...overrides.server,
    },
  });
  const server = await startServer({ config, logger: silentLogger() });
  return {
    ...server,
    dataDir: dir,
    adminAuth: `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}`,
    agentAuth: `Bearer ${TEST_AGENT_KEY}`,
    async dispose() {
      await server.close();
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
