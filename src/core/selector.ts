import type { LabelMatcher, MatchOp } from './types.js';

const MATCHER_RE = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/;

/**
 * Parses a PromQL series selector such as `node_load1{host=~"web-.*",env!="dev"}` or `{severity="critical"}`
 * into label matchers; throws an Error naming the problem when it is not one.
 */
export function parseSelector(text: string): LabelMatcher[] {
  const s = text.trim();
  const brace = s.indexOf('{');
  const name = (brace === -1 ? s : s.slice(0, brace)).trim();
  const out: LabelMatcher[] = [];
  if (name !== '') {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`invalid metric name "${name}" in selector`);
    out.push({ name: '__name__', op: '=', value: name });
  }
  if (brace === -1) {
    if (name === '') throw new Error('empty selector');
    return out;
  }
  if (!s.endsWith('}')) throw new Error(`selector "${s}" has no closing brace`);
  let body = s.slice(brace + 1, -1);
  while (body.trim() !== '') {
    const m = MATCHER_RE.exec(body);
    if (m === null) throw new Error(`cannot parse matcher at "${body.trim().slice(0, 40)}"`);
    const value = JSON.parse(`"${m[3]}"`) as string;
    const op = m[2] as MatchOp;
    if (op === '=~' || op === '!~') {
      try {
        new RegExp(value);
      } catch {
        throw new Error(`invalid regular expression "${value}"`);
      }
    }
    out.push({ name: m[1] as string, op, value });
    body = body.slice(m[0].length);
  }
  return out;
}

/** Formats matchers back into selector text. */
export function formatSelector(matchers: readonly LabelMatcher[]): string {
  const name = matchers.find((m) => m.name === '__name__' && m.op === '=');
  const rest = matchers.filter((m) => m !== name).map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`);
  return `${name?.value ?? ''}{${rest.join(',')}}`;
}
