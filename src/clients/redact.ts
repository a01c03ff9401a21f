/**
 * Removes secrets from text before it reaches a log line or an error message. Pattern rules catch
 * secrets we were never told about (a SAS `sig=` echoed by a service, a connection string's
 * AccountKey, any bearer token); literal rules catch known values (API keys, minted tokens)
 * wherever they appear.
 */
export const REDACTED = 'REDACTED';

const PATTERNS: [RegExp, string][] = [
    [/([?&;\s"']sig=)[^&\s"';]+/gi, `$1${REDACTED}`],
    [/^sig=[^&\s"';]+/gi, `sig=${REDACTED}`],
    [/(AccountKey=)[^;\s"']+/gi, `$1${REDACTED}`],
    [/(SharedAccessSignature=)[^;\s"']+/gi, `$1${REDACTED}`],
    [/(Bearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`],
    [/("?authorization"?\s*[:=]\s*"?)[^"\s,}]+/gi, `$1${REDACTED}`],
];

/** Secrets shorter than this are not replaced literally: too likely to mangle ordinary words. */
const MIN_LITERAL_LENGTH = 6;

export function redact(text: string, secrets: Iterable<string> = []): string {
    let out = text;
    for (const s of secrets) {
        if (s && s.length >= MIN_LITERAL_LENGTH) out = out.split(s).join(REDACTED);
    }
    for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
    return out;
}

/** A set of known secret values that grows as a client learns tokens; shared by its pipeline and logger. */
export class SecretSet {
    readonly #values = new Set<string>();

    constructor(initial: Iterable<string | undefined> = []) {
        for (const v of initial) this.add(v);
    }

    add(value: string | undefined): void {
        if (value) this.#values.add(value);
    }

    redact(text: string): string {
        return redact(text, this.#values);
    }

    toJSON(): string {
        return `[${this.#values.size} secrets]`;
    }
}
