import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Where the browser tests save their screenshots: the README's own (`docs/screenshots`) only when
 * `RETRAINER_UPDATE_SCREENSHOTS=1`; otherwise a temporary folder, so a test run never rewrites
 * tracked files (every run changed the PNGs' bytes, though not the page's look).
 */
export const SCREENSHOTS =
    process.env.RETRAINER_UPDATE_SCREENSHOTS === '1'
        ? path.resolve(__dirname, '../../../docs/screenshots')
        : mkdtempSync(path.join(tmpdir(), 'retrainer-screenshots-'));

/**
 * Why the browser tests cannot run here (no Chromium), or undefined. Under CI (`CI` set) a missing
 * browser is an error, not a skip: `.ci/run` installs it.
 * @throws Error in CI when Chromium is missing.
 */
export function browserMissing(): string | undefined {
    const missing = existsSync(CHROMIUM)
        ? undefined
        : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
    if (missing && process.env.CI) throw new Error(`The browser tests need Chromium in CI: ${missing}.`);
    return missing;
}
