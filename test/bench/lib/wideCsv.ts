import { Readable } from 'node:stream';

import { normal, seededRandom } from '../../../src/local/samples';

export const WIDTH = 20;
export const FEATURES = Array.from({ length: WIDTH }, (_, i) => `f${i + 1}`);

export type WideKind = 'logistic' | 'linear';

/**
 * A 20-feature CSV (the width the issue asks for), generated lazily: features of mixed scale
 * and shape (normal, uniform, skewed counts), five of them irrelevant, and a label that is a
 * noisy logistic (0/1) or linear function of the rest. Same seed, same bytes.
 */
export function wideCsv(kind: WideKind, rows: number, seed = 7): Readable {
    const random = seededRandom(seed);
    const gauss = normal(random);
    const coef = Array.from({ length: WIDTH }, (_, j) => (j >= 15 ? 0 : (random() - 0.5) * 2));
    function* lines(): Generator<string> {
        yield `${[...FEATURES, 'y'].join(',')}\n`;
        const x = new Float64Array(WIDTH);
        for (let done = 0; done < rows;) {
            const n = Math.min(2000, rows - done);
            let text = '';
            for (let i = 0; i < n; i++) {
                let z = 0;
                const cells: string[] = [];
                for (let j = 0; j < WIDTH; j++) {
                    // Standardised value for the label; the CSV holds it on its own scale.
                    const kindOf = j % 4;
                    let raw: number;
                    if (kindOf === 0) raw = gauss();
                    else if (kindOf === 1) raw = random() * 2 - 1;
                    else if (kindOf === 2) raw = Math.min(20, Math.floor(-Math.log(Math.max(random(), 1e-9)) * 2));
                    else raw = gauss();
                    x[j] = kindOf === 2 ? (raw - 2) / 2 : raw;
                    z += coef[j] * x[j];
                    const cell = kindOf === 2 ? raw : kindOf === 3 ? 100 + 25 * raw : raw;
                    cells.push(kindOf === 2 ? String(cell) : cell.toFixed(4));
                }
                const y =
                    kind === 'logistic'
                        ? random() < 1 / (1 + Math.exp(-(0.3 + z)))
                            ? 1
                            : 0
                        : (50 + 10 * z + 5 * gauss()).toFixed(3);
                text += `${cells.join(',')},${y}\n`;
            }
            done += n;
            yield text;
        }
    }
    return Readable.from(lines(), { objectMode: false });
}
