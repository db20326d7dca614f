import { floatFromJson, type Rejection, type SeriesSamples, VigilError } from '../../core/index.js';

/** Result of decoding one Vigil JSON batch: series in columnar form plus per-sample rejections. */
export interface DecodedBatch {
  series: SeriesSamples[];
  rejected: Rejection[];
  /** Index in the request of each entry of `series`, so later rejections can name the request's series. */
  index: number[];
}

/**
 * Turns a parsed `{ "series": [ { "labels": {…}, "samples": [[t, v], …] } ] }` document into columnar
 * series. Structural problems (not an object, no `series` array) throw BAD_PAYLOAD naming the path;
 * a bad sample or label set is reported in `rejected` and the rest of the batch is kept.
 */
export function decodeVigilBatch(doc: unknown): DecodedBatch {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new VigilError('BAD_PAYLOAD', 'body must be a JSON object with a "series" array');
  const list = (doc as { series?: unknown }).series;
  if (!Array.isArray(list)) throw new VigilError('BAD_PAYLOAD', 'body.series must be an array');
  const series: SeriesSamples[] = [];
  const rejected: Rejection[] = [];
  const index: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const entry = list[i] as { labels?: unknown; samples?: unknown } | null;
    if (typeof entry !== 'object' || entry === null) throw new VigilError('BAD_PAYLOAD', `series[${i}] must be an object`);
    const labels = entry.labels;
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
      throw new VigilError('BAD_PAYLOAD', `series[${i}].labels must be an object`);
    const samples = entry.samples;
    if (!Array.isArray(samples)) throw new VigilError('BAD_PAYLOAD', `series[${i}].samples must be an array of [timestamp_ms, value]`);
    let labelProblem: string | null = null;
    for (const v of Object.values(labels)) {
      if (typeof v !== 'string') {
        labelProblem = 'label values must be strings';
        break;
      }
    }
    if (labelProblem !== null) {
      for (let j = 0; j < samples.length; j++) rejected.push({ series: i, sample: j, reason: 'bad_labels', detail: labelProblem });
      continue;
    }
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let j = 0; j < samples.length; j++) {
      const pair = samples[j] as unknown;
      if (!Array.isArray(pair) || pair.length !== 2) {
        rejected.push({ series: i, sample: j, reason: 'bad_value', detail: 'a sample is [timestamp_ms, value]' });
        continue;
      }
      const t = pair[0] as unknown;
      if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) {
        rejected.push({ series: i, sample: j, reason: 'bad_timestamp', detail: 'timestamps are Unix milliseconds (integers)' });
        continue;
      }
      const v = floatFromJson(pair[1]);
      if (v === null) {
        rejected.push({ series: i, sample: j, reason: 'bad_value', detail: 'values are numbers or "NaN", "+Inf", "-Inf"' });
        continue;
      }
      timestamps.push(t);
      values.push(v);
    }
    series.push({ labels: labels as Record<string, string>, timestamps, values });
    index.push(i);
  }
  return { series, rejected, index };
}
