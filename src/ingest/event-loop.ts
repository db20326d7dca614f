/** Lets timers, I/O and other requests run before going on: the pause between two slices of a large request. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
