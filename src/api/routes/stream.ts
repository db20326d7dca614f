import type { FastifyInstance } from 'fastify';
import { jsonFloatReplacer, type LabelMatcher, VigilError } from '../../core/index.js';
import type { EventHub } from '../event-hub.js';

/** What the stream route needs. */
export interface StreamDeps {
  hub: EventHub;
  /** Parses one series selector (`name{label="v"}`) into matchers; throws on bad input. */
  parseSelector: (text: string) => LabelMatcher[];
  /** Keep-alive comment interval, ms. */
  heartbeatMs?: number;
  /** Most selectors one stream may ask for. */
  maxSelectors?: number;
}

/**
 * `GET /api/v1/stream?match[]=<selector>…`: Server-Sent Events with `samples` (for the selected series),
 * `anomaly`, `alert` and `incident` events of the caller's tenant, and a heartbeat comment every 15 s.
 */
export function registerStreamRoutes(app: FastifyInstance, deps: StreamDeps): void {
  app.get('/api/v1/stream', { config: { auth: 'read' } }, async (req, reply) => {
    const q = req.query as Record<string, string | string[] | undefined>;
    const raw = q['match[]'] ?? q.match;
    const selectors = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    if (selectors.length > (deps.maxSelectors ?? 50))
      throw new VigilError('BAD_REQUEST', `at most ${deps.maxSelectors ?? 50} selectors per stream`);
    const matchers: LabelMatcher[][] = [];
    for (const s of selectors) {
      try {
        matchers.push(deps.parseSelector(s));
      } catch (e) {
        throw new VigilError('BAD_QUERY', `match[]: ${(e as Error).message}`);
      }
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(': connected\nretry: 2000\n\n');
    const unsubscribe = deps.hub.subscribe({
      tenant: req.tenant,
      sampleMatchers: matchers,
      send: (event, data) => {
        if (res.writableLength > 4 * 1024 * 1024) return; // a slow client loses live events, never the server's memory
        res.write(`event: ${event}\ndata: ${JSON.stringify(data, jsonFloatReplacer)}\n\n`);
      },
    });
    const beat = setInterval(() => res.write(': heartbeat\n\n'), deps.heartbeatMs ?? 15_000);
    const end = () => {
      clearInterval(beat);
      unsubscribe();
    };
    req.raw.on('close', end);
    res.on('error', end);
  });
}
