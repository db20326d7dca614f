import type { Labels } from '../../core/index.js';

/** One sample read from a scrape: full label set (with `__name__`), value, and its own timestamp (Unix ms) if it had one. */
export interface ExpositionSample {
  labels: Labels;
  value: number;
  timestamp: number | null;
}

/** What parsing one exposition body gave: the samples and the lines that could not be read. */
export interface ExpositionResult {
  samples: ExpositionSample[];
  errors: { line: number; message: string }[];
  /** Metric family types declared with `# TYPE`. */
  types: Map<string, string>;
}

/** Which exposition format a body is in. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** Picks the format from a response's Content-Type (`application/openmetrics-text` → OpenMetrics, anything else → text 0.0.4). */
export function formatFromContentType(contentType: string | null | undefined): ExpositionFormat {
  return /^application\/openmetrics-text\b/i.test(contentType ?? '') ? 'openmetrics' : 'text';
}

class ParseError extends Error {}

/** Parses a float the way Go's ParseFloat does for exposition values (`NaN`, `+Inf`, `-Inf`, `Inf` included). */
export function parseExpositionFloat(text: string): number {
  switch (text) {
    case 'NaN':
    case 'nan':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
    case '-inf':
      return Number.NEGATIVE_INFINITY;
  }
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) && !/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) {
    throw new ParseError(`invalid value "${text.slice(0, 40)}"`);
  }
  return Number(text);
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Reads a double-quoted, escaped string (`\\`, `\"`, `\n`) starting at `pos` (the opening quote). */
function quoted(line: string, pos: number): [string, number] {
  let out = '';
  let i = pos + 1;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === '\\') {
      const n = line[i + 1];
      if (n === 'n') out += '\n';
      else if (n === '\\' || n === '"') out += n;
      else if (n === undefined) break;
      else out += `\\${n}`;
      i += 2;
      continue;
    }
    if (c === '"') return [out, i + 1];
    out += c;
    i++;
  }
  throw new ParseError('unterminated label value');
}

function skipSpaces(line: string, pos: number): number {
  while (line[pos] === ' ' || line[pos] === '\t') pos++;
  return pos;
}

function parseSampleLine(line: string, format: ExpositionFormat): ExpositionSample {
  const labels: Labels = {};
  let pos = 0;
  let name = '';
  if (line[0] !== '{') {
    const m = NAME_RE.exec(line);
    if (m === null) throw new ParseError('invalid metric name');
    name = m[0];
    pos = m[0].length;
  }
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      pos = skipSpaces(line, pos);
      if (line[pos] === '}') {
        pos++;
        break;
      }
      let key: string;
      if (line[pos] === '"') {
        // Quoted names (UTF-8 names in newer exposition): a lone quoted string is the metric name.
        [key, pos] = quoted(line, pos);
        pos = skipSpaces(line, pos);
        if (line[pos] !== '=') {
          if (name !== '') throw new ParseError('two metric names');
          name = key;
          if (line[pos] === ',') pos++;
          continue;
        }
      } else {
        const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos, pos + 256));
        if (m === null) throw new ParseError('invalid label name');
        key = m[0];
        pos += key.length;
        pos = skipSpaces(line, pos);
      }
      if (line[pos] !== '=') throw new ParseError(`expected "=" after label "${key.slice(0, 40)}"`);
      pos = skipSpaces(line, pos + 1);
      if (line[pos] !== '"') throw new ParseError(`expected a quoted value for label "${key.slice(0, 40)}"`);
      let value: string;
      [value, pos] = quoted(line, pos);
      if (Object.hasOwn(labels, key)) throw new ParseError(`duplicate label "${key.slice(0, 40)}"`);
      labels[key] = value;
      pos = skipSpaces(line, pos);
      if (line[pos] === ',') {
        pos++;
        continue;
      }
      if (line[pos] === '}') {
        pos++;
        break;
      }
      throw new ParseError('expected "," or "}" in label set');
    }
  }
  if (name === '') throw new ParseError('missing metric name');
  if (line[pos] !== ' ' && line[pos] !== '\t') throw new ParseError('expected a space before the value');
  let rest = line.slice(skipSpaces(line, pos));
  if (format === 'openmetrics') {
    const ex = rest.indexOf(' # ');
    if (ex >= 0) rest = rest.slice(0, ex);
  }
  const parts = rest.trim().split(/[ \t]+/);
  if (parts.length === 0 || parts[0] === '') throw new ParseError('missing value');
  if (parts.length > 2) throw new ParseError('unexpected text after timestamp');
  const value = parseExpositionFloat(parts[0] as string);
  let timestamp: number | null = null;
  if (parts.length === 2) {
    const raw = parts[1] as string;
    if (format === 'openmetrics') {
      const s = parseExpositionFloat(raw);
      if (!Number.isFinite(s)) throw new ParseError(`invalid timestamp "${raw.slice(0, 40)}"`);
      timestamp = Math.round(s * 1000);
    } else {
      if (!/^-?\d+$/.test(raw)) throw new ParseError(`invalid timestamp "${raw.slice(0, 40)}"`);
      timestamp = Number(raw);
    }
  }
  labels.__name__ = name;
  return { labels, value, timestamp };
}

const CREATED_TYPES = new Set(['counter', 'histogram', 'summary', 'gaugehistogram']);

/**
 * Parses the Prometheus text exposition format (0.0.4) or OpenMetrics 1.0. Comment and metadata lines are
 * read for types only; OpenMetrics exemplars are ignored and `_created` series of counters, histograms and
 * summaries are dropped (as Prometheus does by default); OpenMetrics timestamps are seconds, text ones ms.
 * A line that cannot be read is reported and skipped.
 */
export function parseExposition(body: string, format: ExpositionFormat): ExpositionResult {
  const out: ExpositionResult = { samples: [], errors: [], types: new Map() };
  let lineNo = 0;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    lineNo++;
    let line = body.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      if (format === 'openmetrics' && trimmed === '# EOF') break;
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)/.exec(trimmed);
      if (m !== null) out.types.set(m[1] as string, (m[2] as string).toLowerCase());
      continue;
    }
    try {
      const s = parseSampleLine(trimmed, format);
      const name = s.labels.__name__ as string;
      if (format === 'openmetrics' && name.endsWith('_created') && CREATED_TYPES.has(out.types.get(name.slice(0, -8)) ?? '')) continue;
      out.samples.push(s);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      out.errors.push({ line: lineNo, message: e.message });
    }
  }
  return out;
}
