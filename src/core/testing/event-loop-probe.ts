/**
 * TEST AND BENCH HELPER: measures how long the event loop is held (DESIGN.md, "Never block the event loop").
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** CPU time (ns) the main thread has run so far, from Linux's schedstat, or null where that is not available. */
function mainThreadRunNs(): number | null {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/**
 * The longest the event loop was held while `run` ran, in ms: the most CPU time the main thread spent between
 * two turns of a 2 ms timer. CPU time, not wall time, because on a busy machine the OS may keep the thread
 * waiting for a core for tens of milliseconds even when it runs nothing but short tasks, which is not a block;
 * a real block (a whole-body synchronous pass) is CPU time. Where schedstat cannot be read (not Linux), wall
 * time (monitorEventLoopDelay) is used instead.
 */
export async function longestBlock(run: () => Promise<void>): Promise<number> {
  if (mainThreadRunNs() === null) {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    await run();
    h.disable();
    return h.max / 1e6;
  }
  let last = mainThreadRunNs() as number;
  let longest = 0;
  const timer = setInterval(() => {
    const now = mainThreadRunNs() as number;
    longest = Math.max(longest, now - last);
    last = now;
  }, 2);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  longest = Math.max(longest, (mainThreadRunNs() as number) - last);
  return longest / 1e6;
}
