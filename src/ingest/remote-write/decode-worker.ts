import { parentPort } from 'node:worker_threads';
import { isVigilError } from '../../core/index.js';
import { decodeWriteRequest } from './decode.js';
import { type DecodeJob, type DecodeReply, LabelRefs, packWriteRequest } from './packed.js';
import { snappyUncompressSync } from './snappy.js';

/**
 * A remote_write decode worker: decompresses and decodes WriteRequests off the main thread and sends them back
 * packed (typed arrays moved, label sets by reference; see packed.ts). Started by RemoteWriteDecoders.
 */
const refs = new LabelRefs();

function decode(job: DecodeJob): DecodeReply {
  try {
    const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    const raw = snappyUncompressSync(body, job.limit);
    return { id: job.id, ok: true, packed: packWriteRequest(decodeWriteRequest(raw, job.maxSamples, job.labelLimits), refs) };
  } catch (e) {
    if (isVigilError(e)) return { id: job.id, ok: false, code: e.code, message: e.message };
    return { id: job.id, ok: false, code: 'UNKNOWN', message: e instanceof Error ? e.message : String(e) };
  }
}

parentPort?.on('message', (job: DecodeJob) => {
  const reply = decode(job);
  if (reply.ok) {
    const p = reply.packed;
    // The arrays are views of two buffers (packed.ts); each buffer is moved once.
    const buffers = new Set([p.refs.buffer, p.counts.buffer, p.origin.buffer, p.ts.buffer, p.vs.buffer]);
    parentPort?.postMessage(reply, [...buffers] as ArrayBuffer[]);
  } else parentPort?.postMessage(reply);
});
parentPort?.postMessage('ready');
