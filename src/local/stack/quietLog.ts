/**
 * A log that can hold back its routine lines for a while: `npm start` seeds the demo Azure ML v2
 * workspace through the studio emulator's own API, and the emulator's line per request (about 20
 * of them) buried the stack's banner. Errors stay loud: an emulator fault (`internal error: ...`,
 * a 5xx answer) is written at once, and if the quiet work fails, every held line is written
 * before the error goes on, so the failure keeps its context.
 */
export class QuietableLog {
    #held: string[] | undefined;

    /** @param write - where lines go (e.g. the console, with a `[studio]` prefix) */
    constructor(private readonly write: (line: string) => void) {}

    /** Writes `line`, or holds it while {@link quietly} runs, unless it reports an error. */
    readonly log = (line: string): void => {
        if (this.#held && !isLoud(line)) this.#held.push(line);
        else this.write(line);
    };

    /**
     * Runs `work` with routine lines held back; they are dropped when it succeeds and written
     * when it throws.
     * @throws whatever `work` throws
     */
    async quietly<T>(work: () => Promise<T>): Promise<T> {
        const held: string[] = [];
        this.#held = held;
        try {
            return await work();
        } catch (err) {
            this.#held = undefined;
            for (const line of held) this.write(line);
            throw err;
        } finally {
            this.#held = undefined;
        }
    }
}

/** The studio's error lines: its own faults, and answers of 500 and up (`GET /x -> 503 (4 ms) id`). */
function isLoud(line: string): boolean {
    return line.startsWith('internal error') || / -> 5\d\d /.test(line);
}
