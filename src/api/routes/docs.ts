import type { FastifyInstance } from 'fastify';
import { packageVersion } from '../../core/index.js';
import { buildOpenApi, type OpenApiDocument } from '../openapi.js';

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inline code spans (`x`) of the hand-written texts, after escaping. */
function text(s: unknown): string {
  return esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function schemaText(s: unknown): string {
  if (s === undefined) return '';
  const r = (s as { $ref?: string }).$ref;
  if (r !== undefined) {
    const name = r.split('/').pop() ?? r;
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  return block(s);
}

/** Short values on one line, longer ones pretty-printed. */
function block(v: unknown): string {
  if (typeof v === 'string') return `<pre>${esc(v)}</pre>`;
  const flat = JSON.stringify(v);
  return flat.length <= 100 ? `<code>${esc(flat)}</code>` : `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:68em;margin:2em auto;padding:0 1em;color:#1d232a}
h2{margin-top:2em;border-bottom:1px solid #ccd}code,pre{font:13px ui-monospace,monospace;background:#f3f4f7}
pre{padding:.5em;overflow:auto;max-height:24em}section.op{border:1px solid #dde;border-radius:6px;margin:1em 0;padding:.2em 1em}
.m{display:inline-block;min-width:4.5em;font-weight:700;font-family:ui-monospace,monospace}.get{color:#1a6}.post{color:#15c}
.put{color:#a60}.delete{color:#c33}.scope{float:right;font-size:12px;border:1px solid #99a;border-radius:4px;padding:0 .4em}
table{border-collapse:collapse}td,th{border:1px solid #dde;padding:.2em .5em;text-align:left;vertical-align:top}`;

/** Renders the OpenAPI document as one self-contained HTML page (no script, no external resource). */
export function renderApiHtml(doc: OpenApiDocument): string {
  const info = doc.info as { title: string; version: string; description: string };
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const o = op as {
        tags: string[];
        summary: string;
        description: string;
        'x-vigil-scope': string;
        parameters: { name: string; in: string; required: boolean; description: string }[];
        requestBody?: { content: Record<string, { schema: unknown; example?: unknown }> };
        responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
      };
      const parts = [
        `<section class="op" id="${slug(`${method} ${path}`)}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span>`,
        `<code>${esc(path)}</code> <span class="scope">${esc(o['x-vigil-scope'])}</span></h3><p>${text(o.summary)}</p>`,
        ...o.description.split('\n\n').map((p) => `<p>${text(p)}</p>`),
      ];
      if (o.parameters.length > 0) {
        parts.push('<table><tr><th>parameter</th><th>in</th><th>meaning</th></tr>');
        for (const p of o.parameters)
          parts.push(
            `<tr><td><code>${esc(p.name)}</code>${p.required ? ' (required)' : ''}</td><td>${esc(p.in)}</td><td>${text(p.description)}</td></tr>`,
          );
        parts.push('</table>');
      }
      if (o.requestBody) {
        for (const [type, c] of Object.entries(o.requestBody.content)) {
          parts.push(`<p>Body <code>${esc(type)}</code>: ${schemaText(c.schema)}</p>`);
          if (c.example !== undefined) parts.push(`<p>Example: ${block(c.example)}</p>`);
        }
      }
      parts.push('<table><tr><th>status</th><th>answer</th></tr>');
      for (const [status, r] of Object.entries(o.responses)) {
        const bodies = Object.entries(r.content ?? {})
          .map(([t, c]) => `<code>${esc(t)}</code> ${schemaText(c.schema)}`)
          .join('<br>');
        parts.push(`<tr><td>${esc(status)}</td><td>${text(r.description)}${bodies ? `<br>${bodies}` : ''}</td></tr>`);
      }
      parts.push('</table></section>');
      const list = byTag.get(o.tags[0] ?? '') ?? [];
      list.push(parts.join(''));
      byTag.set(o.tags[0] ?? '', list);
    }
  }
  const components = doc.components as { schemas: Record<string, unknown>; securitySchemes: Record<string, { description: string }> };
  const tags = [...byTag.keys()].sort();
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`,
    `<title>${esc(info.title)} ${esc(info.version)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1><p>${text(info.description)}</p>`,
    '<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>',
    '<h2 id="auth">Authentication</h2><table>',
    ...Object.entries(components.securitySchemes).map(
      ([n, s]) => `<tr><td><code>${esc(n)}</code></td><td>${text(s.description)}</td></tr>`,
    ),
    '</table><p>Scopes: <code>public</code> (none), <code>ingest</code> (agent key, editor, admin), <code>read</code> (viewer, editor, admin),',
    ' <code>write</code> (editor, admin), <code>admin</code>.</p>',
    `<nav><ul>${tags.map((t) => `<li><a href="#tag-${slug(t)}">${esc(t)}</a></li>`).join('')}<li><a href="#schemas">schemas</a></li></ul></nav>`,
    ...tags.map((t) => `<h2 id="tag-${slug(t)}">${esc(t)}</h2>${(byTag.get(t) ?? []).join('')}`),
    '<h2 id="schemas">Schemas</h2>',
    ...Object.entries(components.schemas).map(
      ([n, s]) => `<h3 id="schema-${esc(n)}">${esc(n)}</h3><pre>${esc(JSON.stringify(s, null, 2))}</pre>`,
    ),
    '</body></html>',
  ].join('\n');
}

/**
 * `GET /api/v1/openapi.json` (the OpenAPI 3.1 document of every route this server registered) and `GET /docs`
 * (the same as a self-contained HTML page); both public. The document is built on first request, once every
 * route is registered.
 */
export function registerDocsRoutes(app: FastifyInstance): void {
  let doc: OpenApiDocument | undefined;
  let html: string | undefined;
  const current = (): OpenApiDocument => {
    doc ??= buildOpenApi(app.vigilRoutes, { version: packageVersion() });
    return doc;
  };
  app.get('/api/v1/openapi.json', { config: { auth: 'public' } }, async () => current());
  app.get('/docs', { config: { auth: 'public' } }, async (_req, reply) => {
    html ??= renderApiHtml(current());
    return reply.type('text/html; charset=utf-8').send(html);
  });
}
