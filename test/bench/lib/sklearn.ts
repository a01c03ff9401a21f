import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

/** Debian's python: a pyenv python3 earlier on PATH does not see Debian's dist-packages. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'bench', 'sklearn_fit.py');

export interface SklearnResult {
    rows: number;
    trainingRows: number;
    holdoutRows: number;
    loadSeconds: number;
    fitSeconds: number[];
    metrics: { AUC?: number; RMSE?: number };
    maxRssMb: number;
    version: string;
}

function hasSklearn(): boolean {
    return spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes scikit-learn importable, installing Debian's python3-sklearn when it is missing. Returns
 * why it is unavailable (apt missing, not root, install failed) instead of throwing, so the
 * rest of the benchmark still runs.
 */
export function ensureSklearn(): { ok: true; version: string } | { ok: false; reason: string } {
    if (!hasSklearn()) {
        const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
        if (apt.status !== 0) return { ok: false, reason: 'apt-get is not available to install python3-sklearn' };
        console.log('scikit-learn missing: apt-get install -y python3-sklearn ...');
        const install = spawnSync('apt-get', ['install', '-y', 'python3-sklearn'], {
            encoding: 'utf8',
            env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        });
        if (install.status !== 0 || !hasSklearn()) {
            const tail = `${install.stderr ?? ''}${install.error?.message ?? ''}`
                .trim()
                .split('\n')
                .slice(-3)
                .join(' | ');
            return { ok: false, reason: `apt-get install -y python3-sklearn failed (exit ${install.status}): ${tail}` };
        }
    }
    const version = execFileSync(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], {
        encoding: 'utf8',
    }).trim();
    return { ok: true, version };
}

export function runSklearn(kind: string, file: string, repeats: number, version: string): SklearnResult {
    const out = execFileSync(PYTHON, [SCRIPT, kind, file, String(repeats)], {
        encoding: 'utf8',
        maxBuffer: 1024 * 1024,
    });
    return { ...(JSON.parse(out.trim().split('\n').pop()!) as Omit<SklearnResult, 'version'>), version };
}
