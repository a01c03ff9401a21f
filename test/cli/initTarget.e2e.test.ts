import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { RUN_EXIT_CODES } from '../../src/cli/wait';
import { SeededRandom } from '../../src/local/host/semantics/profile';
import { cliAlone, freePortRun, laterPort, sampleConfigFor, StackProcess } from '../helpers/stackProcess';

/** A shop's purchase data: other column names than the demo's; labels follow the features unless `noise`. */
function shopCsv(rows: number, seed: number, noise: boolean): string {
    const r = new SeededRandom(seed);
    const lines = ['visits,spend_eur,days_since_last,bought'];
    for (let i = 0; i < rows; i++) {
        const visits = Math.floor(r.next() * 20);
        const spend = Math.round(r.next() * 50000) / 100;
        const days = Math.floor(r.next() * 90);
        const logit = -1 + 0.15 * visits + 0.004 * spend - 0.03 * days;
        const p = noise ? 0.5 : 1 / (1 + Math.exp(-logit));
        lines.push(`${visits},${spend},${days},${r.next() < p ? 1 : 0}`);
    }
    return lines.join('\n') + '\n';
}

/**
 * "Your own model" from the README, end to end: init-target on a data set with its own column
 * names writes config, seed and settings; the next `npm start` serves the new target; a good
 * upload is promoted and a noisy one rejected; the rejected file is quarantined, left out of the
 * next good run, and restored with `retrainer data include`.
 */
describe('retrainer init-target: your own model in one command', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-init-'));
    let stack: StackProcess | undefined;

    before(() => {
        writeFileSync(path.join(dir, 'shop-sample.csv'), shopCsv(2000, 7, false));
        writeFileSync(path.join(dir, 'shop-noise.csv'), shopCsv(2000, 8, true));
        writeFileSync(path.join(dir, 'shop-more.csv'), shopCsv(2000, 9, false));
    });

    after(async () => {
        await stack?.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    it('refuses a label that is not a column, and writes nothing', async () => {
        await assert.rejects(
            cliAlone(dir, 'init-target', 'shop', 'shop-sample.csv', '--label', 'purchased', '--task', 'classification'),
            (e: { stderr?: string }) => /--label 'purchased' is not a column of shop-sample.csv/.test(e.stderr ?? ''),
        );
        assert.throws(() => readFileSync(path.join(dir, 'local.settings.json')), /ENOENT/);
    });

    it('writes config, seed and settings consistently, with a gate set from the baseline', async () => {
        const studioPort = await laterPort();
        // The user's config: the sample pointed at this test's studio port.
        writeFileSync(path.join(dir, 'retrainer.config.json'), sampleConfigFor(studioPort));
        const out = await cliAlone(
            dir,
            'init-target',
            'shop',
            'shop-sample.csv',
            '--label',
            'Bought',
            '--task',
            'classification',
        );
        const auc = /AUC: ([0-9.]+)/.exec(out);
        assert.ok(auc, out);
        const baseline = Number(auc[1]);
        assert.ok(baseline > 0.7, `baseline AUC ${baseline}`);

        const config = JSON.parse(readFileSync(path.join(dir, 'retrainer.config.json'), 'utf8')) as {
            targets: {
                name: string;
                data: { labelColumn: string; featureColumns: string[] };
                training: { apiKeySetting: string };
                update: { apiKeySetting: string; webServiceId: string };
                gate: { thresholds: { metric: string; threshold: number }[] };
            }[];
        };
        const shop = config.targets.find((t) => t.name === 'shop');
        assert.ok(shop);
        assert.equal(shop.data.labelColumn, 'bought', 'the column as the file spells it');
        assert.deepEqual(shop.data.featureColumns, ['visits', 'spend_eur', 'days_since_last']);
        const threshold = shop.gate.thresholds[0];
        assert.equal(threshold?.metric, 'AUC');
        assert.ok(threshold.threshold < baseline && threshold.threshold > baseline - 0.1, JSON.stringify(threshold));

        const seed = JSON.parse(readFileSync(path.join(dir, 'studio.seed.local.json'), 'utf8')) as {
            trainingServices: { serviceId: string; apiKey: string }[];
            classicWebServices: { id: string; endpoints: { name: string; primaryKey: string }[] }[];
        };
        const settings = (
            JSON.parse(readFileSync(path.join(dir, 'local.settings.json'), 'utf8')) as {
                Values: Record<string, string>;
            }
        ).Values;
        assert.equal(
            settings[shop.training.apiKeySetting],
            seed.trainingServices.find((t) => t.serviceId === 'shop-training')?.apiKey,
        );
        const ws = seed.classicWebServices.find((w) => w.id === shop.update.webServiceId);
        assert.equal(
            settings[shop.update.apiKeySetting],
            ws?.endpoints.find((e) => e.name === 'retrained')?.primaryKey,
        );
        assert.equal(settings.RETRAINER_CONFIG_PATH, 'retrainer.config.json');
        assert.equal(settings.RETRAINER_STUDIO_SEED, 'studio.seed.local.json');

        await assert.rejects(
            cliAlone(dir, 'init-target', 'shop', 'shop-sample.csv', '--label', 'bought', '--task', 'classification'),
            // Refused before the baseline trains: a taken name costs no training time.
            (e: { stderr?: string; stdout?: string }) =>
                /already has a target named 'shop'/.test(e.stderr ?? '') && !/Training a baseline/.test(e.stdout ?? ''),
        );
        // As the README's walkthrough says: quarantine the files of a Rejected run.
        const edited = JSON.parse(readFileSync(path.join(dir, 'retrainer.config.json'), 'utf8')) as {
            targets: { name: string; dataPolicy?: unknown }[];
        };
        edited.targets.find((t) => t.name === 'shop')!.dataPolicy = { onRejected: 'quarantine' };
        writeFileSync(path.join(dir, 'retrainer.config.json'), JSON.stringify(edited, null, 4));
        stack = await StackProcess.start({
            data: path.join(dir, 'data'),
            studioPort,
            blobPort: await freePortRun(3),
            settings: path.join(dir, 'local.settings.json'),
        });
    });

    it('trains the new target from the settings file alone: a good upload is promoted, a noisy one rejected', async () => {
        assert.ok(stack, 'the stack started in the previous test');
        assert.match(stack.output, /Settings from .*local\.settings\.json: .*SHOP_TRAINING_API_KEY/);
        const good = await stack.cliExit(dir, 'upload', 'shop-sample.csv', '--target', 'shop', '--wait');
        assert.equal(good.code, RUN_EXIT_CODES.Promoted, `${good.stdout}\n${good.stderr}\n${stack.tail()}`);
        assert.match(good.stdout, /Run \S+ of 'shop': Promoted/);

        const noisy = await stack.cliExit(dir, 'upload', 'shop-noise.csv', '--target', 'shop', '--wait');
        assert.equal(noisy.code, RUN_EXIT_CODES.Rejected, `${noisy.stdout}\n${noisy.stderr}`);
        assert.match(noisy.stdout, /Run \S+ of 'shop': Rejected/);
        const status = JSON.parse(await stack.cli(dir, 'status', 'shop', '--json')) as {
            champion: { runId: string } | null;
        };
        assert.ok(status.champion, 'the promoted model still serves');
    });

    it('quarantines the rejected file, trains the next good one without it, and restores it with include', async () => {
        assert.ok(stack, 'the stack started before');
        interface DataView {
            lastRun: { runId: string; state: string } | null;
            files: { name: string; state: string; quarantined?: { runId: string }; inLastRun: boolean }[];
        }
        interface Run {
            runId: string;
            state: string;
            forced?: boolean;
            manifest?: { blobs: { name: string }[]; leftOut?: { name: string; why: string }[] };
        }
        const list = async (): Promise<DataView> =>
            JSON.parse(await stack!.cli(dir, 'data', 'list', 'shop', '--json')) as DataView;
        const runOf = async (out: string): Promise<Run> => {
            const id = /^Run (\S+) of 'shop'/m.exec(out)?.[1];
            assert.ok(id, out);
            const runs = JSON.parse(await stack!.cli(dir, 'runs', '--target', 'shop', '--json')) as Run[];
            const run = runs.find((r) => r.runId === id);
            assert.ok(run, `${id} in ${JSON.stringify(runs.map((r) => r.runId))}`);
            return run;
        };
        let view = await list();
        const rejected = view.lastRun;
        assert.equal(rejected?.state, 'Rejected');
        const noise = view.files.find((f) => f.name === 'shop/shop-noise.csv');
        assert.equal(noise?.state, 'quarantined', JSON.stringify(view.files));
        assert.equal(noise.quarantined?.runId, rejected.runId);
        assert.equal(view.files.find((f) => f.name === 'shop/shop-sample.csv')?.state, 'included');

        const more = await stack.cliExit(dir, 'upload', 'shop-more.csv', '--target', 'shop', '--wait');
        assert.equal(more.code, RUN_EXIT_CODES.Promoted, `${more.stdout}\n${more.stderr}`);
        const good = await runOf(more.stdout);
        assert.deepEqual(
            good.manifest?.blobs.map((b) => b.name),
            ['shop/shop-more.csv', 'shop/shop-sample.csv'],
        );
        assert.deepEqual(
            good.manifest?.leftOut?.map((l) => [l.name, l.why]),
            [['shop/shop-noise.csv', 'quarantined']],
        );

        assert.match(
            await stack.cli(dir, 'data', 'include', 'shop', 'shop-noise.csv', '--by', 'ana'),
            new RegExp(`is back in training: the quarantine by Rejected run ${rejected.runId} is lifted by ana\\.`),
        );
        view = await list();
        assert.equal(view.files.find((f) => f.name === 'shop/shop-noise.csv')?.state, 'included');
        // Restored data is a new set of files: it trains (not Skipped), and a third of random labels
        // still sinks the model, so the file is quarantined again by this run.
        const again = await stack.cliExit(dir, 'retrain', 'shop', '--wait');
        const restored = await runOf(again.stdout);
        assert.deepEqual(
            restored.manifest?.blobs.map((b) => b.name),
            ['shop/shop-more.csv', 'shop/shop-noise.csv', 'shop/shop-sample.csv'],
        );
        assert.equal(again.code, RUN_EXIT_CODES.Rejected, `${again.stdout}\n${again.stderr}`);
        const last = (await list()).files.find((f) => f.name === 'shop/shop-noise.csv');
        assert.equal(last?.quarantined?.runId, restored.runId);
        assert.equal(last.inLastRun, true);
    });
});
