/** An upload progress bar on stderr: redrawn in place on a terminal, one line per 10% otherwise. */
export class ProgressBar {
    readonly #total: number;
    readonly #stream: NodeJS.WriteStream;
    #lastTenth = -1;

    constructor(total: number, stream: NodeJS.WriteStream = process.stderr) {
        this.#total = Math.max(total, 1);
        this.#stream = stream;
    }

    update(done: number): void {
        const fraction = Math.min(done / this.#total, 1);
        const text = `${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}%  ${mb(done)} / ${mb(this.#total)} MB`;
        if (this.#stream.isTTY) {
            this.#stream.write(`\r${text}`);
            if (fraction === 1) this.#stream.write('\n');
            return;
        }
        const tenth = Math.floor(fraction * 10);
        if (tenth === this.#lastTenth) return;
        this.#lastTenth = tenth;
        this.#stream.write(`${text}\n`);
    }
}

function bar(fraction: number): string {
    const width = 30;
    const filled = Math.round(fraction * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

function mb(bytes: number): string {
    return (bytes / (1024 * 1024)).toFixed(1);
}
