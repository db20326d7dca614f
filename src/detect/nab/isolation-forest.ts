import { mulberry32 } from '../../core/index.js';

/**
 * The inspirations' baseline: an IsolationForest (Liu et al. 2008, scikit-learn defaults: 100 trees,
 * 256 samples each) fitted once on the first 15% of a series' values and applied to every row.
 * Kept only so `vigil eval nab --detector isolation-forest` can show what Vigil replaces.
 */

interface Node {
  /** Split value, or NaN for a leaf. */
  split: number;
  left: Node | null;
  right: Node | null;
  /** Leaf size, for the path-length correction. */
  size: number;
}

const EULER = 0.5772156649;

/** Average path length of an unsuccessful binary-search-tree search over n points. */
function c(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

const rng = mulberry32;

/** A one-dimensional IsolationForest over values. */
export class IsolationForestBaseline {
  private readonly trees: Node[] = [];
  private readonly psi: number;

  /** Fits `trees` isolation trees on subsamples of `train`. */
  constructor(train: ArrayLike<number>, opts: { trees?: number; maxSamples?: number; seed?: number } = {}) {
    const random = rng(opts.seed ?? 42);
    const n = train.length;
    this.psi = Math.min(opts.maxSamples ?? 256, n);
    const limit = Math.ceil(Math.log2(Math.max(2, this.psi)));
    for (let k = 0; k < (opts.trees ?? 100); k++) {
      const sample: number[] = [];
      for (let i = 0; i < this.psi; i++) sample.push(train[Math.floor(random() * n)] as number);
      this.trees.push(this.build(sample, 0, limit, random));
    }
  }

  private build(xs: number[], depth: number, limit: number, random: () => number): Node {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const x of xs) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (depth >= limit || xs.length <= 1 || lo === hi) return { split: Number.NaN, left: null, right: null, size: xs.length };
    const split = lo + random() * (hi - lo);
    return {
      split,
      left: this.build(
        xs.filter((x) => x < split),
        depth + 1,
        limit,
        random,
      ),
      right: this.build(
        xs.filter((x) => x >= split),
        depth + 1,
        limit,
        random,
      ),
      size: xs.length,
    };
  }

  /** Anomaly score 2^(−E[h(x)]/c(ψ)) in [0,1]; higher is more anomalous. */
  score(x: number): number {
    let total = 0;
    for (const tree of this.trees) {
      let node = tree;
      let depth = 0;
      while (node.left !== null && node.right !== null) {
        node = x < node.split ? node.left : node.right;
        depth++;
      }
      total += depth + c(node.size);
    }
    return 2 ** (-total / this.trees.length / c(this.psi));
  }

  /** The inspirations' protocol: fit on the first 15% of the series, score every row. */
  static scoreSeries(values: ArrayLike<number>): Float64Array {
    const n = values.length;
    const train = Array.from({ length: Math.max(2, Math.floor(0.15 * n)) }, (_, i) => values[Math.min(i, n - 1)] as number);
    const forest = new IsolationForestBaseline(train);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = forest.score(values[i] as number);
    return out;
  }
}
