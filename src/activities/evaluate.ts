import type { ChampionRef, EvaluateInput, Verdict } from '../orchestrators/contracts';
import { evaluateGate } from '../retraining/gate';
import { metricRecord, parseEvaluationCsv } from '../retraining/metrics';
import { readAzureMlMetrics } from './azureml';
import { ActivityDeps, targetOf } from './deps';

// Declared with the other activity shapes in the contracts; re-exported for existing importers.
export type { EvaluateInput };

/** Reads the job's evaluation output and judges it against the gate and the current champion (an Azure ML job's `metrics.json` for kind `azureml`). */
export async function evaluate(deps: ActivityDeps, input: EvaluateInput): Promise<Verdict> {
    const target = targetOf(deps, input.target);
    const metrics =
        target.update.kind === 'azureml'
            ? await readAzureMlMetrics(deps, target, input.job.jobId)
            : await readEvaluationOutput(deps, input.job.evaluationOutput.relativeLocation);
    const current = await deps.runs.getChampion(target.name);
    const champion: ChampionRef | null = current
        ? { runId: current.champion.runId, model: current.champion.model, metrics: current.champion.metrics }
        : null;
    const verdict = evaluateGate(target.gate, metrics, champion);
    return { passed: verdict.passed, reasons: verdict.reasons, metrics: verdict.metrics, comparedTo: champion };
}

/** The metrics of a BES job's evaluation output: `relative` is `{container}/{blob}` in the app's storage. */
async function readEvaluationOutput(deps: ActivityDeps, relative: string): Promise<Record<string, number>> {
    const slash = relative.indexOf('/');
    const blob = deps.blobs.getContainerClient(relative.slice(0, slash)).getBlobClient(relative.slice(slash + 1));
    return metricRecord(parseEvaluationCsv((await blob.downloadToBuffer()).toString('utf8')));
}
