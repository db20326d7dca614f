/** Options every macro benchmark receives from `vigil bench NAME`. */
export interface BenchOptions {
  /** Print the figures as one JSON object on the last line of stdout. */
  json: boolean;
  /** A shorter run (smaller data, fewer seconds) for smoke tests; figures are still real measurements. */
  quick: boolean;
  /** Progress and human-readable lines; goes to stderr so stdout stays machine-readable. */
  log: (line: string) => void;
}

/** Figures of one benchmark: names from DESIGN.md "Measuring"; a peer not installed is `null` with a `*_reason` string. */
export type BenchResult = Record<string, unknown>;

/** The shape every `bench/<name>.ts` module exports. */
export interface BenchModule {
  /** One sentence describing what is measured, shown by `vigil bench --help`. */
  description: string;
  run(opts: BenchOptions): Promise<BenchResult>;
}
