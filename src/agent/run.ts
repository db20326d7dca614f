import type { Agent } from './agent.js';
import type { AgentLogger } from './types.js';

/**
 * Runs `agent` as the process's main job, for the `vigil agent` command and the one-file agent alike: with
 * `once`, one collection and exit (0 when it was shipped, else 1); otherwise start, then on SIGINT or SIGTERM
 * stop cleanly (the spool and shipping wound down) and exit 0, or 1 when stopping failed. `beforeExit` runs
 * before every exit (e.g. flushing a buffered logger).
 */
export async function runAgentProcess(agent: Agent, opts: { once: boolean; logger: AgentLogger; beforeExit?: () => void }): Promise<void> {
  const exit = (code: number): never => {
    opts.beforeExit?.();
    process.exit(code);
  };
  if (opts.once) exit((await agent.runOnce()) ? 0 : 1);
  await agent.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    opts.logger.info({ signal }, 'stopping agent');
    agent.stop().then(
      () => exit(0),
      (e: unknown) => {
        opts.logger.error({ err: e }, 'agent did not stop cleanly');
        exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
