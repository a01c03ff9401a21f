import type { ChildProcess } from 'node:child_process';

/**
 * Collects a dev host process's output lines into `output` and resolves with its origin once it
 * prints "Host started on ..."; rejects, with the last lines, if it exits first.
 */
export function hostStarted(proc: ChildProcess, output: string[]): Promise<string> {
    return new Promise<string>((resolve, reject) => {
        let buffer = '';
        const onData = (chunk: Buffer): void => {
            buffer += chunk.toString('utf8');
            const lines = buffer.split('\n');
            buffer = lines.pop() ?? '';
            for (const line of lines) {
                output.push(line);
                const m = /Host started on (http:\/\/[^\s]+)/.exec(line);
                if (m) resolve(m[1]);
            }
        };
        proc.stdout?.on('data', onData);
        proc.stderr?.on('data', onData);
        proc.once('exit', (code) =>
            reject(new Error(`host exited early (${String(code)}):\n${output.slice(-30).join('\n')}`)),
        );
    });
}
