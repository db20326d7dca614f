import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Where the dashboard build and the agent bundle are found. */
export interface StaticDeps {
  /** The dashboard's build folder (`web/dist`); a placeholder page is served when it is missing. */
  webDir: string;
  /** The standalone agent bundle (`dist/agent.js`). */
  agentBundle: string;
}

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vigil</title></head>
<body style="font-family:system-ui;max-width:40em;margin:4em auto"><h1>Vigil is running</h1>
<p>The dashboard has not been built in this checkout (run <code>npm run build</code>).
The API is at <code>/api/v1/</code>, health at <code>/healthz</code>, metrics at <code>/metrics</code>.</p></body></html>`;

/** Serves the dashboard at `/` (single-page app: unknown paths get index.html) and the agent at `/agent.js`. */
export function registerStaticRoutes(app: FastifyInstance, deps: StaticDeps): void {
  const root = normalize(deps.webDir + sep);
  app.get('/agent.js', { config: { auth: 'public' } }, async (_req, reply) => {
    if (!existsSync(deps.agentBundle))
      return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'agent bundle not built; run npm run build' } });
    return reply.type('text/javascript; charset=utf-8').send(await readFile(deps.agentBundle));
  });
  app.get('/*', { config: { auth: 'public' } }, async (req, reply) => {
    const path = decodeURIComponent(req.url.split('?')[0] ?? '/');
    if (path.startsWith('/api/')) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route GET ${path}` } });
    const index = join(root, 'index.html');
    if (!existsSync(index)) return reply.type(TYPES['.html']!).send(PLACEHOLDER);
    const file = normalize(join(root, path));
    const inside = file.startsWith(root) && existsSync(file) && extname(file) !== '';
    const target = inside ? file : index;
    const type = TYPES[extname(target)] ?? 'application/octet-stream';
    if (target !== index && path.startsWith('/assets/')) void reply.header('Cache-Control', 'public, max-age=31536000, immutable');
    return reply.type(type).send(await readFile(target));
  });
}
