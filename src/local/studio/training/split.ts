/**
 * Deterministic train/holdout assignment by row index: the same file and seed always hold out the
 * same rows, in every pass, without storing which rows those were.
 */
export function isHoldout(index: number, seed: number, holdoutFraction: number): boolean {
    let h = (index ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    return h / 0x1_0000_0000 < holdoutFraction;
}
