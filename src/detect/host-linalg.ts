/** Small dense linear algebra for the per-host model (d ≤ 64): row-major square matrices in Float64Arrays. */

/**
 * Inverts a symmetric positive-definite d×d matrix through its Cholesky factor; returns null when it is not
 * positive definite (a pivot ≤ `tiny` times the largest diagonal entry).
 */
export function invertSpd(a: Float64Array, d: number): Float64Array | null {
  const l = new Float64Array(d * d);
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, a[i * d + i]!);
  const tiny = 1e-12 * maxDiag;
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j]!;
    for (let k = 0; k < j; k++) s -= l[j * d + k]! ** 2;
    if (!(s > tiny)) return null;
    const ljj = Math.sqrt(s);
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j]!;
      for (let k = 0; k < j; k++) t -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = t / ljj;
    }
  }
  // inv(A) = inv(L)ᵀ inv(L): invert the triangular factor, then multiply.
  const li = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    li[j * d + j] = 1 / l[j * d + j]!;
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * d + k]! * li[k * d + j]!;
      li[i * d + j] = s / l[i * d + i]!;
    }
  }
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < d; k++) s += li[k * d + i]! * li[k * d + j]!;
      out[i * d + j] = s;
      out[j * d + i] = s;
    }
  return out;
}

/**
 * Solves A x = b for a small square system by Gaussian elimination with partial pivoting (A and b are copied);
 * returns null when A is singular.
 */
export function solve(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    const piv = m[p * n + c]!;
    if (piv === 0 || !Number.isFinite(piv)) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        const t = m[c * n + k]!;
        m[c * n + k] = m[p * n + k]!;
        m[p * n + k] = t;
      }
      const t = x[c]!;
      x[c] = x[p]!;
      x[p] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / piv;
      if (f === 0) continue;
      for (let k = c; k < n; k++) m[r * n + k] = m[r * n + k]! - f * m[c * n + k]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= m[r * n + k]! * x[k]!;
    x[r] = s / m[r * n + r]!;
  }
  return x;
}

/**
 * Mean and covariance of the rows of `z` (n×d, row-major) whose `keep` flag is set, shrunk towards its diagonal
 * with the Ledoit-Wolf (Schäfer-Strimmer) intensity — the estimated noise of the off-diagonal entries over their
 * size, so strong, well-measured correlations are kept — and with `ridge` added to the diagonal.
 */
export function shrunkCovariance(
  z: Float64Array,
  n: number,
  d: number,
  keep: Uint8Array,
  ridge: number,
): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  let w = 0;
  for (let r = 0; r < n; r++) {
    if (keep[r] === 0) continue;
    w++;
    for (let i = 0; i < d; i++) mean[i] = mean[i]! + z[r * d + i]!;
  }
  for (let i = 0; i < d; i++) mean[i] = mean[i]! / Math.max(1, w);
  const sum = new Float64Array(d * d);
  const y = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    if (keep[r] === 0) continue;
    for (let i = 0; i < d; i++) y[i] = z[r * d + i]! - mean[i]!;
    for (let i = 0; i < d; i++) {
      const yi = y[i]!;
      for (let j = 0; j < i; j++) sum[i * d + j] = sum[i * d + j]! + yi * y[j]!;
      sum[i * d + i] = sum[i * d + i]! + yi * yi;
    }
  }
  const div = Math.max(1, w - 1);
  // Ledoit-Wolf intensity: Σ Var(s_ij) / Σ s_ij² over i ≠ j, with Var(s_ij) from the spread of the products y_i·y_j.
  let noise = 0;
  let size = 0;
  if (d > 1 && w > 1) {
    const spread = new Float64Array(d * d);
    for (let r = 0; r < n; r++) {
      if (keep[r] === 0) continue;
      for (let i = 0; i < d; i++) y[i] = z[r * d + i]! - mean[i]!;
      for (let i = 1; i < d; i++)
        for (let j = 0; j < i; j++) {
          const e = y[i]! * y[j]! - sum[i * d + j]! / w;
          spread[i * d + j] = spread[i * d + j]! + e * e;
        }
    }
    for (let i = 1; i < d; i++)
      for (let j = 0; j < i; j++) {
        noise += (w / (w - 1) ** 3) * spread[i * d + j]!;
        size += (sum[i * d + j]! / div) ** 2;
      }
  }
  const shrink = size > 0 ? Math.min(1, Math.max(0, noise / size)) : 0;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      const c = sum[i * d + j]! / div;
      cov[i * d + j] = i === j ? c + ridge : (1 - shrink) * c;
      cov[j * d + i] = cov[i * d + j]!;
    }
  return { mean, cov };
}
