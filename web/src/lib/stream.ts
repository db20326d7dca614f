import { useEffect, useRef, useState } from 'react';

/** Names of the events `/api/v1/stream` sends. */
export type StreamEvent = 'anomaly' | 'alert' | 'incident' | 'samples';

/** Connection state of the live stream, shown in the header. */
export type StreamState = 'connecting' | 'live' | 'down' | 'unavailable';

type Handler = (data: unknown) => void;

/**
 * One shared EventSource per distinct `match[]` set. EventSource reconnects by itself; when the route is
 * missing (the first connection fails before ever opening) we probe once and report `unavailable`.
 */
class StreamHub {
  private source: EventSource | null = null;
  private readonly handlers = new Map<StreamEvent, Set<Handler>>();
  private readonly stateListeners = new Set<(s: StreamState) => void>();
  private refs = 0;
  private opened = false;
  state: StreamState = 'connecting';

  constructor(private readonly url: string) {}

  private setState(s: StreamState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private open(): void {
    const es = new EventSource(this.url, { withCredentials: true });
    this.source = es;
    es.onopen = () => {
      this.opened = true;
      this.setState('live');
    };
    es.onerror = () => {
      if (this.opened) {
        this.setState(es.readyState === EventSource.CLOSED ? 'down' : 'connecting');
        if (es.readyState === EventSource.CLOSED) setTimeout(() => this.source === es && this.reopen(), 3000);
        return;
      }
      // Never opened: find out whether the route exists at all before retrying forever.
      // A GET (a HEAD would hold the stream open on some servers), dropped as soon as the status is known.
      const probe = new AbortController();
      void fetch(this.url, { credentials: 'same-origin', signal: probe.signal })
        .then((r) => {
          probe.abort();
          if (this.source !== es) return;
          if (r.status === 404 || r.status === 501) {
            es.close();
            this.setState('unavailable');
          } else {
            this.setState('down');
            if (es.readyState === EventSource.CLOSED) setTimeout(() => this.source === es && this.reopen(), 3000);
          }
        })
        .catch(() => this.setState('down'));
    };
    for (const name of ['anomaly', 'alert', 'incident', 'samples'] as const) {
      es.addEventListener(name, (ev) => {
        const set = this.handlers.get(name);
        if (!set || set.size === 0) return;
        let data: unknown;
        try {
          data = JSON.parse((ev as MessageEvent<string>).data);
        } catch {
          return;
        }
        for (const fn of set) fn(data);
      });
    }
  }

  private reopen(): void {
    this.source?.close();
    this.open();
  }

  acquire(): void {
    if (this.refs++ === 0) this.open();
  }

  release(): void {
    if (--this.refs === 0) {
      this.source?.close();
      this.source = null;
      hubs.delete(this.url);
    }
  }

  on(ev: StreamEvent, fn: Handler): () => void {
    let set = this.handlers.get(ev);
    if (!set) {
      set = new Set();
      this.handlers.set(ev, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  onState(fn: (s: StreamState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }
}

const hubs = new Map<string, StreamHub>();

function hubFor(match: readonly string[]): StreamHub {
  const p = new URLSearchParams();
  for (const m of match) p.append('match[]', m);
  const s = p.toString();
  const url = `/api/v1/stream${s ? `?${s}` : ''}`;
  let hub = hubs.get(url);
  if (!hub) {
    hub = new StreamHub(url);
    hubs.set(url, hub);
  }
  return hub;
}

/** Subscribes to stream events while mounted; `match` selects the series whose samples are sent. */
export function useStream(handlers: Partial<Record<StreamEvent, Handler>>, match: readonly string[] = [], enabled = true): StreamState {
  const ref = useRef(handlers);
  ref.current = handlers;
  const key = match.join('\u0000');
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => {
    if (!enabled) return;
    const hub = hubFor(key ? key.split('\u0000') : []);
    hub.acquire();
    setState(hub.state);
    const offs = (['anomaly', 'alert', 'incident', 'samples'] as const).map((ev) => hub.on(ev, (d) => ref.current[ev]?.(d)));
    offs.push(hub.onState(setState));
    return () => {
      for (const off of offs) off();
      hub.release();
    };
  }, [key, enabled]);
  return state;
}
