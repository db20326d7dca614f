import { assertPublicUrl, type SsrfGuardOptions } from '../core/index.js';
import type { DeliveryContext, NotificationMessage } from './types.js';

/**
 * A notification channel. `send` delivers one notification attempt and resolves once the receiver accepted it;
 * it throws a DeliveryError (or any error, treated as retryable) otherwise. It must honour `signal`.
 */
export interface Notifier {
  readonly id: string;
  readonly type: 'slack' | 'email' | 'webhook';
  send(msg: NotificationMessage, ctx: DeliveryContext, signal: AbortSignal): Promise<void>;
  /** Releases connections (SMTP pools). */
  close(): void;
}

/** A failed delivery; `permanent` failures (e.g. HTTP 400/404) are not retried. */
export class DeliveryError extends Error {
  readonly permanent: boolean;
  /** How long the receiver asked us to wait (HTTP Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, permanent: boolean, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = 'DeliveryError';
    this.permanent = permanent;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Parses an HTTP Retry-After header (seconds or an HTTP date) into ms from `now`; undefined when absent or invalid. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const t = Date.parse(header);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/** Classifies an HTTP status: 2xx is success (null), 408/429/5xx are retryable, other 4xx permanent. */
export function httpStatusError(status: number, channel: string, retryAfterMs?: number): DeliveryError | null {
  if (status >= 200 && status < 300) return null;
  const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
  return new DeliveryError(`${channel} answered HTTP ${status}`, permanent, { retryAfterMs });
}

/** Masks a secret URL for display and logs: scheme and host stay, path and query become `***`. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/***`;
  } catch {
    return '***';
  }
}

/** POSTs a body with headers and maps the outcome to success or a DeliveryError. */
export async function postHttp(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  channel: string,
  guard?: SsrfGuardOptions,
): Promise<void> {
  if (guard !== undefined) {
    try {
      await assertPublicUrl(url, guard);
    } catch (e) {
      // Permanent: retrying will not make a private target public.
      throw new DeliveryError(`${channel}: ${(e as Error).message.replace(url, maskUrl(url))}`, true);
    }
  }
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers, signal, redirect: 'error' });
  } catch (e) {
    // The URL may carry a secret token: never put it (or undici's message quoting it) in the error.
    throw new DeliveryError(`${channel}: request to ${maskUrl(url)} failed (${(e as Error).name})`, false);
  }
  await res.arrayBuffer().catch(() => undefined);
  const err = httpStatusError(res.status, channel, parseRetryAfter(res.headers.get('retry-after'), Date.now()));
  if (err !== null) throw err;
}
