import { StringDecoder } from 'node:string_decoder';
import { yieldToEventLoop } from '../event-loop.js';
import { type InfluxBatch, type InfluxParseOptions, LineProtocolBatcher } from './parse.js';

/** Options for reading line protocol as it arrives. */
export interface LineStreamOptions extends InfluxParseOptions {
  /** Samples after which the batch built so far is handed over (the last batch may be smaller, one line may overshoot). */
  batchSamples: number;
  /** Longest line read, in characters; a longer line is refused and skipped up to its end. */
  maxLineLength: number;
}

/** What reading a whole body came to, beyond the batches handed over. */
export interface LineStreamSummary {
  samples: number;
  skippedStringFields: number;
}

/**
 * Reads line protocol from `chunks` as it arrives (UTF-8, lines split on `\n`, a multi-byte character may be
 * split across chunks) and hands `onBatch` the series built so far every time `batchSamples` samples are
 * ready, waiting for it before reading on; the last call (always made, possibly with an empty batch) carries
 * the rest. Memory holds one batch, one chunk and one unfinished line, whatever the size of the body. Throws
 * TOO_MANY_SAMPLES once the body has more than `maxSamples` samples; batches handed over before stay handed over.
 */
export async function streamLineProtocol(
  chunks: AsyncIterable<Buffer>,
  opts: LineStreamOptions,
  onBatch: (batch: InfluxBatch) => Promise<void>,
): Promise<LineStreamSummary> {
  const batcher = new LineProtocolBatcher(opts);
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let skipping = false;
  let lineNo = 0;
  for await (const chunk of chunks) {
    const fresh = decoder.write(chunk);
    if (!fresh.includes('\n')) {
      if (!skipping) carry += fresh;
    } else {
      const text = carry + fresh;
      let start = 0;
      for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
        lineNo++;
        // The end of a line already refused as too long: drop what is left of it.
        if (skipping) skipping = false;
        else batcher.line(text.slice(start, nl), lineNo);
        start = nl + 1;
        if (batcher.pending >= opts.batchSamples) {
          await onBatch(batcher.take());
          await yieldToEventLoop();
        }
      }
      carry = skipping ? '' : text.slice(start);
    }
    if (!skipping && carry.length > opts.maxLineLength) {
      batcher.reject(lineNo + 1, `line longer than ${opts.maxLineLength} characters`);
      carry = '';
      skipping = true;
    }
  }
  if (!skipping) batcher.line(carry + decoder.end(), lineNo + 1);
  await onBatch(batcher.take());
  return { samples: batcher.samples, skippedStringFields: batcher.skippedStringFields };
}
