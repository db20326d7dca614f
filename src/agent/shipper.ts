import http from 'node:http';
import https from 'node:https';
import type { Spool } from './spool.js';
import type { AgentLogger } from './types.js';

/** Options for the component that drains the spool to the server. */
export interface ShipperOptions {
  /** Base URL of the Vigil server, e.g. `https://vigil.example:9470`. */
  server: string;
  key: string;
  spool: Spool;
  logger: AgentLogger;
  /** PEM text of extra CA certificates trusted for the server's TLS certificate. */
  ca?: string | Buffer;
  /** One request's time limit, ms. Default 15 s. */
  requestTimeoutMs?: number;
  /** First retry delay, ms; doubles per failure up to `maxBackoffMs`, with full jitter over its upper half. Default 1 s. */
  minBackoffMs?: number;
  /** Longest retry delay, ms. Default 60 s. */
  maxBackoffMs?: number;
}

/** What one attempt to deliver a batch came to. */
export type SendOutcome =
  | { kind: 'ok'; accepted: number; rejected: number }
  | { kind: 'rejected'; status: number; detail: string }
  | { kind: 'retry'; status?: number; retryAfterMs?: number; detail: string };

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/**
 * Delivers spooled batches in order, one at a time: the head is removed only once the server answers 2xx (or refuses
 * it for good with a 4xx other than 408/429), so a replay after an outage keeps the collection order.
 */
export class Shipper {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly timeoutMs: number;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private stopping = false;
  private deadline = Number.POSITIVE_INFINITY;
  private inflight: http.ClientRequest | undefined;
  private failures = 0;
  private lastLoggedFailure = 0;

  /** Batches delivered with a 2xx. */
  sentBatches = 0;
  /** Batches refused with a non-retryable 4xx. */
  rejectedBatches = 0;
  /** Samples refused one by one inside 2xx answers. */
  rejectedSamples = 0;
  /** Failed attempts (network errors, timeouts, 408/429/5xx). */
  sendErrors = 0;

  constructor(private readonly opts: ShipperOptions) {
    this.url = new URL(opts.server);
    // A server URL with a path prefix (behind a proxy) keeps it.
    this.url.pathname = `${this.url.pathname.replace(/\/$/, '')}/api/v1/ingest`;
    const tls = this.url.protocol === 'https:';
    this.agent = tls
      ? new https.Agent({ keepAlive: true, maxSockets: 1, ca: opts.ca })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.request = tls ? https.request : http.request;
    this.timeoutMs = opts.requestTimeoutMs ?? 15_000;
    this.minBackoff = opts.minBackoffMs ?? 1000;
    this.maxBackoff = opts.maxBackoffMs ?? 60_000;
  }

  /** Starts draining if not already doing so; call after every push. */
  kick(): void {
    if (this.loop !== undefined || this.stopping) return;
    this.loop = this.drain().finally(() => {
      this.loop = undefined;
    });
  }

  /** Wakes a drain loop waiting out a backoff, e.g. because a flush was asked for. */
  poke(): void {
    this.failures = 0;
    this.wake?.();
  }

  /**
   * Stops draining: keeps sending what is queued until the queue is empty, one attempt fails, or `timeoutMs` passes;
   * whatever is left stays in the spool (on disk when the spool is a DiskSpool).
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.deadline = Date.now() + timeoutMs;
    const abort = setTimeout(() => this.inflight?.destroy(new Error('agent stopping')), timeoutMs);
    this.wake?.();
    if (this.loop === undefined && this.opts.spool.batches > 0) this.loop = this.drain();
    await this.loop;
    clearTimeout(abort);
    this.agent.destroy();
  }

  /** True while nothing waits in the spool. */
  get idle(): boolean {
    return this.opts.spool.batches === 0;
  }

  /** Resolves once the spool is empty or `timeoutMs` passed; true when empty. */
  async flush(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    this.poke();
    this.kick();
    while (!this.idle && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.idle;
  }

  private async drain(): Promise<void> {
    const spool = this.opts.spool;
    while (Date.now() < this.deadline) {
      const entry = await spool.peek();
      if (entry === undefined) return;
      const out = await this.send(entry.body);
      if (out.kind === 'ok') {
        this.sentBatches++;
        this.rejectedSamples += out.rejected;
        if (this.failures > 0)
          this.opts.logger.info({ failures: this.failures, queued: spool.batches - 1 }, 'server reachable again; replaying spool');
        this.failures = 0;
        await spool.remove(entry.seq);
        continue;
      }
      if (out.kind === 'rejected') {
        this.rejectedBatches++;
        this.opts.logger.error({ status: out.status, detail: out.detail }, 'server refused a batch; dropping it');
        await spool.remove(entry.seq);
        continue;
      }
      this.sendErrors++;
      this.failures++;
      if (this.stopping) return;
      const delay = this.backoff(out.retryAfterMs);
      // Log the first failure and then at most once a minute, so an hour-long outage does not flood the log.
      if (this.failures === 1 || Date.now() - this.lastLoggedFailure > 60_000) {
        this.lastLoggedFailure = Date.now();
        this.opts.logger.warn(
          { status: out.status, detail: out.detail, retryInMs: Math.round(delay), queued: spool.batches },
          'cannot deliver batch; keeping it in the spool',
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private backoff(retryAfterMs: number | undefined): number {
    const exp = Math.min(this.maxBackoff, this.minBackoff * 2 ** Math.min(this.failures - 1, 30));
    const jittered = exp / 2 + Math.random() * (exp / 2);
    return Math.max(jittered, Math.min(retryAfterMs ?? 0, this.maxBackoff * 5));
  }

  /** One POST of a gzipped batch. */
  send(body: Buffer): Promise<SendOutcome> {
    return new Promise((resolve) => {
      const req = this.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.opts.key}`,
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'content-length': body.length,
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => resolve({ kind: 'retry', detail: e.message }));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            if (status >= 200 && status < 300) {
              let rejected = 0;
              let accepted = 0;
              try {
                const j = JSON.parse(text) as { accepted?: number; rejected?: unknown[] };
                accepted = j.accepted ?? 0;
                rejected = Array.isArray(j.rejected) ? j.rejected.length : 0;
              } catch {
                // A 2xx without the documented body still means stored.
              }
              resolve({ kind: 'ok', accepted, rejected });
            } else if (status === 408 || status === 429 || status >= 500) {
              const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
              resolve({ kind: 'retry', status, detail: text.slice(0, 200), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
            } else {
              resolve({ kind: 'rejected', status, detail: text.slice(0, 300) });
            }
          });
        },
      );
      this.inflight = req;
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'retry', detail: e.code ?? e.message }));
      req.on('close', () => {
        if (this.inflight === req) this.inflight = undefined;
      });
      req.end(body);
    });
  }
}
