/**
 * Client logging in the Azure SDK manner: named logger, four levels, retries at info (not
 * warnings). Every line passes through the client's redactor before reaching the sink, so a
 * caller-supplied sink cannot receive a secret.
 */
export type LogLevel = 'error' | 'warning' | 'info' | 'verbose';

export type LogSink = (level: LogLevel, line: string) => void;

export interface ClientLogger {
    error(message: string): void;
    warning(message: string): void;
    info(message: string): void;
    verbose(message: string): void;
}

const ORDER: Record<LogLevel, number> = { error: 0, warning: 1, info: 2, verbose: 3 };

function levelFromEnv(): LogLevel {
    const v = (process.env.RETRAINER_LOG_LEVEL ?? '').toLowerCase();
    return v === 'error' || v === 'info' || v === 'verbose' || v === 'warning' ? v : 'warning';
}

const consoleSink: LogSink = (level, line) => {
    if (level === 'error' || level === 'warning') console.error(line);
    else console.log(line);
};

export function createClientLogger(
    name: string,
    sink: LogSink = consoleSink,
    level: LogLevel = levelFromEnv(),
): ClientLogger {
    const emit =
        (l: LogLevel) =>
        (message: string): void => {
            if (ORDER[l] <= ORDER[level]) sink(l, `retrainer:${name} ${l}: ${message}`);
        };
    return { error: emit('error'), warning: emit('warning'), info: emit('info'), verbose: emit('verbose') };
}

/** Wraps any logger so each message is redacted first. */
export function redactingLogger(inner: ClientLogger, redact: (s: string) => string): ClientLogger {
    return {
        error: (m) => inner.error(redact(m)),
        warning: (m) => inner.warning(redact(m)),
        info: (m) => inner.info(redact(m)),
        verbose: (m) => inner.verbose(redact(m)),
    };
}
