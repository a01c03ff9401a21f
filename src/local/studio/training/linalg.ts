/**
 * Solves A x = b for a symmetric positive-definite A (row-major, n x n) by Cholesky. The callers
 * add a ridge term to the diagonal, so A is positive definite even with collinear features.
 */
export function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
    const l = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
            let sum = a[i * n + j];
            for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
            if (i === j) {
                if (sum <= 0) throw new Error('matrix is not positive definite');
                l[i * n + i] = Math.sqrt(sum);
            } else {
                l[i * n + j] = sum / l[j * n + j];
            }
        }
    }
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
        let sum = b[i];
        for (let k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
        y[i] = sum / l[i * n + i];
    }
    const x = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
        let sum = y[i];
        for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
        x[i] = sum / l[i * n + i];
    }
    return x;
}

/**
 * Completes a lower-triangle-accumulated Hessian/Gram matrix and adds the ridge penalty `lambda`
 * to every coefficient but the intercept (index 0), to the matrix and, for Newton steps, to the
 * gradient (`g += lambda * w`); pass `w` null for a plain ridge solve.
 */
export function linalgRidge(
    h: Float64Array,
    g: Float64Array | null,
    w: Float64Array | null,
    p: number,
    lambda: number,
): void {
    for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) h[j * p + i] = h[i * p + j]!;
    h[0] += 1e-9;
    for (let i = 1; i < p; i++) {
        h[i * p + i] += lambda + 1e-9;
        if (g && w) g[i] += lambda * w[i];
    }
}
