/** The fields of an anomaly the fleet page aggregates. */
export interface AnomalyLite {
  t: number;
  score: number;
  severity: string;
  labels: Record<string, string>;
}

/** Counts anomalies per host in `buckets` equal time buckets over [start, end); hosts without any get no entry. */
export function bucketAnomalies(anomalies: readonly AnomalyLite[], start: number, end: number, buckets: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const width = (end - start) / buckets;
  if (!(width > 0)) return out;
  for (const a of anomalies) {
    const host = a.labels.host;
    if (host === undefined || a.t < start || a.t >= end) continue;
    let row = out.get(host);
    if (!row) {
      row = new Array<number>(buckets).fill(0);
      out.set(host, row);
    }
    const i = Math.min(buckets - 1, Math.floor((a.t - start) / width));
    row[i] = (row[i] ?? 0) + 1;
  }
  return out;
}

/** The anomaly state of a host for colouring: the worst severity among its anomalies since `since`. */
export function worstSeverity(anomalies: readonly AnomalyLite[], since: number): Map<string, 'critical' | 'warning' | 'info'> {
  const rank = { info: 1, warning: 2, critical: 3 } as const;
  const out = new Map<string, 'critical' | 'warning' | 'info'>();
  for (const a of anomalies) {
    const host = a.labels.host;
    if (host === undefined || a.t < since) continue;
    const sev = (a.severity in rank ? a.severity : 'info') as keyof typeof rank;
    const prev = out.get(host);
    if (prev === undefined || rank[sev] > rank[prev]) out.set(host, sev);
  }
  return out;
}
