import type { FastifyReply } from 'fastify';
import { type AppendResult, isVigilError, type Logger, VigilError } from '../core/index.js';
import type { IngestPipeline } from './pipeline.js';

/** What every ingest protocol's routes need from the server that mounts them. */
export interface IngestRouteDeps {
  pipeline: IngestPipeline;
  logger: Logger;
  /** Largest body accepted, in bytes, both as received and after decompression. */
  bodyLimit: number;
  /** Largest number of samples one request may carry; larger requests get TOO_MANY_SAMPLES (413). */
  maxSamplesPerRequest: number;
}

/** One refused sample or input line, as reported to the client. */
export interface IngestRejection {
  reason: string;
  detail?: string;
  /** Index of the series in the decoded batch. */
  series?: number;
  /** Index of the sample within its series. */
  sample?: number;
  /** 1-based line of the input, for text protocols. */
  line?: number;
  /** Index of the data point in the request, for OTLP (counted across all metrics in request order). */
  point?: number;
}

/** The JSON body ingest routes answer with: how many samples were stored and which were refused, and why. */
export interface IngestReport {
  accepted: number;
  /** Total number of refusals, which may exceed the entries listed in `rejected`. */
  rejectedCount: number;
  /** The first refusals, at most MAX_LISTED_REJECTIONS of them. */
  rejected: IngestRejection[];
}

/** How many refusals a report lists one by one; the rest are only counted. */
export const MAX_LISTED_REJECTIONS = 100;

/** Builds the report for a pipeline result plus the refusals found while decoding. */
export function buildReport(result: AppendResult | null, decodeRejections: readonly IngestRejection[] = []): IngestReport {
  const rejected: IngestRejection[] = decodeRejections.slice(0, MAX_LISTED_REJECTIONS);
  const fromPipeline = result?.rejected ?? [];
  for (const r of fromPipeline) {
    if (rejected.length >= MAX_LISTED_REJECTIONS) break;
    const entry: IngestRejection = { reason: r.reason, series: r.series, sample: r.sample };
    if (r.detail !== undefined) entry.detail = r.detail;
    rejected.push(entry);
  }
  return { accepted: result?.accepted ?? 0, rejectedCount: decodeRejections.length + fromPipeline.length, rejected };
}

/**
 * Builds an IngestReport for a request stored in several batches: counts every refusal and keeps only the
 * first MAX_LISTED_REJECTIONS, so memory stays bounded however many lines a streamed body refuses. Refusals
 * must be added in the order they should be listed.
 */
export class ReportCollector {
  private accepted = 0;
  private count = 0;
  private readonly listed: IngestRejection[] = [];

  /** Adds samples stored. */
  addAccepted(n: number): void {
    this.accepted += n;
  }

  /** Adds refusals. */
  addRejections(rejections: readonly IngestRejection[]): void {
    this.count += rejections.length;
    for (const r of rejections) {
      if (this.listed.length >= MAX_LISTED_REJECTIONS) break;
      this.listed.push(r);
    }
  }

  /** Samples stored so far. */
  get acceptedSoFar(): number {
    return this.accepted;
  }

  /** The report for everything added. */
  report(): IngestReport {
    return { accepted: this.accepted, rejectedCount: this.count, rejected: [...this.listed] };
  }
}

/** One line summing up refusals by reason, e.g. `3 rejected: out_of_order ×2, bad_labels ×1 (…)`. */
export function summariseRejections(report: IngestReport): string {
  const byReason = new Map<string, number>();
  for (const r of report.rejected) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
  const parts = [...byReason].map(([reason, n]) => `${reason} ×${n}`);
  const details = [...new Set(report.rejected.map((r) => r.detail).filter((d) => d !== undefined))].slice(0, 3);
  const example = details.length > 0 ? ` (${details.map((d) => d.slice(0, 160)).join('; ')})` : '';
  const listed = report.rejected.length < report.rejectedCount ? `, listed ${report.rejected.length}` : '';
  return `${report.accepted} accepted, ${report.rejectedCount} rejected: ${parts.join(', ')}${listed}${example}`;
}

/** Sets the headers every ingest answer carries so any client can see the outcome without parsing the body. */
export function setOutcomeHeaders(reply: FastifyReply, report: IngestReport): void {
  reply.header('x-vigil-samples-accepted', String(report.accepted));
  reply.header('x-vigil-samples-rejected', String(report.rejectedCount));
}

/** The status and retry hint for an error thrown while decoding or writing; unknown errors are 500. */
export function errorAnswer(err: unknown): { status: number; code: string; message: string; retryAfterSeconds?: number } {
  if (isVigilError(err)) {
    const out: { status: number; code: string; message: string; retryAfterSeconds?: number } = {
      status: err.status,
      code: err.code,
      message: err.message,
    };
    if (err.code === 'OVERLOADED' || err.code === 'RATE_LIMITED' || err.code === 'STORAGE_CLOSED' || err.code === 'NOT_READY') {
      const hinted = err.context?.retryAfterSeconds;
      out.retryAfterSeconds = typeof hinted === 'number' && hinted > 0 ? Math.ceil(hinted) : 1;
    }
    return out;
  }
  const fastifyCode = (err as { code?: unknown; statusCode?: unknown } | null)?.code;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'BODY_TOO_LARGE', message: 'request body too large' };
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/** Throws BODY_TOO_LARGE when a declared or actual decompressed size exceeds the limit. */
export function checkDecompressedSize(size: number, limit: number): void {
  if (size > limit) {
    throw new VigilError('BODY_TOO_LARGE', `decompressed body would be ${size} bytes; the limit is ${limit}`);
  }
}

/** Throws TOO_MANY_SAMPLES when a decoder has counted more samples than one request may carry. */
export function checkSampleCount(count: number, limit: number): void {
  if (count > limit) throw new VigilError('TOO_MANY_SAMPLES', `request has more than ${limit} samples`);
}

/** Logs an unexpected failure (a 5xx) with its cause; 4xx answers are the client's problem and are not logged as errors. */
export function logIfServerError(logger: Logger, err: unknown, status: number, protocol: string): void {
  if (status >= 500 && status !== 503) logger.error({ err, protocol }, 'ingest request failed');
}
