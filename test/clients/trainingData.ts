/**
 * A deterministic, learnable churn data set: short tenure and high charges churn. Small enough
 * that the emulator trains in well under a second.
 */
export function churnCsv(rows = 240, seed = 7): string {
    let s = seed >>> 0;
    const rand = (): number => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const lines = ['tenure,charges,churned'];
    for (let i = 0; i < rows; i++) {
        const tenure = 1 + Math.floor(rand() * 72);
        const charges = Math.round((20 + rand() * 100) * 100) / 100;
        const score = charges / 120 - tenure / 72 + (rand() - 0.5) * 0.3;
        lines.push(`${tenure},${charges},${score > 0 ? 1 : 0}`);
    }
    return `${lines.join('\n')}\n`;
}
