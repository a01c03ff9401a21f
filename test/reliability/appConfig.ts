import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { uniqueName } from '../helpers/azurite';
import { churnTarget, demoSettings, Where } from '../helpers/demoTargets';

export interface AppConfig {
    dir: string;
    where: Where;
    runsContainer: string;
    /** The app settings a host process needs (the demo secrets included). */
    env: Record<string, string>;
}

/**
 * Config file and app settings for the built app on `storage` and the studio at `studioUrl`.
 * Only the HTTP starter triggers runs: several host processes of this repo share one host id,
 * so their blob-trigger queues would be shared too.
 */
export function appConfig(
    storage: string,
    studioUrl: string,
    targets: (w: Where) => Record<string, unknown>[],
    extra: Record<string, string> = {},
): AppConfig {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-rel-'));
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
            TASKHUB_NAME: `Rel${uniqueName('h').replace(/[^a-z0-9]/g, '')}`.slice(0, 40),
            RETRAINER_CONFIG_PATH: configPath,
            RETRAINER_DATA_STORAGE: storage,
            RETRAINER_DATA_CONTAINER: where.dataContainer,
            RETRAINER_RUNS_CONTAINER: runsContainer,
            RETRAINER_TIMER_SCHEDULE: '0 0 0 1 1 *',
            'AzureWebJobs.onTrainingData.Disabled': 'true',
            'AzureWebJobs.retrainTimer.Disabled': 'true',
            ...extra,
        },
    };
}

/** A churn-like target on the classic endpoint `retrained`, reading `{name}/*.csv`. */
export function churnLike(w: Where, name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const base = churnTarget(w);
    return churnTarget(w, {
        name,
        data: { ...(base.data as object), prefixPattern: `${name}/*.csv` },
        ...overrides,
    });
}
