/** How JSON carries a non-finite float: `"NaN"`, `"+Inf"`, `"-Inf"` (DESIGN.md, Vigil's ingest format). */
export function floatToJson(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/** Reads a JSON float: a number, or `"NaN"`, `"+Inf"`/`"Inf"`, `"-Inf"`; null for anything else. */
export function floatFromJson(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === '+Inf' || v === 'Inf') return Number.POSITIVE_INFINITY;
  if (v === '-Inf') return Number.NEGATIVE_INFINITY;
  return null;
}

/** `JSON.stringify` replacer that writes non-finite numbers as their strings instead of `null`. */
export function jsonFloatReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'number' ? floatToJson(v) : v;
}

/** `JSON.parse` reviver that turns `"NaN"`, `"+Inf"`, `"-Inf"` back into numbers. */
export function jsonFloatReviver(_key: string, v: unknown): unknown {
  return v === 'NaN' || v === '+Inf' || v === '-Inf' ? floatFromJson(v) : v;
}
