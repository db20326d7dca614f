/** Raised for any non-2xx answer; `unavailable` marks routes this server does not offer (404 on a list route, 501). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** Whether the route itself is missing or not implemented on this server (so the page shows an empty state). */
  get unavailable(): boolean {
    return this.status === 501 || (this.status === 404 && this.code === 'NOT_FOUND' && this.message.startsWith('no route'));
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Registers a callback run whenever the API answers 401 (the session expired or was revoked). */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** Reads a cookie readable by scripts (the CSRF token). */
export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Calls the Vigil API with the session cookie (and the CSRF header on writes); parses JSON; throws ApiError. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = readCookie('vigil_csrf');
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } | string } | undefined)?.error;
    const code = typeof err === 'object' ? (err.code ?? 'HTTP_ERROR') : 'HTTP_ERROR';
    const message =
      typeof err === 'object' ? (err.message ?? res.statusText) : typeof err === 'string' ? err : `${res.status} ${res.statusText}`;
    if (res.status === 401 && !path.endsWith('/login')) for (const fn of unauthorizedListeners) fn();
    throw new ApiError(res.status, code, message);
  }
  return json as T;
}

/** Builds a query string from defined values (arrays repeat the key). */
export function qs(params: Record<string, string | number | readonly string[] | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s.length > 0 ? `?${s}` : '';
}
