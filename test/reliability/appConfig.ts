import { AppFiles, appFiles } from '../helpers/appFiles';
import { churnTarget, Where } from '../helpers/demoTargets';

export type AppConfig = AppFiles;

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
    const files = appFiles(storage, studioUrl, targets, 'Rel');
    return {
        ...files,
        env: {
            ...files.env,
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
