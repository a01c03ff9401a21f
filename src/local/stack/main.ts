import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { BlobServiceClient } from '@azure/storage-blob';

import { ConfigError, readConfigFile, validateConfig } from '../../retraining/config';
import { startAzurite } from '../common/azurite';
import { SettingsError } from '../host/config/settings';
import { DevHost } from '../host/host';
import { registerEmulatorCredential } from '../studio/emulatorCredential';
import { SeedError, parseSeed } from '../studio/seed';
import { chooseBlobPort, recordBlobPort, recordedBlobPort } from './blobPort';
import { DemoAzureMl, seedDemoAzureMl } from './demoAzureMl';
import { QuietableLog } from './quietLog';
import { localSettings, withStackStorage } from './settings';
import { readStackInfo, removeStackInfo, writeStackInfo } from './stackFile';
import { StudioServer } from '../studio/server';

/**
 * `npm start`: the offline stack on this machine. Azurite keeps its data under .retrainer/azurite
 * and the studio emulator its state under .retrainer/studio, so a second start resumes with the
 * same deployed models.
 */
async function main(): Promise<void> {
    const values = stackFlags(process.argv.slice(2));
    // Precedence, as Core Tools: the shell's environment, then local.settings.json, then the demo seed.
    const settingsFile = path.resolve(values.settings);
    const local = localSettings(settingsFile);
    // A path in the settings file is taken from the file's folder; a flag's or the shell's from here.
    const fromFile = (p: string | undefined) => p && path.resolve(path.dirname(settingsFile), p);
    const config = path.resolve(
        values.config ??
            process.env.RETRAINER_CONFIG_PATH ??
            fromFile(local.RETRAINER_CONFIG_PATH) ??
            'retrainer.config.sample.json',
    );
    // `retrainer init-target` writes the emulator's seed beside the demo one and names it here.
    const seedFile = path.resolve(
        values.seed ?? process.env.RETRAINER_STUDIO_SEED ?? fromFile(local.RETRAINER_STUDIO_SEED) ?? 'studio.seed.json',
    );
    // A broken config is the user's to fix: say so before starting anything (Azurite, the studio,
    // the demo model), not after. The app settings it names are checked once the stack fills them.
    registerEmulatorCredential();
    validateConfig(readConfigFile(config), config);
    const data = path.resolve(values.data);
    // A second stack on the same folder would run a second Azurite over the first one's files and
    // take over stack.json (its Ctrl-C then removes it, leaving the first stack unreachable by the CLI).
    const running = readStackInfo(data);
    if (running)
        throw new UsageError(
            `A stack is already running from ${data} (pid ${running.pid}, app at ${running.apiUrl}): use it, stop it first (Ctrl-C in its terminal), or give this one its own folder with --data DIR.`,
            1,
        );
    const chosen = chooseBlobPort(values['blob-port'], recordedBlobPort(data), data);
    if ('problem' in chosen) throw new UsageError(chosen.problem, 1);
    const blobPort = chosen.port;
    portFlags.set(values['host-port'], '--host-port');
    portFlags.set(values['studio-port'], '--studio-port');
    for (const p of [blobPort, blobPort + 1, blobPort + 2]) portFlags.set(p, '--blob-port');
    // Port 0 lets the OS pick each of the three (a test runs stacks side by side that way).
    const azurite = await startAzurite({
        location: path.join(data, 'azurite'),
        blobPort,
        queuePort: blobPort === 0 ? 0 : blobPort + 1,
        tablePort: blobPort === 0 ? 0 : blobPort + 2,
        ownProcessGroup: true,
    });
    recordBlobPort(data, azurite.blobPort);
    let studio: StudioServer | undefined;
    let host: DevHost | undefined;
    let demoV2: DemoAzureMl | undefined;
    try {
        const seed = JSON.parse(readFileSync(seedFile, 'utf8')) as DemoSeed;
        const studioLog = new QuietableLog((line) => console.log(`[studio] ${line}`));
        studio = await StudioServer.start({
            port: values['studio-port'],
            storageConnectionString: azurite.connectionString,
            seed,
            stateDir: path.join(data, 'studio'),
            log: studioLog.log,
        });
        // The demo Azure ML v2 target's serving side (endpoint, deployment 'blue' of an initial
        // model), made through the emulator's own API on first start; a later start leaves it as is.
        const v2Workspace = parseSeed(seed).azureml[0];
        if (v2Workspace) {
            const { url } = studio;
            // The emulator's line per seeding request would bury the banner; its errors still show.
            demoV2 = await studioLog.quietly(() =>
                seedDemoAzureMl({
                    studioUrl: url,
                    armTokenSecret: seed.armTokenSecret,
                    workspace: v2Workspace,
                    storageConnectionString: azurite.connectionString,
                    log: (line) => console.log(line),
                }),
            );
        }
        Object.assign(
            process.env,
            demoSettings(seed, azurite.connectionString, config),
            withStackStorage(local, azurite.connectionString),
            { ...process.env },
            { RETRAINER_CONFIG_PATH: config },
        );
        await BlobServiceClient.fromConnectionString(azurite.connectionString)
            .getContainerClient(process.env.RETRAINER_DATA_CONTAINER!)
            .createIfNotExists();
        host = await DevHost.start({
            appRoot: process.cwd(),
            connectionString: azurite.connectionString,
            port: values['host-port'],
            stateDir: path.join(data, 'devhost'),
        });
    } catch (err) {
        await host?.stop();
        await studio?.close();
        await azurite.stop();
        throw err;
    }
    writeStackInfo(data, {
        apiUrl: `${host.origin}/api`,
        functionKey: host.keys.functionDefault,
        storageConnectionString: azurite.connectionString,
        studioUrl: studio.url,
        pid: process.pid,
    });
    const stackFlag = values.data === '.retrainer' ? '' : ` --stack ${values.data}`;
    console.log(
        [
            '',
            'Retrainer offline stack is up:',
            `  Azurite (blob/queue/table)  http://127.0.0.1:${azurite.blobPort} / ${azurite.queuePort} / ${azurite.tablePort}  data: ${path.join(data, 'azurite')}`,
            `  Studio emulator             ${studio.url}  seed: ${seedFile}  state: ${path.join(data, 'studio')}`,
            `  Functions app (dev host)    ${host.origin}/api  config: ${config}`,
            `  Status page                 ${host.origin}/api/ui/  (signed in locally as a developer)`,
            ...(demoV2
                ? [
                      `  Azure ML v2 demo workspace  ${demoV2.workspace} (resource group ${demoV2.resourceGroup}): endpoint ${demoV2.endpoint}${demoV2.created ? ', just seeded' : ''}`,
                  ]
                : []),
            `  Function key (local only)   ${host.keys.functionDefault}`,
            ...(Object.keys(local).length > 0
                ? [`  Settings from ${values.settings}: ${Object.keys(local).sort().join(', ')}`]
                : []),
            '',
            'Next, in another terminal:',
            `  npx retrainer sample churn baseline && npx retrainer upload churn-baseline.csv --wait${stackFlag}`,
            `  npx retrainer status churn${stackFlag}`,
            'Press Ctrl-C to stop; the next npm start resumes with the same state.',
        ].join('\n'),
    );
    // Ctrl-C reaches this process (and npm) but not Azurite, which runs in its own process group:
    // stop in order, the app first (no new work), then the emulator (a training job stays Running
    // in its state and resumes as the same job on the next start), then the storage both write to.
    let stopping = false;
    const stop = async (signal: NodeJS.Signals): Promise<void> => {
        if (stopping) {
            console.log(`\n${signal} again: stopping now.`);
            azurite.kill();
            process.exit(130);
        }
        stopping = true;
        console.log('\nStopping (the app, then the studio emulator, then Azurite)...');
        removeStackInfo(data);
        await host?.stop();
        await studio?.close();
        await azurite.stop();
        process.exit(0);
    };
    process.on('SIGINT', (s) => void stop(s));
    process.on('SIGTERM', (s) => void stop(s));
}

/** A wrong command line or a start that must not go ahead: one line, then exit with `exitCode`. */
class UsageError extends Error {
    constructor(
        message: string,
        readonly exitCode: number,
    ) {
        super(message);
        this.name = 'UsageError';
    }
}

const FLAGS = '--data DIR, --config FILE, --settings FILE, --seed FILE, --studio-port N, --blob-port N, --host-port N';

/**
 * `npm start`'s flags, ports as numbers.
 * @throws UsageError (exit 2) for an unknown flag, a missing value, or a port that is not an
 *   integer 0–65535 (Number('abc') would be NaN, which Azurite takes as its default port).
 */
function stackFlags(args: string[]) {
    let values;
    try {
        ({ values } = parseArgs({
            args,
            options: {
                data: { type: 'string', default: '.retrainer' },
                seed: { type: 'string' },
                'studio-port': { type: 'string', default: '7090' },
                'blob-port': { type: 'string' },
                'host-port': { type: 'string', default: '7071' },
                config: { type: 'string' },
                settings: { type: 'string', default: 'local.settings.json' },
            },
        }));
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new UsageError(`npm start: ${message}. Flags: ${FLAGS}.`, 2);
    }
    const port = (flag: 'studio-port' | 'blob-port' | 'host-port'): number => {
        const text = values[flag] ?? '';
        const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
        // Azurite's queue and table ports are the two after the blob port.
        const max = flag === 'blob-port' ? 65533 : 65535;
        if (!(n <= max))
            throw new UsageError(`npm start: --${flag} '${text}' is not a port (0 to ${max}; 0 picks a free one).`, 2);
        return n;
    };
    return {
        ...values,
        'studio-port': port('studio-port'),
        // Unset: the folder's kept port, or 10000 (blobPort.ts).
        'blob-port': values['blob-port'] === undefined ? undefined : port('blob-port'),
        'host-port': port('host-port'),
    };
}

interface DemoSeed {
    armTokenSecret: string;
    trainingServices: { serviceId: string; apiKey: string }[];
    classicWebServices: { endpoints: { name: string; primaryKey: string }[] }[];
    armWebServices: { keys: { primary: string } }[];
}

/** App settings for the sample config, filled from the demo seed (settings already set win). */
function demoSettings(seed: DemoSeed, storage: string, configPath: string): Record<string, string> {
    const training = (id: string) => seed.trainingServices.find((t) => t.serviceId === id)?.apiKey ?? '';
    const endpoint = seed.classicWebServices[0]?.endpoints.find((e) => e.name === 'retrained')?.primaryKey ?? '';
    return {
        AzureWebJobsStorage: storage,
        TASKHUB_NAME: 'RetrainerHub',
        RETRAINER_CONFIG_PATH: configPath,
        RETRAINER_DATA_STORAGE: storage,
        RETRAINER_DATA_CONTAINER: 'training-data',
        RETRAINER_RUNS_CONTAINER: 'retrainer-runs',
        RETRAINER_TIMER_SCHEDULE: '0 */5 * * * *',
        CHURN_TRAINING_API_KEY: training('churn-training'),
        CHURN_ENDPOINT_API_KEY: endpoint,
        HOUSES_TRAINING_API_KEY: training('houses-training'),
        HOUSES_ARM_API_KEY: seed.armWebServices[0]?.keys.primary ?? '',
        STUDIO_ARM_TOKEN_SECRET: seed.armTokenSecret,
    };
}

/** The flag that sets each port this start listens on (0, "any free port", is never busy). */
const portFlags = new Map<number, string>();

/**
 * One line for a port another process holds (Node's listen error carries `code` EADDRINUSE and
 * `port`), naming the flag that moves it; undefined for any other error.
 */
function busyPortMessage(err: unknown): string | undefined {
    const e = err as { code?: unknown; port?: unknown } | null;
    if (e?.code !== 'EADDRINUSE') return undefined;
    const port = typeof e.port === 'number' ? e.port : undefined;
    const flag = port === undefined ? undefined : portFlags.get(port);
    const which = port === undefined ? 'A port' : `Port ${port}`;
    return flag
        ? `${which} is already in use by another process: stop it, or start on another port with \`npm start -- ${flag} N\` (0 picks a free one).`
        : `${which} is already in use by another process: stop it, or move the stack with --host-port, --studio-port or --blob-port.`;
}

main().catch((err: unknown) => {
    const busy = busyPortMessage(err);
    const known =
        err instanceof SeedError ||
        err instanceof SettingsError ||
        err instanceof ConfigError ||
        err instanceof UsageError;
    console.error(busy ?? (known ? err.message : err));
    process.exit(err instanceof UsageError ? err.exitCode : 1);
});
