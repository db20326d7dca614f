import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One queued request body (a gzipped ingest batch) and its place in the queue. */
export interface SpoolEntry {
  seq: number;
  body: Buffer;
}

/** A bounded FIFO of batches waiting to be sent; the oldest are dropped (and counted) only when it is full. */
export interface Spool {
  /** Loads what a previous run left behind. */
  open(): Promise<void>;
  /** Appends a batch; drops the oldest batches not in flight while the total would exceed the cap. */
  push(body: Buffer): Promise<void>;
  /** The oldest batch, marked in flight so that a full spool does not drop it under the sender; undefined when empty. */
  peek(): Promise<SpoolEntry | undefined>;
  /** Removes a batch once it is delivered or given up; removing an unknown seq is a no-op. */
  remove(seq: number): Promise<void>;
  /** Batches queued. */
  readonly batches: number;
  /** Bytes queued. */
  readonly bytes: number;
  /** Batches dropped because the spool was full, since start. */
  readonly dropped: number;
}

interface Item {
  seq: number;
  size: number;
  body: Buffer | undefined;
}

abstract class BaseSpool implements Spool {
  protected items: Item[] = [];
  protected total = 0;
  protected droppedCount = 0;
  protected nextSeq = 1;
  private inFlight = -1;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(protected readonly maxBytes: number) {}

  get batches(): number {
    return this.items.length;
  }

  get bytes(): number {
    return this.total;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  async open(): Promise<void> {}

  /** Runs spool mutations one after another so that file operations never interleave. */
  protected serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  push(body: Buffer): Promise<void> {
    return this.serial(async () => {
      while (this.total + body.length > this.maxBytes) {
        const victim = this.items.findIndex((it) => it.seq !== this.inFlight);
        if (victim < 0) break;
        const [it] = this.items.splice(victim, 1);
        if (it === undefined) break;
        this.total -= it.size;
        this.droppedCount++;
        await this.discard(it);
      }
      const it: Item = { seq: this.nextSeq++, size: body.length, body };
      await this.store(it, body);
      this.items.push(it);
      this.total += it.size;
    });
  }

  peek(): Promise<SpoolEntry | undefined> {
    return this.serial(async () => {
      for (;;) {
        const it = this.items[0];
        if (it === undefined) return undefined;
        const body = it.body ?? (await this.load(it));
        if (body !== undefined) {
          this.inFlight = it.seq;
          return { seq: it.seq, body };
        }
        // An unreadable file (disk trouble, removed by hand) is counted as dropped rather than blocking the queue forever.
        this.items.shift();
        this.total -= it.size;
        this.droppedCount++;
      }
    });
  }

  remove(seq: number): Promise<void> {
    return this.serial(async () => {
      if (this.inFlight === seq) this.inFlight = -1;
      const i = this.items.findIndex((it) => it.seq === seq);
      if (i < 0) return;
      const [it] = this.items.splice(i, 1);
      if (it === undefined) return;
      this.total -= it.size;
      await this.discard(it);
    });
  }

  protected abstract store(it: Item, body: Buffer): Promise<void>;
  protected abstract load(it: Item): Promise<Buffer | undefined>;
  protected abstract discard(it: Item): Promise<void>;
}

/** A spool in memory, for a process whose batches need not survive a restart (the server's local agent without a spool dir). */
export class MemorySpool extends BaseSpool {
  protected async store(): Promise<void> {}
  protected async load(): Promise<Buffer | undefined> {
    return undefined;
  }
  protected async discard(it: Item): Promise<void> {
    it.body = undefined;
  }
}

const NAME_RE = /^(\d{16})\.json\.gz$/;

/**
 * A spool in a directory, one file per batch named by a zero-padded sequence number, so replay order survives a restart.
 * Every batch is written before it is sent: a crash of the agent loses nothing already collected.
 */
export class DiskSpool extends BaseSpool {
  constructor(
    private readonly dir: string,
    maxBytes: number,
  ) {
    super(maxBytes);
  }

  private file(seq: number): string {
    return join(this.dir, `${String(seq).padStart(16, '0')}.json.gz`);
  }

  override async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const found: Item[] = [];
    for (const name of await readdir(this.dir)) {
      const m = NAME_RE.exec(name);
      if (!m) {
        // A half-written file from a crash between write and rename.
        if (name.endsWith('.tmp')) await unlink(join(this.dir, name)).catch(() => undefined);
        continue;
      }
      const size = (await stat(join(this.dir, name)).catch(() => undefined))?.size;
      if (size !== undefined) found.push({ seq: Number(m[1]), size, body: undefined });
    }
    found.sort((a, b) => a.seq - b.seq);
    this.items = found;
    this.total = found.reduce((n, it) => n + it.size, 0);
    this.nextSeq = (found[found.length - 1]?.seq ?? 0) + 1;
  }

  protected async store(it: Item, body: Buffer): Promise<void> {
    const path = this.file(it.seq);
    await writeFile(`${path}.tmp`, body);
    await rename(`${path}.tmp`, path);
    // Only the batch about to be sent keeps its bytes in memory; a long outage costs disk, not RSS.
    if (this.items.length > 0) it.body = undefined;
  }

  protected async load(it: Item): Promise<Buffer | undefined> {
    try {
      return await readFile(this.file(it.seq));
    } catch {
      return undefined;
    }
  }

  protected async discard(it: Item): Promise<void> {
    it.body = undefined;
    await unlink(this.file(it.seq)).catch(() => undefined);
  }
}
