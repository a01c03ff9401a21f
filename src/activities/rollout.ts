import { BlockBlobClient } from '@azure/storage-blob';

import {
    deriveDeploymentName,
    deriveModelVersion,
    isAzureMlError,
    jobModelUri,
    OperationHandle,
} from '../clients/azureml';
import type { ClaimPending } from '../orchestrators/claims';
import type {
    BeginDeploymentInput,
    BegunDeployment,
    CheckDeploymentInput,
    DeleteDeploymentInput,
    LiveCheck,
    OperationProgress,
    OperationRef,
    OperationStarted,
    PollOperationInput,
    RegisteredModel,
    RegisterModelInput,
    SetTrafficInput,
} from '../orchestrators/contracts';
import type { TargetConfig } from '../retraining/config';
import { checkSmokeTest, smokeTestInput } from '../retraining/smokeTest';
import { withClaim } from './claim';
import { ActivityDeps, azureMlTargetOf, azureMlUpdateOf } from './deps';

/**
 * The claim marker of one rollout step of a run, beside its job.json in the model output
 * container: `{target}/{runId}/azureml/{step}.json`.
 */
async function marker(deps: ActivityDeps, target: TargetConfig, runId: string, step: string): Promise<BlockBlobClient> {
    const models = deps.blobs.getContainerClient(target.modelOutput.container);
    await models.createIfNotExists();
    return models.getBlockBlobClient(`${target.name}/${runId}/azureml/${step}.json`);
}

/** The model name of a target in the workspace registry. */
function modelNameOf(target: TargetConfig): string {
    return azureMlUpdateOf(target).modelName ?? target.name;
}

/** The new deployment's name for a run (derived, so a resumed run names the same one). */
export function deploymentNameOf(target: TargetConfig, runId: string): string {
    return deriveDeploymentName(azureMlUpdateOf(target).deploymentPrefix ?? target.name, runId);
}

/**
 * Registers the job's model as version `deriveModelVersion(runId)` of the target's model, tagged
 * with the run id and the data hash. A PUT of the same version is a no-op, and the claim keeps two
 * copies from racing.
 * @throws AzureMlError (the job has no model output, the registry refused it).
 */
export async function registerModel(
    deps: ActivityDeps,
    input: RegisterModelInput,
): Promise<RegisteredModel | ClaimPending> {
    const { target, client } = azureMlTargetOf(deps, input.target);
    return withClaim<never, RegisteredModel>(
        await marker(deps, target, input.runId, 'model'),
        { now: () => deps.now() },
        async () => {
            const job = await client.getJob(input.job.jobId);
            const modelUri = jobModelUri(job);
            const name = modelNameOf(target);
            const version = deriveModelVersion(input.runId);
            const { id } = await client.createModelVersion({
                name,
                version,
                modelUri,
                jobName: job.name,
                description: `Retrained by Retrainer: target ${target.name}, run ${input.runId}.`,
                tags: { target: target.name, runId: input.runId, dataHash: input.dataHash },
            });
            return { modelId: id, name, version, modelUri };
        },
    );
}

/** What the deployment claim's holder records: the endpoint as it was, then the begun operation. */
interface DeploymentProgress {
    before: Omit<BegunDeployment, 'operation'> & { location: string };
    operation?: OperationRef;
}

/**
 * Begins creating the run's deployment beside the serving one (never waits for it). The endpoint's
 * traffic is read and recorded first (the serving deployment, the map to restore on rollback, and
 * the earlier deployments Retrainer may retire: the serving one, then the champions' deployments
 * newest first, then the other deployments the endpoint's traffic map names). A copy that takes over from a holder that died after its PUT finds the deployment
 * there and polls it by its provisioning state instead of creating it again.
 * @throws AzureMlError (the endpoint does not exist, the service refused the deployment).
 */
export async function beginDeployment(
    deps: ActivityDeps,
    input: BeginDeploymentInput,
): Promise<BegunDeployment | ClaimPending> {
    const { target, update, client } = azureMlTargetOf(deps, input.target);
    const deployment = deploymentNameOf(target, input.runId);
    return withClaim<DeploymentProgress, BegunDeployment>(
        await marker(deps, target, input.runId, 'deployment'),
        { now: () => deps.now() },
        async (claim) => {
            let before = claim.progress?.before;
            if (!before) {
                const endpoint = await client.getEndpoint(update.endpoint);
                const shares = Object.entries(endpoint.traffic).filter(([name]) => name !== deployment);
                const top = shares
                    .filter(([, share]) => share > 0)
                    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
                const serving = top ? top[0] : null;
                // Only the champions that can still have a deployment: each promotion retires beyond keepDeployments.
                const lineage = ((await deps.runs.getChampion(target.name))?.champion.lineage ?? []).slice(
                    -(update.keepDeployments + 1),
                );
                // Newest first: the serving one, the champions' own (newest first), then the rest of the map.
                const others = shares.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => name);
                const earlier = [
                    ...new Set([
                        ...(serving ? [serving] : []),
                        ...[...lineage].reverse().map((runId) => deploymentNameOf(target, runId)),
                        ...others,
                    ]),
                ].filter((name) => name !== deployment);
                before = {
                    deployment,
                    serving,
                    trafficBefore: Object.fromEntries(shares),
                    earlier,
                    location: endpoint.location,
                };
                await claim.record({ before });
            }
            const { location, ...begun } = before;
            let operation = claim.progress?.operation;
            if (!operation) {
                if (claim.takenOver && (await client.findDeployment(update.endpoint, deployment))) {
                    operation = { kind: 'deployment', endpoint: update.endpoint, deployment };
                } else {
                    const handle = await client.beginCreateDeployment({
                        endpoint: update.endpoint,
                        deployment,
                        location,
                        modelId: input.modelId,
                        instanceType: update.deployment.instanceType,
                        instanceCount: update.deployment.instanceCount,
                        tags: { target: target.name, runId: input.runId },
                    });
                    operation = refOf(handle);
                }
                await claim.record({ before, operation });
            }
            return { ...begun, operation };
        },
    );
}

function refOf(handle: OperationHandle): OperationRef {
    return {
        kind: handle.kind,
        endpoint: handle.endpoint,
        ...(handle.deployment ? { deployment: handle.deployment } : {}),
        state: handle.state,
    };
}

/**
 * Polls a begun operation once (never waits): through its `Azure-AsyncOperation` when its state was
 * recorded, else by the resource's provisioning state (a deleted deployment is a finished delete).
 * @throws AzureMlError when the service cannot be read (the orchestrator polls again later).
 */
export async function pollOperation(deps: ActivityDeps, input: PollOperationInput): Promise<OperationProgress> {
    const { client } = azureMlTargetOf(deps, input.target);
    const op = input.operation;
    if (op.state !== undefined) {
        return client.pollOperation({
            kind: op.kind,
            endpoint: op.endpoint,
            ...(op.deployment ? { deployment: op.deployment } : {}),
            state: op.state,
        });
    }
    if (op.kind === 'endpoint') return progressOf((await client.getEndpoint(op.endpoint)).provisioningState);
    const found = await client.findDeployment(op.endpoint, op.deployment ?? '');
    if (op.kind === 'deleteDeployment') return found ? { status: 'InProgress' } : { status: 'Succeeded' };
    if (!found) return { status: 'Failed', error: `deployment '${op.deployment}' does not exist` };
    return progressOf(found.provisioningState);
}

function progressOf(state: string | undefined): OperationProgress {
    if (state === 'Succeeded') return { status: 'Succeeded' };
    if (state === 'Failed' || state === 'Canceled') return { status: 'Failed', error: `provisioning state ${state}` };
    return { status: 'InProgress' };
}

/**
 * Sets the endpoint's traffic: the shares `input.traffic` names, 0 for every other deployment, in
 * one full PUT of the endpoint (read-modify-write; the spec's PATCH cannot change traffic). Claimed
 * per run and step label, so a step acts once; a copy that finds the map already in place (its
 * holder's operation finished) begins nothing. The service refuses a map that breaks its rules.
 * @returns the begun operation, null when the traffic already was so, or a ClaimPending.
 * @throws AzureMlError (409 while another operation on the endpoint runs: the retry policy asks again).
 */
export async function setTraffic(deps: ActivityDeps, input: SetTrafficInput): Promise<OperationStarted | ClaimPending> {
    const { target, update, client } = azureMlTargetOf(deps, input.target);
    return withClaim<{ operation: OperationRef }, OperationStarted>(
        await marker(deps, target, input.runId, `traffic-${input.label}`),
        { now: () => deps.now() },
        async (claim) => {
            if (claim.progress?.operation) return { operation: claim.progress.operation };
            const desired = (current: Record<string, number>): Record<string, number> => {
                const next: Record<string, number> = {};
                for (const name of Object.keys(current)) next[name] = 0;
                return { ...next, ...input.traffic };
            };
            const now = (await client.getEndpoint(update.endpoint)).traffic;
            const wanted = desired(now);
            if (Object.keys(wanted).every((name) => (now[name] ?? 0) === wanted[name])) return { operation: null };
            const operation = refOf(await client.beginSetTraffic(update.endpoint, desired));
            await claim.record({ operation });
            return { operation };
        },
    );
}

/**
 * Begins deleting a deployment of the target's endpoint (its traffic must be 0 already). Claimed
 * per run and deployment; a deployment that is not there needs nothing. The holder records that it
 * is deleting before the call, so a copy that takes over from one that died after it polls that
 * delete instead of sending another (which the service would refuse while the first one runs).
 * @returns the begun operation, null when there was nothing to delete, or a ClaimPending.
 * @throws AzureMlError (the service refused: e.g. the deployment still has traffic).
 */
export async function deleteDeployment(
    deps: ActivityDeps,
    input: DeleteDeploymentInput,
): Promise<OperationStarted | ClaimPending> {
    const { target, update, client } = azureMlTargetOf(deps, input.target);
    return withClaim<{ operation?: OperationRef; deleting?: boolean }, OperationStarted>(
        await marker(deps, target, input.runId, `delete-${input.deployment}`),
        { now: () => deps.now() },
        async (claim) => {
            if (claim.progress?.operation) return { operation: claim.progress.operation };
            const found = await client.findDeployment(update.endpoint, input.deployment);
            // A holder died after sending its DELETE (the deployment is gone or going): poll that delete
            // by the resource's state. One that died before sending it left the deployment as it was.
            if (claim.progress?.deleting && (!found || found.provisioningState === 'Deleting'))
                return {
                    operation: { kind: 'deleteDeployment', endpoint: update.endpoint, deployment: input.deployment },
                };
            if (!found) return { operation: null };
            await claim.record({ deleting: true });
            let handle: OperationHandle;
            try {
                handle = await client.beginDeleteDeployment(update.endpoint, input.deployment);
            } catch (err) {
                // Gone between the read and the delete (another run retired it): nothing left to do.
                if (isAzureMlError(err) && err.statusCode === 404) return { operation: null };
                throw err;
            }
            const operation = refOf(handle);
            await claim.record({ operation });
            return { operation };
        },
    );
}

/**
 * The live checks of a deployment. Golden rows (the target's `smokeTest`): scored straight at the
 * deployment (`via: 'deployment'`, the `azureml-model-deployment` header, whatever its traffic) or
 * through the endpoint by traffic (`via: 'endpoint'`). With a window, the deployment's requests,
 * errors and latency over it from the DeploymentMetricsSource: the error rate must not exceed
 * `liveChecks.maxErrorRate`, the mean latency `liveChecks.maxLatencyInMs` (when set); with fewer
 * than `liveChecks.minRequests` requests those two are not judged (and the reasons say so).
 * Scoring changes nothing, so no claim. A failed score is a failed check; a failed metrics read is
 * thrown (the orchestrator counts a check that cannot run as failed, never as zero traffic).
 */
export async function checkDeployment(deps: ActivityDeps, input: CheckDeploymentInput): Promise<LiveCheck> {
    const { target, update, client } = azureMlTargetOf(deps, input.target);
    const problems: string[] = [];
    const notes: string[] = [];
    const golden = target.smokeTest?.rows ?? [];
    if (golden.length === 0) notes.push('no golden rows configured');
    else {
        const { columnNames } = smokeTestInput(golden);
        const rows = golden.map((r) => columnNames.map((c) => r.input[c] ?? ''));
        const endpoint = await client.getEndpoint(update.endpoint);
        if (!endpoint.scoringUri) throw new Error(`Endpoint '${update.endpoint}' reports no scoring URI.`);
        const key = await client.getEndpointKey(update.endpoint);
        try {
            const scored = await client.score({
                scoringUri: endpoint.scoringUri,
                key,
                columns: columnNames,
                rows,
                ...(input.via === 'deployment' ? { deployment: input.deployment } : {}),
            });
            const outputs = [...new Set(scored.predictions.flatMap((p) => Object.keys(p)))];
            const result = checkSmokeTest(golden, {
                columnNames: outputs,
                rows: scored.predictions.map((p) => outputs.map((c) => cellOf(p[c]))),
            });
            const where =
                input.via === 'deployment' ? `deployment '${input.deployment}'` : `endpoint '${update.endpoint}'`;
            (result.passed ? notes : problems).push(...result.reasons.map((r) => `golden rows at ${where}: ${r}`));
        } catch (err) {
            if (!isAzureMlError(err)) throw err;
            problems.push(`golden rows could not be scored: ${err.message}`);
        }
    }
    let metrics: LiveCheck['metrics'];
    if (input.window) {
        const limits = update.rollout.liveChecks;
        const read = await deps
            .deploymentMetrics(target)
            .read({ endpoint: update.endpoint, deployment: input.deployment, ...input.window });
        metrics = {
            requests: read.requests,
            errors: read.errors,
            ...(read.latencyAvgInMs !== undefined ? { latencyAvgInMs: read.latencyAvgInMs } : {}),
            ...(read.latencyMaxInMs !== undefined ? { latencyMaxInMs: read.latencyMaxInMs } : {}),
        };
        if (read.requests === 0 || read.requests < limits.minRequests) {
            notes.push(
                `${read.requests} request(s) in the bake (fewer than ${Math.max(1, limits.minRequests)}): error rate and latency not judged`,
            );
        } else {
            const rate = read.errors / read.requests;
            const line = `error rate ${fmt(rate)} (${read.errors}/${read.requests}), at most ${fmt(limits.maxErrorRate)}`;
            (rate > limits.maxErrorRate ? problems : notes).push(line);
            if (limits.maxLatencyInMs !== undefined && read.latencyAvgInMs !== undefined) {
                const latency = `mean latency ${Math.round(read.latencyAvgInMs)} ms, at most ${limits.maxLatencyInMs} ms`;
                (read.latencyAvgInMs > limits.maxLatencyInMs ? problems : notes).push(latency);
            }
        }
    }
    return {
        passed: problems.length === 0,
        reasons: problems.length === 0 ? notes : problems,
        ...(metrics ? { metrics } : {}),
    };
}

function cellOf(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return JSON.stringify(value) ?? '';
}

function fmt(n: number): string {
    return Number.isInteger(n) ? String(n) : n.toFixed(4);
}
