import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseDuration } from '../core/duration.js';
import { VigilError } from '../core/errors.js';
import type { Labels } from '../core/types.js';
import type { ProbeConfig, Sink } from './types.js';

/** One probe measurement waiting for the next batch. */
interface Pending {
  name: string;
  labels: Labels;
  value: number;
  t: number;
}

/** The numbers one probe attempt produced. */
export interface ProbeResult {
  success: boolean;
  durationS: number;
  status?: number;
  ttfbS?: number;
  tlsExpiryS?: number;
  error?: string;
}

/** Parses `http:URL`, `https://…`, `tcp:host:port`, each optionally followed by `,interval=10s,timeout=2s,name=x,insecure`. */
export function parseProbeSpec(spec: string): ProbeConfig {
  const [head = '', ...opts] = spec.split(',');
  let cfg: ProbeConfig;
  if (/^https?:\/\//.test(head)) cfg = { type: 'http', target: head };
  else if (head.startsWith('http:')) cfg = { type: 'http', target: head.slice(5) };
  else if (head.startsWith('tcp:')) cfg = { type: 'tcp', target: head.slice(4) };
  else throw new VigilError('CONFIG_INVALID', `invalid config: --probe ${JSON.stringify(spec)}: expected http:URL or tcp:HOST:PORT`);
  for (const o of opts) {
    const [k, v = ''] = o.split('=');
    if (k === 'name') cfg.name = v;
    else if (k === 'insecure') cfg.insecure = true;
    else if (k === 'interval' || k === 'timeout') {
      const ms = parseDuration(v);
      if (ms === null || ms <= 0)
        throw new VigilError('CONFIG_INVALID', `invalid config: --probe ${JSON.stringify(spec)}: bad ${k} "${v}"`);
      if (k === 'interval') cfg.intervalMs = ms;
      else cfg.timeoutMs = ms;
    } else throw new VigilError('CONFIG_INVALID', `invalid config: --probe ${JSON.stringify(spec)}: unknown option "${k}"`);
  }
  validateProbe(cfg);
  return cfg;
}

/** Throws CONFIG_INVALID when a probe's target does not fit its type. */
export function validateProbe(p: ProbeConfig): void {
  if (p.type === 'http') {
    let u: URL;
    try {
      u = new URL(p.target);
    } catch {
      throw new VigilError('CONFIG_INVALID', `invalid config: probe target ${JSON.stringify(p.target)}: not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new VigilError('CONFIG_INVALID', `invalid config: probe target ${JSON.stringify(p.target)}: expected http:// or https://`);
  } else if (!/^.+:\d{1,5}$/.test(p.target)) {
    throw new VigilError('CONFIG_INVALID', `invalid config: probe target ${JSON.stringify(p.target)}: expected host:port`);
  }
}

/** Runs one HTTP(S) GET: status, time to first byte (response headers), total time, and the TLS certificate's time left. */
export function probeHttp(target: string, timeoutMs: number, insecure = false): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const start = performance.now();
    const elapsed = () => (performance.now() - start) / 1000;
    const u = new URL(target);
    const get = u.protocol === 'https:' ? https.get : http.get;
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    // agent:false gives a fresh connection each time, so connect and TLS handshake are part of the measurement.
    const req = get(u, { agent: false, rejectUnauthorized: !insecure, headers: { 'user-agent': 'vigil-agent' } }, (res) => {
      const ttfbS = elapsed();
      let tlsExpiryS: number | undefined;
      const sock = res.socket as TLSSocket;
      if (typeof sock.getPeerCertificate === 'function') {
        const validTo = Date.parse(sock.getPeerCertificate().valid_to);
        if (!Number.isNaN(validTo)) tlsExpiryS = Math.round((validTo - Date.now()) / 1000);
      }
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () =>
        finish({
          success: status >= 200 && status < 400,
          durationS: elapsed(),
          status,
          ttfbS,
          ...(tlsExpiryS === undefined ? {} : { tlsExpiryS }),
        }),
      );
      res.on('error', (e) => finish({ success: false, durationS: elapsed(), status, error: e.message }));
    });
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ success: false, durationS: elapsed(), error: e.code ?? e.message }));
  });
}

/** Opens and closes one TCP connection, timing the connect. */
export function probeTcp(target: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const colon = target.lastIndexOf(':');
    const host = target.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(target.slice(colon + 1));
    const start = performance.now();
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => sock.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      const durationS = (performance.now() - start) / 1000;
      sock.destroy();
      resolve({ success: true, durationS });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ success: false, durationS: (performance.now() - start) / 1000, error: e.code ?? e.message });
    });
  });
}

/** Runs the configured probes on their own timers and hands their samples to the next batch. */
export class ProbeRunner {
  private pending: Pending[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private running = new Set<Promise<void>>();
  private stopped = true;

  constructor(
    private readonly probes: readonly ProbeConfig[],
    private readonly defaultIntervalMs: number,
  ) {}

  /** Starts every probe: the first run is immediate, then one per interval. */
  start(): void {
    this.stopped = false;
    for (const p of this.probes) this.schedule(p, 0);
  }

  /** Clears the timers and waits for attempts under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.running);
  }

  /** Moves the samples measured since the last call into `sink`. */
  drain(sink: Sink): void {
    for (const s of this.pending) sink.add(s.name, s.labels, s.value, s.t);
    this.pending = [];
  }

  private schedule(p: ProbeConfig, delay: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const run = this.runOnce(p).finally(() => {
        this.running.delete(run);
        this.schedule(p, p.intervalMs ?? this.defaultIntervalMs);
      });
      this.running.add(run);
    }, delay);
    this.timers.add(t);
  }

  /** Runs one probe and queues its samples. */
  async runOnce(p: ProbeConfig): Promise<void> {
    const timeout = p.timeoutMs ?? Math.min(p.intervalMs ?? this.defaultIntervalMs, 10_000);
    const t = Date.now();
    const r = p.type === 'http' ? await probeHttp(p.target, timeout, p.insecure) : await probeTcp(p.target, timeout);
    const labels = { probe: p.name ?? p.target, type: p.type, target: p.target };
    const add = (name: string, value: number) => this.pending.push({ name, labels, value, t });
    add('vigil_probe_success', r.success ? 1 : 0);
    add('vigil_probe_duration_seconds', r.durationS);
    if (p.type === 'http') {
      add('vigil_probe_http_status_code', r.status ?? 0);
      if (r.ttfbS !== undefined) add('vigil_probe_http_ttfb_seconds', r.ttfbS);
      if (r.tlsExpiryS !== undefined) add('vigil_probe_tls_expiry_seconds', r.tlsExpiryS);
    }
    // A probe that outlives a long outage could pile up samples; keep the newest 10k.
    if (this.pending.length > 10_000) this.pending.splice(0, this.pending.length - 10_000);
  }
}
