import type { Labels, SeriesSamples } from '../core/types.js';

/** The few logging calls the agent makes; a pino logger fits, and so does the standalone agent's console logger. */
export interface AgentLogger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
  debug(obj: Record<string, unknown>, msg?: string): void;
}

/** One latency probe run from the agent: an HTTP(S) GET of `target` (a URL) or a TCP connect to `target` (`host:port`). */
export interface ProbeConfig {
  type: 'http' | 'tcp';
  /** URL for `http`, `host:port` for `tcp`. */
  target: string;
  /** Value of the `probe` label; defaults to the target. */
  name?: string;
  /** How often the probe runs, ms; defaults to the agent's interval. */
  intervalMs?: number;
  /** How long one attempt may take before it counts as failed, ms; defaults to min(interval, 10 s). */
  timeoutMs?: number;
  /** HTTP only: accept a certificate that does not verify (the expiry is still reported). */
  insecure?: boolean;
}

/** Where collectors put samples: one call per sample; `t` defaults to the collection time. */
export interface Sink {
  add(name: string, labels: Labels | undefined, value: number, t?: number): void;
}

/** One source of host metrics. */
export interface Collector {
  /** Short name used in logs and in `vigil_agent_collector_errors_total{collector}`. */
  readonly name: string;
  collect(sink: Sink, now: number): Promise<void>;
}

/** Counters and gauges the agent keeps about itself; read with `agent.stats()`. */
export interface AgentStats {
  /** Collections run since start. */
  collections: number;
  /** Batches the server acknowledged with 2xx. */
  sentBatches: number;
  /** Batches refused with a non-retryable 4xx and given up. */
  rejectedBatches: number;
  /** Samples the server refused one by one inside a 2xx answer (out of order, too old, …). */
  rejectedSamples: number;
  /** Batches dropped because the spool was full (oldest first). */
  droppedBatches: number;
  /** Failed attempts to send (network error, timeout, 408/429/5xx). */
  sendErrors: number;
  /** Batches waiting in the spool, including one in flight. */
  spoolBatches: number;
  /** Bytes waiting in the spool. */
  spoolBytes: number;
}

/** A collected batch in the shared columnar form. */
export type Batch = SeriesSamples[];
