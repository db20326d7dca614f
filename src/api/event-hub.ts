import type { Anomaly, LabelMatcher, Labels, SeriesSamples } from '../core/index.js';
import { matchesAll } from '../core/index.js';

/** One live sample as sent on the stream. */
export interface LiveSample {
  labels: Labels;
  t: number;
  v: number;
}

/** Events the live stream carries, by name. */
export interface HubEvents {
  samples: LiveSample[];
  anomaly: Anomaly;
  alert: unknown;
  incident: unknown;
}

/** A subscriber: its tenant, the series it wants samples of (none = no samples), and where events go. */
export interface Subscriber {
  tenant: string;
  sampleMatchers: LabelMatcher[][];
  send<K extends keyof HubEvents>(event: K, data: HubEvents[K]): void;
}

/**
 * Fans live events out to stream subscribers of the same tenant. Samples are sent only to subscribers whose
 * selectors match, at most `maxSamplesPerPush` per push so a burst cannot flood a browser.
 */
export class EventHub {
  private readonly subs = new Set<Subscriber>();
  constructor(private readonly maxSamplesPerPush = 2000) {}

  /** Adds a subscriber; returns the function that removes it. */
  subscribe(s: Subscriber): () => void {
    this.subs.add(s);
    return () => this.subs.delete(s);
  }

  /** Number of open subscriptions. */
  get size(): number {
    return this.subs.size;
  }

  /** Sends the samples of a stored batch to matching subscribers. */
  publishSamples(tenant: string, batch: readonly SeriesSamples[]): void {
    for (const sub of this.subs) {
      if (sub.tenant !== tenant || sub.sampleMatchers.length === 0) continue;
      const out: LiveSample[] = [];
      for (const s of batch) {
        if (!sub.sampleMatchers.some((m) => matchesAll(s.labels, m))) continue;
        for (let i = 0; i < s.timestamps.length && out.length < this.maxSamplesPerPush; i++) {
          out.push({ labels: s.labels, t: s.timestamps[i] as number, v: s.values[i] as number });
        }
      }
      if (out.length > 0) sub.send('samples', out);
    }
  }

  /** Sends a tenant-scoped event (anomaly, alert or incident change) to every subscriber of that tenant. */
  publish<K extends Exclude<keyof HubEvents, 'samples'>>(tenant: string, event: K, data: HubEvents[K]): void {
    for (const sub of this.subs) if (sub.tenant === tenant) sub.send(event, data);
  }
}
