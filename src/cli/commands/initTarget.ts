import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { registerEmulatorCredential } from '../../local/studio/emulatorCredential';
import { parseSeed, SeedError } from '../../local/studio/seed';
import { trainExperiment, TrainingError } from '../../local/studio/training';
import { ConfigError, validateConfig } from '../../retraining/config';
import { parseCsv } from '../../retraining/csv';
import { CliError } from '../connection';
import { gateFromBaseline, generateTarget, StudioPlace, TargetSpec } from '../init/blocks';

export const initTargetUsage = `retrainer init-target <name> <sample.csv> --label COLUMN --task classification|regression
    [--features A,B,...] [--positive-label VALUE] [--update classic|arm]
    [--config FILE] [--seed FILE] [--settings FILE]
  Adds your own model to the local stack in one step: trains a baseline on the sample, then writes
  the target's config block (gate set from the baseline), the studio emulator's services for it,
  and their keys as app settings, consistently. Restart \`npm start\` to serve it.`;

/** The package root (dist/src/cli/commands -> root), where the demo config and seed live. */
const PACKAGE_ROOT = path.resolve(__dirname, '../../../..');

const NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

interface SettingsFile {
    IsEncrypted?: boolean;
    Values?: Record<string, string>;
    [k: string]: unknown;
}

export async function initTarget(argv: string[]): Promise<void> {
    // The config it writes is for the local stack, whose ARM targets use the emulator's credential.
    registerEmulatorCredential();
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            label: { type: 'string' },
            task: { type: 'string' },
            features: { type: 'string' },
            'positive-label': { type: 'string' },
            update: { type: 'string', default: 'classic' },
            config: { type: 'string' },
            seed: { type: 'string' },
            settings: { type: 'string', default: 'local.settings.json' },
        },
    });
    const [name, sampleFile] = positionals;
    if (!name || !sampleFile || positionals.length > 2) throw new CliError(`usage: ${initTargetUsage}`);
    if (!NAME.test(name)) {
        throw new CliError(`Target name '${name}' must be ≤32 lowercase letters, digits and inner hyphens.`);
    }
    const task = values.task;
    if (task !== 'classification' && task !== 'regression') {
        throw new CliError('--task must be classification or regression.');
    }
    const update = values.update;
    if (update !== 'classic' && update !== 'arm') throw new CliError('--update must be classic or arm.');
    if (!values.label) throw new CliError('--label names the column the model predicts.');

    const header = await readHeader(sampleFile);
    const find = (column: string, flag: string): string => {
        const hit = header.find((h) => h.toLowerCase() === column.trim().toLowerCase());
        if (!hit)
            throw new CliError(`${flag} '${column}' is not a column of ${sampleFile} (columns: ${header.join(', ')}).`);
        return hit;
    };
    const labelColumn = find(values.label, '--label');
    const featureColumns = values.features
        ? values.features.split(',').map((f) => find(f, '--features'))
        : header.filter((h) => h !== labelColumn);
    if (featureColumns.length === 0)
        throw new CliError(`${sampleFile} has no feature columns besides '${labelColumn}'.`);
    const spec: TargetSpec = {
        name,
        task,
        labelColumn,
        featureColumns,
        update,
        ...(values['positive-label'] ? { positiveLabel: values['positive-label'] } : {}),
    };

    const settingsPath = path.resolve(values.settings);
    const settings = readJson<SettingsFile>(settingsPath) ?? { IsEncrypted: false, Values: {} };
    const existing = settings.Values ?? {};
    const configPath = path.resolve(values.config ?? existing.RETRAINER_CONFIG_PATH ?? 'retrainer.config.json');
    const seedPath = path.resolve(values.seed ?? existing.RETRAINER_STUDIO_SEED ?? 'studio.seed.local.json');
    const config =
        readJson<{ targets: { name: string; training: { besUrl: string }; data: { container: string } }[] }>(
            configPath,
        ) ?? readJson(path.join(PACKAGE_ROOT, 'retrainer.config.sample.json'))!;
    const seed =
        readJson<{
            workspaces: { id: string }[];
            armWebServices: { subscriptionId: string; resourceGroup: string; location: string }[];
        }>(seedPath) ?? readJson(path.join(PACKAGE_ROOT, 'studio.seed.json'))!;
    if (config.targets.some((t) => t.name === name)) {
        throw new CliError(`${configPath} already has a target named '${name}'.`);
    }

    // Train before writing anything (but after the checks that need no training): a sample that
    // cannot train leaves every file as it was.
    console.log(`Training a baseline on ${sampleFile} (${featureColumns.length} features, label '${labelColumn}')...`);
    let baseline: Awaited<ReturnType<typeof trainExperiment>>;
    try {
        baseline = await trainExperiment(
            () => Promise.resolve(createReadStream(sampleFile)),
            {
                algorithm: task === 'classification' ? 'two-class-logistic-regression' : 'linear-regression',
                labelColumn,
                featureColumns,
                ...(task === 'classification' ? { positiveLabel: spec.positiveLabel ?? '1' } : {}),
            },
            {},
        );
    } catch (err) {
        if (err instanceof TrainingError) throw new CliError(`${sampleFile} cannot train: ${err.message}`);
        throw err;
    }

    const first = config.targets[0];
    const arm = seed.armWebServices[0];
    const place: StudioPlace = {
        origin: first ? new URL(first.training.besUrl).origin : 'http://127.0.0.1:7090',
        workspaceId: seed.workspaces[0]?.id ?? 'ws-demo',
        subscriptionId: arm?.subscriptionId ?? '00000000-0000-0000-0000-000000000000',
        resourceGroup: arm?.resourceGroup ?? 'retrainer-demo',
        location: arm?.location ?? 'West US',
        dataContainer: first?.data.container ?? 'training-data',
        modelsContainer: 'models',
    };
    const generated = generateTarget(spec, place, gateFromBaseline(task, baseline.metrics));

    const newConfig = { ...config, targets: [...config.targets, generated.config] };
    const s = seed as unknown as Record<string, unknown[]>;
    const newSeed = {
        ...seed,
        trainingServices: [...(s.trainingServices ?? []), generated.trainingService],
        classicWebServices: [
            ...(s.classicWebServices ?? []),
            ...(generated.classicWebService ? [generated.classicWebService] : []),
        ],
        armWebServices: [...(s.armWebServices ?? []), ...(generated.armWebService ? [generated.armWebService] : [])],
    };
    try {
        validateConfig(newConfig, configPath);
        parseSeed(newSeed);
    } catch (err) {
        if (err instanceof ConfigError || err instanceof SeedError) throw new CliError(err.message);
        throw err;
    }
    const newSettings: SettingsFile = {
        ...settings,
        Values: {
            ...existing,
            RETRAINER_CONFIG_PATH: existing.RETRAINER_CONFIG_PATH ?? path.relative(process.cwd(), configPath),
            RETRAINER_STUDIO_SEED: existing.RETRAINER_STUDIO_SEED ?? path.relative(process.cwd(), seedPath),
            ...generated.settings,
        },
    };

    writeJson(configPath, newConfig);
    writeJson(seedPath, newSeed);
    writeJson(settingsPath, newSettings);

    const metrics = Object.entries(baseline.metrics)
        .map(([k, v]) => `    ${k}: ${Number(v.toFixed(4))}`)
        .join('\n');
    console.log(
        [
            `Baseline on ${baseline.holdoutRows} held-out rows (${baseline.trainingRows} trained):`,
            metrics,
            `Gate (from the baseline; edit in ${path.relative(process.cwd(), configPath)}): ${JSON.stringify(generated.config.gate)}`,
            '',
            `Wrote target '${name}' to ${configPath},`,
            `  its studio services to ${seedPath},`,
            `  and their keys (${Object.keys(generated.settings).join(', ')}) to ${settingsPath}.`,
            '',
            // `npm start` reads ./local.settings.json only: a file written elsewhere must be named.
            path.resolve(settingsPath) === path.resolve('local.settings.json')
                ? 'Next: restart `npm start` (it reads local.settings.json), then:'
                : `Next: restart with \`npm start -- --settings ${path.relative(process.cwd(), settingsPath)}\`, then:`,
            `  npx retrainer upload ${sampleFile} --target ${name} --wait`,
        ].join('\n'),
    );
}

/** The header of a CSV file: its first line, BOM, quotes and spaces around names removed. */
async function readHeader(file: string): Promise<string[]> {
    let handle;
    try {
        handle = await open(file, 'r');
    } catch {
        throw new CliError(`Cannot read ${file}.`);
    }
    try {
        const buffer = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        const text = buffer
            .subarray(0, bytesRead)
            .toString('utf8')
            .replace(/^\uFEFF/, '');
        const line = text.split(/\r\n|\r|\n/, 1)[0] ?? '';
        const names = (parseCsv(line)[0] ?? []).map((n) => n.trim());
        if (names.length < 2 || names.some((n) => n === '')) {
            throw new CliError(`${file}: the first line must be a header naming every column.`);
        }
        return names;
    } finally {
        await handle.close();
    }
}

function readJson<T>(file: string): T | undefined {
    if (!existsSync(file)) return undefined;
    try {
        return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch (err) {
        throw new CliError(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
}

function writeJson(file: string, value: unknown): void {
    writeFileSync(file, JSON.stringify(value, null, 4) + '\n');
}
