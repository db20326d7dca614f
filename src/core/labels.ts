import type { LabelMatcher, Labels } from './types.js';

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Limits applied to every incoming label set. */
export interface LabelLimits {
  maxLabels: number;
  maxNameLength: number;
  maxValueLength: number;
}

/** Default label limits (Prometheus has none by default; these keep one series under ~10 kB). */
export const DEFAULT_LABEL_LIMITS: LabelLimits = { maxLabels: 40, maxNameLength: 128, maxValueLength: 2048 };

/** True for a valid Prometheus label name. */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

/** True for a valid Prometheus metric name. */
export function isValidMetricName(name: string): boolean {
  return METRIC_NAME_RE.test(name);
}

/** Returns why a label set is invalid, or null when it is fine. */
export function validateLabels(labels: Labels, limits: LabelLimits = DEFAULT_LABEL_LIMITS): string | null {
  const name = labels.__name__;
  if (name === undefined || name === '') return 'missing __name__';
  if (!isValidMetricName(name)) return `invalid metric name "${name.slice(0, 64)}"`;
  let count = 0;
  for (const [k, v] of Object.entries(labels)) {
    count++;
    if (typeof v !== 'string') return `label "${k.slice(0, 64)}" value is not a string`;
    if (k.length > limits.maxNameLength) return `label name longer than ${limits.maxNameLength}`;
    if (!isValidLabelName(k) && k !== '__name__') return `invalid label name "${k.slice(0, 64)}"`;
    if (v.length > limits.maxValueLength) return `label "${k}" value longer than ${limits.maxValueLength}`;
  }
  if (count > limits.maxLabels) return `more than ${limits.maxLabels} labels`;
  return null;
}

/** Canonical text form of a label set (sorted by name), used as a series key: `name{a="1",b="2"}`. */
export function seriesKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let out = labels.__name__ ?? '';
  out += '{';
  let first = true;
  for (const n of names) {
    if (n === '__name__') continue;
    if (!first) out += ',';
    first = false;
    out += `${n}=${JSON.stringify(labels[n])}`;
  }
  return `${out}}`;
}

/** True when `labels` is already in the form `normalizeLabels` gives: names in ascending order, no empty value. */
export function isNormalizedLabels(labels: Labels): boolean {
  let prev = '';
  for (const name in labels) {
    if (name <= prev || labels[name] === '') return false;
    prev = name;
  }
  return true;
}

/** A copy of `labels` with keys in sorted order and empty values dropped (Prometheus semantics). */
export function normalizeLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const n of Object.keys(labels).sort()) {
    const v = labels[n];
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

const regexCache = new Map<string, RegExp>();

/** Compiles a PromQL regex matcher value, fully anchored, with a small cache. */
export function anchoredRegex(value: string): RegExp {
  let re = regexCache.get(value);
  if (re === undefined) {
    re = new RegExp(`^(?:${value})$`, 's');
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(value, re);
  }
  return re;
}

/** True when `labels` satisfies one matcher; a missing label matches as the empty string. */
export function matchesOne(labels: Labels, m: LabelMatcher): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return anchoredRegex(m.value).test(v);
    case '!~':
      return !anchoredRegex(m.value).test(v);
  }
}

/** True when `labels` satisfies every matcher. */
export function matchesAll(labels: Labels, matchers: readonly LabelMatcher[]): boolean {
  for (const m of matchers) if (!matchesOne(labels, m)) return false;
  return true;
}
