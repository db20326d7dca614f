import { type Labels, parseSelector, parseTimestamp } from '../core/index.js';

/**
 * Splits one CSV line into cells: double-quoted cells may hold commas and doubled quotes (RFC 4180), and commas
 * inside `{…}` need no quoting, so a header such as `node_cpu_seconds_total{cpu="0",mode="idle"}` is one cell.
 */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (line[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"' && depth === 0 && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === ',' && depth === 0) {
      out.push(cell);
      cell = '';
    } else {
      if (ch === '{') depth++;
      else if (ch === '}' && depth > 0) depth--;
      cell += ch;
    }
  }
  out.push(cell);
  return out;
}

/**
 * Labels of a CSV column header: a Prometheus series name (`name` or `name{k="v",…}`, so the detector knows a
 * counter or a core signal), else the header turned into a metric name (`CPU %` → `CPU__`).
 */
export function columnLabels(header: string): Labels {
  const text = header.trim();
  try {
    const matchers = parseSelector(text);
    if (matchers.length > 0 && matchers.every((m) => m.op === '=')) {
      const labels: Labels = {};
      for (const m of matchers) labels[m.name] = m.value;
      if (labels.__name__ !== undefined) return labels;
    }
  } catch {
    // Not a series name: fall through to a plain name.
  }
  const name = text.replace(/[^a-zA-Z0-9_:]/g, '_');
  return { __name__: /^[a-zA-Z_:]/.test(name) ? name : `_${name}` };
}

/** The shape of a host CSV: whether the first column is a timestamp, and the labels of each series column. */
export interface HostCsvLayout {
  hasTimestamp: boolean;
  columns: Labels[];
}

/**
 * Reads the layout from the first line. With a header, a first column named `timestamp` (or `time`) holds the
 * times; with `header` false the columns are `column_1`… and the first is a timestamp only when it reads as a
 * date (`YYYY-MM-DD HH:MM:SS`), since a number could as well be a value.
 */
export function hostCsvLayout(first: string, header: boolean): HostCsvLayout {
  const cells = splitCsvLine(first);
  if (header) {
    const hasTimestamp = /^\s*(timestamp|time)\s*$/i.test(cells[0] ?? '');
    const columns = (hasTimestamp ? cells.slice(1) : cells).map(columnLabels);
    if (columns.length === 0) throw new Error('the header names no series column');
    return { hasTimestamp, columns };
  }
  const hasTimestamp = /^\s*\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(cells[0] ?? '');
  const n = cells.length - (hasTimestamp ? 1 : 0);
  if (n <= 0) throw new Error('the first row holds no series column');
  return { hasTimestamp, columns: Array.from({ length: n }, (_, i) => ({ __name__: `column_${i + 1}` })) };
}

/** One parsed row: the timestamp as written (empty without a timestamp column), its Unix ms, and the values. */
export interface HostCsvRow {
  text: string;
  t: number;
  values: number[];
}

/** Parses one data row of a host CSV; throws naming the row when its shape or timestamp is wrong. Empty cells are NaN. */
export function parseHostRow(line: string, layout: HostCsvLayout, rowNumber: number): HostCsvRow {
  const cells = splitCsvLine(line);
  const want = layout.columns.length + (layout.hasTimestamp ? 1 : 0);
  if (cells.length !== want) throw new Error(`row ${rowNumber}: expected ${want} cells, got ${cells.length}`);
  let text = '';
  let t = Number.NaN;
  if (layout.hasTimestamp) {
    text = cells[0] as string;
    t = parseTimestamp(text);
    if (Number.isNaN(t)) throw new Error(`row ${rowNumber}: bad timestamp ${JSON.stringify(text)} (use YYYY-MM-DD HH:MM:SS or Unix ms)`);
  }
  const values = cells.slice(layout.hasTimestamp ? 1 : 0).map((c) => (c.trim() === '' ? Number.NaN : Number(c)));
  return { text, t, values };
}
