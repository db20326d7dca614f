/** Something with a name and labels that the fleet filter can match. */
export interface Filterable {
  name: string;
  labels: Record<string, string>;
}

type Term = { kind: 'text'; text: string } | { kind: 'label'; name: string; op: '=' | '!=' | '=~' | '!~'; value: string; re?: RegExp };

/** Parses a filter such as `env=prod role=~"db|cache" web` into terms; bad regexes match nothing. */
export function parseFilter(q: string): Term[] {
  const terms: Term[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))|(\S+)/g;
  for (let m = re.exec(q); m !== null; m = re.exec(q)) {
    if (m[5] !== undefined) {
      terms.push({ kind: 'text', text: m[5].toLowerCase() });
      continue;
    }
    const op = m[2] as '=' | '!=' | '=~' | '!~';
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
    const term: Term = { kind: 'label', name: m[1]!, op, value };
    if (op === '=~' || op === '!~') {
      try {
        term.re = new RegExp(`^(?:${value})$`);
      } catch {
        term.re = /(?!)/;
      }
    }
    terms.push(term);
  }
  return terms;
}

/** Whether an item matches every term: label terms compare labels (`host` is the name), text terms search name and values. */
export function matchesFilter(item: Filterable, terms: readonly Term[]): boolean {
  for (const t of terms) {
    if (t.kind === 'text') {
      if (item.name.toLowerCase().includes(t.text)) continue;
      if (Object.values(item.labels).some((v) => v.toLowerCase().includes(t.text))) continue;
      return false;
    }
    const v = t.name === 'host' ? item.name : (item.labels[t.name] ?? '');
    const ok = t.op === '=' ? v === t.value : t.op === '!=' ? v !== t.value : t.re!.test(v);
    if (t.op === '!~' ? ok : !ok) return false;
  }
  return true;
}
