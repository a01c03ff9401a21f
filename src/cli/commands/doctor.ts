import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { registerEmulatorCredential } from '../../local/studio/emulatorCredential';
import { DefaultAzureCredential, TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';

import { createDeps, RUNS_CONTAINER_SETTING } from '../../activities/runtime';
import { MlServiceError } from '../../clients/errors';
import { ActivityDeps } from '../../activities/deps';
import { dataBlobService } from '../../activities/dataStorage';
import { besTrainingOf, CONFIG_PATH_SETTING, ConfigError, loadConfig, LoadedConfig } from '../../retraining/config';
import type { TargetConfig } from '../../retraining/config';
import { identityConnection } from '../../retraining/storageConnection';
import { CliError } from '../connection';
import { RetrainerClient } from '../retrainerClient';

export const doctorUsage = `retrainer doctor --settings FILE [--url URL --key KEY] [--dead-letter-container NAME]
                 [--event-grid-subscription RESOURCE_ID] [--json]
  Checks an app end to end without changing anything: its settings, its config, the storage
  account with the configured identity, the watched, runs and dead-letter containers, each
  target's BES and endpoint or ARM web service (a cheap authorised read), the app's HTTP API, and
  the Event Grid subscription (with ARM access). FILE is local.settings.json, or the output of
  'az functionapp config appsettings list' for a deployed app. Exits 1 when a check fails.`;

/** The settings the host and the app cannot start without, besides those the config names. */
const HOST_SETTINGS: { name: string; why: string }[] = [
    // host.json: "hubName": "%TASKHUB_NAME%".
    { name: 'TASKHUB_NAME', why: 'the Durable Functions task hub (host.json)' },
    { name: CONFIG_PATH_SETTING, why: 'the path of the retrainer config file' },
    // src/functions/onTrainingData.ts: path '%RETRAINER_DATA_CONTAINER%/{name}'.
    { name: 'RETRAINER_DATA_CONTAINER', why: 'the container the blob trigger watches' },
    { name: RUNS_CONTAINER_SETTING, why: 'the container of run records and champions' },
    // src/functions/retrainTimer.ts: schedule '%RETRAINER_TIMER_SCHEDULE%'.
    { name: 'RETRAINER_TIMER_SCHEDULE', why: 'the NCRONTAB schedule of the timer' },
];

/** One finding: `fix` says what to change when `status` is 'fail'. */
export interface DoctorCheck {
    check: string;
    status: 'ok' | 'fail' | 'skip';
    detail: string;
    fix?: string;
}

/** What the doctor looks at; nothing here is written to. */
export interface DoctorInput {
    /** The app settings, as the app sees them. */
    settings: NodeJS.ProcessEnv;
    /** The folder a relative RETRAINER_CONFIG_PATH resolves against (the app root). */
    baseDir: string;
    /** The app's HTTP API root (…/api) and a function key, to check the app answers. */
    app?: { url: string; key: string };
    deadLetterContainer?: string;
    /** ARM resource id of the Event Grid subscription; read with `armCredential`. */
    eventGridSubscription?: string;
    armCredential?: TokenCredential;
    /** ARM endpoint; default https://management.azure.com. */
    armBaseUrl?: string;
}

const ok = (check: string, detail: string): DoctorCheck => ({ check, status: 'ok', detail });
const fail = (check: string, detail: string, fix: string): DoctorCheck => ({ check, status: 'fail', detail, fix });
const skip = (check: string, detail: string): DoctorCheck => ({ check, status: 'skip', detail });

/** A short reason, with no request bodies or keys: SDK and client messages carry neither. */
function reason(err: unknown): string {
    if (err instanceof MlServiceError) return err.message;
    const e = err as { statusCode?: number; code?: string; message?: string };
    return [e.statusCode, e.code, e.message?.split('\n')[0]].filter((x) => x !== undefined && x !== '').join(' ');
}

function statusOf(err: unknown): number | undefined {
    return (err as { statusCode?: number }).statusCode;
}

/**
 * Runs every check in order and returns them all (a failed prerequisite skips what depends on it).
 * Reads only: container existence, one GET per remote service, one GET of the app's targets.
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorCheck[]> {
    const env = input.settings;
    const checks: DoctorCheck[] = [];
    const set = (name: string) => (env[name] ?? '') !== '';

    const missing = HOST_SETTINGS.filter((s) => !set(s.name));
    const hostStorage = set('AzureWebJobsStorage') || identityConnection('AzureWebJobsStorage', env) !== undefined;
    if (missing.length === 0 && hostStorage) checks.push(ok('settings', 'the host settings are set'));
    else {
        const names = [
            ...missing.map((s) => `${s.name} (${s.why})`),
            ...(hostStorage ? [] : ['AzureWebJobsStorage (the host storage)']),
        ];
        checks.push(
            fail(
                'settings',
                `not set: ${names.join(', ')}`,
                `set ${[...missing.map((s) => s.name), ...(hostStorage ? [] : ['AzureWebJobsStorage (or AzureWebJobsStorage__blobServiceUri, __queueServiceUri, __tableServiceUri)'])].join(', ')} in the app settings (docs/deploy.md lists each)`,
            ),
        );
    }

    let loaded: LoadedConfig | undefined;
    const configFile = set(CONFIG_PATH_SETTING) ? path.resolve(input.baseDir, env[CONFIG_PATH_SETTING]!) : undefined;
    if (configFile === undefined) checks.push(skip('config', `${CONFIG_PATH_SETTING} is not set`));
    else {
        const file = configFile;
        try {
            loaded = loadConfig(file, env);
            checks.push(ok('config', `${file}: ${loaded.config.targets.map((t) => t.name).join(', ')}`));
        } catch (err: unknown) {
            if (!(err instanceof ConfigError)) throw err;
            // One line per check: the issues the loader lists one a line, joined.
            checks.push(
                fail('config', `${err.source}: ${err.issues.join('; ')}`, 'fix each key or setting named here'),
            );
        }
    }

    let deps: ActivityDeps | undefined;
    let blobs: BlobServiceClient | undefined;
    if (loaded) {
        try {
            deps = createDeps(loaded, env);
            blobs = deps.blobs;
        } catch (err: unknown) {
            checks.push(fail('storage', reason(err), `check ${loaded.config.storage.connectionStringSetting}`));
        }
    }
    // An invalid config still names its storage connection: the containers need nothing else.
    const rawStorageSetting = loaded ? undefined : storageSettingOf(configFile);
    if (rawStorageSetting && (set(rawStorageSetting) || identityConnection(rawStorageSetting, env))) {
        try {
            blobs = dataBlobService(rawStorageSetting, env);
        } catch (err: unknown) {
            checks.push(fail('storage', reason(err), `check ${rawStorageSetting}`));
        }
    }
    const configInvalid = configFile !== undefined && !loaded;
    const storageSetting =
        loaded?.config.storage.connectionStringSetting ?? rawStorageSetting ?? 'the data storage connection';
    const containers: [string, string | undefined, string][] = [
        ['watched container', env.RETRAINER_DATA_CONTAINER, 'RETRAINER_DATA_CONTAINER'],
        ['runs container', env[RUNS_CONTAINER_SETTING], RUNS_CONTAINER_SETTING],
        [
            'dead-letter container',
            input.deadLetterContainer,
            '--dead-letter-container (azd: EVENTGRID_DEADLETTER_CONTAINER)',
        ],
    ];
    for (const [check, name, source] of containers) {
        if (!blobs)
            checks.push(
                skip(check, configInvalid ? 'config invalid: see above' : 'no storage connection to check it with'),
            );
        else if (!name) checks.push(skip(check, `not named (${source})`));
        else {
            try {
                const exists = await blobs.getContainerClient(name).exists();
                checks.push(
                    exists
                        ? ok(check, `'${name}' exists`)
                        : fail(check, `'${name}' does not exist in ${blobs.url}`, `create it, or correct ${source}`),
                );
            } catch (err: unknown) {
                checks.push(
                    fail(
                        check,
                        `storage unreachable or refused: ${reason(err)}`,
                        `check ${storageSetting} (its connection string, or its __blobServiceUri and identity) and that the identity holds Storage Blob Data Owner`,
                    ),
                );
            }
        }
    }

    // A Key Vault reference is resolved by the platform inside the app, never here.
    const vaulted = (name: string | undefined) =>
        name !== undefined && /^@Microsoft\.KeyVault\(/i.test(env[name] ?? '');
    if (configInvalid) checks.push(skip('targets', 'config invalid: see above'));
    for (const target of deps ? loaded!.config.targets : []) {
        const u = target.update;
        if (u.kind === 'azureml') {
            checks.push(await checkAzureMl(deps!, target, u.endpoint));
            continue;
        }
        const training = besTrainingOf(target);
        const updateKey =
            u.kind === 'classic'
                ? u.apiKeySetting
                : u.credential.kind === 'emulator' && typeof u.credential.secretSetting === 'string'
                  ? u.credential.secretSetting
                  : undefined;
        checks.push(
            vaulted(training.apiKeySetting)
                ? skip(
                      `${target.name}: BES`,
                      `${training.apiKeySetting} is a Key Vault reference; only the app resolves it`,
                  )
                : await checkBes(deps!, target),
        );
        checks.push(
            vaulted(updateKey)
                ? skip(
                      `${target.name}: ${u.kind === 'classic' ? 'classic endpoint' : 'ARM web service'}`,
                      `${updateKey} is a Key Vault reference; only the app resolves it`,
                  )
                : await checkUpdate(deps!, target),
        );
    }

    if (!input.app) checks.push(skip('app', 'no --url and --key given'));
    else {
        try {
            const targets = await new RetrainerClient(input.app.url, input.app.key).listTargets();
            checks.push(ok('app', `${input.app.url} answers with targets ${targets.map((t) => t.name).join(', ')}`));
        } catch (err: unknown) {
            const status = statusOf(err);
            checks.push(
                fail(
                    'app',
                    `${input.app.url}: ${reason(err)}`,
                    status === 401 || status === 403
                        ? 'the function key was refused: pass a current key (az functionapp keys list)'
                        : 'check the URL (…/api) and that the app is running',
                ),
            );
        }
    }

    checks.push(await checkEventGrid(input));
    return checks;
}

/** An Azure ML v2 target: its online endpoint is readable with the configured credential. */
async function checkAzureMl(deps: ActivityDeps, t: TargetConfig, endpoint: string): Promise<DoctorCheck> {
    const check = `${t.name}: Azure ML online endpoint`;
    try {
        const e = await deps.azureml(t).getEndpoint(endpoint);
        const serving = Object.entries(e.traffic).filter(([, share]) => share > 0);
        return ok(
            check,
            `endpoint '${endpoint}' is readable (traffic: ${serving.map(([d, share]) => `${d} ${share}%`).join(', ') || 'none'})`,
        );
    } catch (err: unknown) {
        const status = statusOf(err);
        if (status === 401 || status === 403) {
            const credential = t.update.kind === 'azureml' ? t.update.credential : undefined;
            // The emulator's token is a shared secret, not a role assignment: name the setting.
            return fail(
                check,
                reason(err),
                credential?.kind === 'emulator'
                    ? `the token was refused: check ${String(credential.secretSetting)}`
                    : 'the credential was refused: grant the app identity the AzureML Data Scientist role on the workspace',
            );
        }
        return fail(check, reason(err), `check update.workspace and update.endpoint of '${t.name}' in the config`);
    }
}

/**
 * `storage.connectionStringSetting` of the config file as written, read without validating the
 * rest; undefined when the file is unreadable, not JSON, or does not name one.
 */
function storageSettingOf(file: string | undefined): string | undefined {
    if (file === undefined) return undefined;
    try {
        const raw = JSON.parse(readFileSync(file, 'utf8')) as { storage?: { connectionStringSetting?: unknown } };
        const name = raw?.storage?.connectionStringSetting;
        return typeof name === 'string' && name !== '' ? name : undefined;
    } catch {
        return undefined;
    }
}

async function checkBes(deps: ActivityDeps, t: TargetConfig): Promise<DoctorCheck> {
    const check = `${t.name}: BES`;
    const training = besTrainingOf(t);
    try {
        // A job id that cannot exist: an authorised service answers 404, a bad key 401.
        await deps.bes(t).getJob('retrainer-doctor-probe');
        return ok(check, `${training.besUrl} answered`);
    } catch (err: unknown) {
        const status = statusOf(err);
        if (status === 404) return ok(check, `${training.besUrl} is reachable and accepted the key`);
        if (status === 401 || status === 403)
            return fail(
                check,
                reason(err),
                `the key in ${training.apiKeySetting} was refused: set the training web service's API key`,
            );
        return fail(check, reason(err), `check training.besUrl of '${t.name}' in the config`);
    }
}

async function checkUpdate(deps: ActivityDeps, t: TargetConfig): Promise<DoctorCheck> {
    const u = t.update;
    if (u.kind === 'azureml') return checkAzureMl(deps, t, u.endpoint);
    const check = `${t.name}: ${u.kind === 'classic' ? 'classic endpoint' : 'ARM web service'}`;
    try {
        if (u.kind === 'classic') {
            await deps.classic(t).getEndpoint(u.endpointName);
            return ok(check, `endpoint '${u.endpointName}' of ${u.webServiceId} is readable`);
        }
        await deps.arm(t).getWebService(u.webServiceName);
        return ok(check, `web service '${u.webServiceName}' is readable`);
    } catch (err: unknown) {
        const status = statusOf(err);
        const credentialFix =
            u.kind === 'classic'
                ? `the key in ${u.apiKeySetting} was refused: set the endpoint's primary key`
                : u.credential.kind === 'emulator'
                  ? `the token was refused: check ${String(u.credential.secretSetting)}`
                  : "the app identity was refused: grant it the web service role (docs/deploy.md, 'The role for ARM updates')";
        if (status === 401 || status === 403) return fail(check, reason(err), credentialFix);
        if (status === 404)
            return fail(
                check,
                reason(err),
                u.kind === 'classic'
                    ? `check update.workspaceId, webServiceId and endpointName of '${t.name}'`
                    : `check update.subscriptionId, resourceGroup and webServiceName of '${t.name}'`,
            );
        return fail(check, reason(err), `check the update URLs of '${t.name}' in the config`);
    }
}

async function checkEventGrid(input: DoctorInput): Promise<DoctorCheck> {
    const check = 'event grid subscription';
    if (!input.eventGridSubscription) return skip(check, 'no --event-grid-subscription given (needs ARM access)');
    const base = input.armBaseUrl ?? 'https://management.azure.com';
    try {
        const credential = input.armCredential ?? new DefaultAzureCredential();
        const token = await credential.getToken(`${base}/.default`);
        if (!token) throw new Error('no ARM token');
        const res = await fetch(`${base}${input.eventGridSubscription}?api-version=2025-02-15`, {
            headers: { Authorization: `Bearer ${token.token}` },
        });
        if (res.status !== 200) {
            await res.arrayBuffer();
            return fail(
                check,
                `GET answered ${res.status}`,
                res.status === 404
                    ? 'run the postdeploy hook: azd hooks run postdeploy'
                    : 'sign in with a principal that may read it (az login)',
            );
        }
        const body = (await res.json()) as {
            properties?: {
                provisioningState?: string;
                destination?: { endpointType?: string };
                deadLetterWithResourceIdentity?: unknown;
            };
        };
        const p = body.properties ?? {};
        if (
            p.destination?.endpointType !== 'WebHook' ||
            !p.deadLetterWithResourceIdentity ||
            p.provisioningState !== 'Succeeded'
        ) {
            return fail(
                check,
                `state ${p.provisioningState}, destination ${p.destination?.endpointType}, identity dead-lettering ${p.deadLetterWithResourceIdentity ? 'on' : 'off'}`,
                'run the postdeploy hook again: azd hooks run postdeploy',
            );
        }
        return ok(check, 'webhook to the blob extension, dead letters with the topic identity');
    } catch (err: unknown) {
        return fail(check, reason(err), 'sign in to Azure (az login) with a principal that may read the subscription');
    }
}

/**
 * Reads app settings from local.settings.json (`{ "Values": {...} }`), the output of
 * `az functionapp config appsettings list` (`[{ "name", "value" }]`), or a flat JSON object.
 * Throws CliError naming the file when it is none of these.
 */
export function readSettingsFile(file: string): Record<string, string> {
    let raw: unknown;
    try {
        raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch (err: unknown) {
        throw new CliError(`${file}: cannot read the settings (${err instanceof Error ? err.message : String(err)}).`);
    }
    const entries: [string, unknown][] = Array.isArray(raw)
        ? raw.map((e) => [String((e as { name?: unknown }).name), (e as { value?: unknown }).value])
        : typeof raw === 'object' && raw !== null
          ? Object.entries((raw as { Values?: object }).Values ?? raw)
          : [];
    if (entries.length === 0)
        throw new CliError(
            `${file}: no settings found (expected local.settings.json or 'az functionapp config appsettings list' output).`,
        );
    return Object.fromEntries(entries.filter(([, v]) => typeof v === 'string') as [string, string][]);
}

/** `retrainer doctor`: prints one line per check and exits 1 when any failed. */
export async function doctor(argv: string[]): Promise<void> {
    // The local stack's ARM targets name the emulator's credential kind; the CLI knows it.
    registerEmulatorCredential();
    const { values } = parseArgs({
        args: argv,
        options: {
            settings: { type: 'string' },
            url: { type: 'string' },
            key: { type: 'string' },
            'dead-letter-container': { type: 'string' },
            'event-grid-subscription': { type: 'string' },
            json: { type: 'boolean', default: false },
        },
    });
    if (!values.settings) throw new CliError(`usage: ${doctorUsage}`);
    const url = values.url ?? process.env.RETRAINER_URL;
    const key = values.key ?? process.env.RETRAINER_KEY;
    if (url && !key) throw new CliError(`No function key for ${url}: pass --key or set RETRAINER_KEY.`);
    const checks = await runDoctor({
        settings: readSettingsFile(values.settings),
        baseDir: path.dirname(path.resolve(values.settings)),
        app: url && key ? { url, key } : undefined,
        deadLetterContainer: values['dead-letter-container'] ?? process.env.EVENTGRID_DEADLETTER_CONTAINER,
        eventGridSubscription: values['event-grid-subscription'],
    });
    if (values.json) console.log(JSON.stringify(checks, null, 2));
    else {
        for (const c of checks) {
            const mark = c.status === 'ok' ? 'ok  ' : c.status === 'skip' ? 'skip' : 'FAIL';
            console.log(`${mark} ${c.check}: ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ''}`);
        }
    }
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.length > 0)
        throw new CliError(`doctor: ${failed.length} check(s) failed: ${failed.map((c) => c.check).join(', ')}`);
}
