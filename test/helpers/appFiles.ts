import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { uniqueName } from './azurite';
import { demoSettings, Where } from './demoTargets';

export interface AppFiles {
    /** A fresh folder holding the config (and whatever else the caller keeps per app). */
    dir: string;
    where: Where;
    runsContainer: string;
    /** The app settings the built app needs (the demo secrets included). */
    env: Record<string, string>;
}

/**
 * A config file of `targets` for the built app on `storage` with the studio at `studioUrl`,
 * fresh container and task hub names, and the app settings that go with it.
 */
export function appFiles(
    storage: string,
    studioUrl: string,
    targets: (w: Where) => Record<string, unknown>[],
    hubPrefix: string,
): AppFiles {
    const dir = mkdtempSync(path.join(tmpdir(), `retrainer-${hubPrefix.toLowerCase()}-`));
    const where: Where = {
        studioUrl,
        dataContainer: uniqueName('training-data'),
        modelsContainer: uniqueName('models'),
    };
    const configPath = path.join(dir, 'retrainer.config.json');
    writeFileSync(
        configPath,
        JSON.stringify({ storage: { connectionStringSetting: 'RETRAINER_DATA_STORAGE' }, targets: targets(where) }),
    );
    const runsContainer = uniqueName('runs');
    return {
        dir,
        where,
        runsContainer,
        env: {
            ...demoSettings,
            AzureWebJobsStorage: storage,
            TASKHUB_NAME: `${hubPrefix}${uniqueName('h').replace(/[^a-z0-9]/g, '')}`.slice(0, 40),
            RETRAINER_CONFIG_PATH: configPath,
            RETRAINER_DATA_STORAGE: storage,
            RETRAINER_DATA_CONTAINER: where.dataContainer,
            RETRAINER_RUNS_CONTAINER: runsContainer,
            RETRAINER_TIMER_SCHEDULE: '0 0 0 1 1 *',
        },
    };
}
