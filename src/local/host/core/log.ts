export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

const LEVEL_LABEL: Record<LogLevel, string> = {
    trace: 'Trace',
    debug: 'Debug',
    information: 'Information',
    warning: 'Warning',
    error: 'Error',
    critical: 'Critical',
    none: 'None',
};

export interface HostLogger {
    /** A line about the host itself (start-up, listeners, errors outside an invocation). */
    host(message: string, level?: LogLevel): void;
    /** One `context.log` call of one invocation. */
    invocation(functionName: string, invocationId: string, level: LogLevel, message: string): void;
    /** Values that must never reach the terminal (function keys); replaced by `***`. */
    addSecret(value: string): void;
}

export type LineSink = (line: string) => void;

/**
 * Writes `[timestamp] [FunctionName] [invocationId8] Level: message`, one line per log call (a
 * multi-line message is indented under its header so the terminal stays greppable).
 */
export function createLogger(
    sink: LineSink = (l) => process.stdout.write(l + '\n'),
    now = () => new Date(),
): HostLogger {
    const secrets = new Set<string>();
    const redact = (s: string): string => {
        let out = s;
        for (const secret of secrets) out = out.split(secret).join('***');
        return out;
    };
    const write = (source: string, level: LogLevel, message: string): void => {
        const text = redact(message).replace(/\r?\n/g, '\n    ');
        sink(`[${now().toISOString()}] ${source} ${LEVEL_LABEL[level]}: ${text}`);
    };
    return {
        host: (message, level = 'information') => write('[host]', level, message),
        invocation: (fn, id, level, message) => write(`[${fn}] [${id.slice(0, 8)}]`, level, message),
        addSecret: (value) => {
            if (value.length >= 8) secrets.add(value);
        },
    };
}

/** A logger that keeps lines in memory (tests). */
export function memoryLogger(): HostLogger & { lines: string[] } {
    const lines: string[] = [];
    return Object.assign(
        createLogger((l) => lines.push(l)),
        { lines },
    );
}
