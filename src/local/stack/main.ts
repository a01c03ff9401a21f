import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { startAzurite } from '../common/azurite';
import { SeedError } from '../studio/seed';
import { StudioServer } from '../studio/server';

/**
 * `npm start`: the offline stack on this machine. Azurite keeps its data under .retrainer/azurite
 * and the studio emulator its state under .retrainer/studio, so a second start resumes with the
 * same deployed models.
 */
async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            data: { type: 'string', default: '.retrainer' },
            seed: { type: 'string', default: 'studio.seed.json' },
            'studio-port': { type: 'string', default: '7090' },
            'blob-port': { type: 'string', default: '10000' },
        },
    });
    const data = path.resolve(values.data);
    const blobPort = Number(values['blob-port']);
    const azurite = await startAzurite({
        location: path.join(data, 'azurite'),
        blobPort,
        queuePort: blobPort + 1,
        tablePort: blobPort + 2,
    });
    let studio: StudioServer;
    try {
        studio = await StudioServer.start({
            port: Number(values['studio-port']),
            storageConnectionString: azurite.connectionString,
            seed: JSON.parse(readFileSync(values.seed, 'utf8')) as unknown,
            stateDir: path.join(data, 'studio'),
        });
    } catch (err) {
        await azurite.stop();
        throw err;
    }
    console.log(
        [
            '',
            'Retrainer offline stack is up:',
            `  Azurite (blob/queue/table)  http://127.0.0.1:${azurite.blobPort} / ${azurite.queuePort} / ${azurite.tablePort}  data: ${path.join(data, 'azurite')}`,
            `  Studio emulator             ${studio.url}  seed: ${values.seed}  state: ${path.join(data, 'studio')}`,
            `  Storage connection string   UseDevelopmentStorage=true works when the blob port is 10000`,
            '',
            'The functions app joins this stack when its triggers land (see the open issues).',
            'Press Ctrl-C to stop.',
        ].join('\n'),
    );
    const stop = async (): Promise<void> => {
        console.log('\nStopping...');
        await studio.close();
        await azurite.stop();
        process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
    console.error(err instanceof SeedError ? err.message : err);
    process.exit(1);
});
