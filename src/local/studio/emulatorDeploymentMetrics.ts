import type { TokenCredential } from '@azure/core-auth';
import { z } from 'zod';

import { appSettingName } from '../../clients/armCredentials';
import {
    AzureMlError,
    AzureMlWorkspaceRef,
    checkMetricsWindow,
    DeploymentMetrics,
    DeploymentMetricsSource,
    DeploymentMetricsWindow,
    registerDeploymentMetricsProvider,
} from '../../clients/azureml';
import type { WindowedCounters } from './v2';

/** The scope asked for; the emulator has one audience and ignores it. */
const ARM_SCOPE = 'https://management.azure.com/.default';

/**
 * A deployment's live metrics from the studio emulator's per-deployment counters:
 * `GET {studioUrl}/_studio/azureml/{s}/{g}/{ws}/onlineEndpoints/{e}/deployments/{d}/metrics?from=&to=`
 * with a bearer token of the target's credential, as Azure Monitor is read with the identity of
 * the ARM calls (docs/studio-emulator.md, "Per-deployment counters"). Requests and errors
 * (5xx) are counted over the window; latency is the mean and largest of the calls answered in it.
 * It stands in for Azure Monitor offline and is never shipped (src/local).
 *
 * Errors: an AzureMlError for an HTTP failure or a window the emulator no longer holds in full
 * (its ring of calls overflowed), so a check never reads a partial count as the truth.
 */
export class EmulatorDeploymentMetrics implements DeploymentMetricsSource {
    private readonly base: string;

    readonly #auth: TokenCredential | { adminKey: string };

    /**
     * @param auth the target's credential (a bearer token, as Azure Monitor is read), or the
     *   studio's admin key (`x-studio-admin-key`).
     */
    constructor(studioUrl: string, workspace: AzureMlWorkspaceRef, auth: TokenCredential | { adminKey: string }) {
        this.#auth = auth;
        const seg = encodeURIComponent;
        this.base =
            `${studioUrl.replace(/\/+$/, '')}/_studio/azureml/${seg(workspace.subscriptionId)}` +
            `/${seg(workspace.resourceGroup)}/${seg(workspace.workspace)}/onlineEndpoints/`;
    }

    private async headers(abortSignal: AbortSignal | undefined): Promise<Record<string, string>> {
        const auth = this.#auth;
        if ('adminKey' in auth) return { 'x-studio-admin-key': auth.adminKey };
        const token = await auth.getToken(ARM_SCOPE, { abortSignal });
        if (!token) throw new Error('the credential returned no token');
        return { authorization: `Bearer ${token.token}` };
    }

    async read(
        window: DeploymentMetricsWindow,
        options: { abortSignal?: AbortSignal } = {},
    ): Promise<DeploymentMetrics> {
        checkMetricsWindow(window);
        const url =
            `${this.base}${encodeURIComponent(window.endpoint)}/deployments/${encodeURIComponent(window.deployment)}` +
            `/metrics?from=${Math.floor(window.fromMs)}&to=${Math.ceil(window.toMs)}`;
        let res: Response;
        try {
            res = await fetch(url, { headers: await this.headers(options.abortSignal), signal: options.abortSignal });
        } catch (err) {
            const aborted = (err as { name?: string }).name === 'AbortError';
            throw new AzureMlError(
                `emulator metrics read ${aborted ? 'was aborted' : `failed: ${(err as Error).message}`}`,
                undefined,
                undefined,
                !aborted,
            );
        }
        const text = await res.text();
        if (res.status !== 200) {
            let code: string | undefined;
            let message = text.slice(0, 300);
            try {
                const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
                code = body.error?.code;
                message = body.error?.message ?? message;
            } catch {
                // Not JSON: the text itself is the message.
            }
            throw new AzureMlError(
                `emulator metrics read failed (HTTP ${res.status}${code ? ` ${code}` : ''}): ${message}`,
                res.status,
                code,
                res.status === 429 || res.status >= 500,
            );
        }
        const c = JSON.parse(text) as WindowedCounters;
        if (c.truncated) {
            throw new AzureMlError(
                `the emulator no longer holds every call of ${window.endpoint}/${window.deployment} since ${new Date(window.fromMs).toISOString()} (its ring overflowed)`,
                undefined,
                'WindowTruncated',
                false,
            );
        }
        const out: DeploymentMetrics = { requests: c.requests, errors: c.errors };
        if (c.requests > 0) {
            out.latencyAvgInMs = c.latencySumInMs / c.requests;
            out.latencyMaxInMs = c.latencyMaxInMs;
        }
        return out;
    }
}

/**
 * The live-metrics kind `{"kind": "emulator", "studioUrl": "http://127.0.0.1:7090"}`, read with the
 * target's `credential` (the `emulator` ARM credential kind), or with the studio's admin key when
 * `"adminKeySetting"` names the app setting that holds it. It lives in the offline
 * stack, so the deployed app neither ships nor accepts it: only a process that called
 * {@link registerEmulatorDeploymentMetrics} knows the kind.
 */
export const emulatorDeploymentMetricsProvider = {
    kind: 'emulator',
    schema: z.strictObject({
        kind: z.literal('emulator'),
        studioUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
        adminKeySetting: appSettingName.optional(),
    }),
    create: (
        spec: { kind: 'emulator'; studioUrl: string; adminKeySetting?: string },
        context: { workspace: AzureMlWorkspaceRef; credential: TokenCredential; setting: (name: string) => string },
    ): DeploymentMetricsSource =>
        new EmulatorDeploymentMetrics(
            spec.studioUrl,
            context.workspace,
            spec.adminKeySetting ? { adminKey: context.setting(spec.adminKeySetting) } : context.credential,
        ),
};

/**
 * Registers the `emulator` live-metrics kind with the product's registry. `registerEmulatorCredential()`
 * calls it (the dev host, the CLI commands and tests call that before they read a config), since
 * the kind reads with the `emulator` credential.
 */
export function registerEmulatorDeploymentMetrics(): void {
    registerDeploymentMetricsProvider(emulatorDeploymentMetricsProvider);
}
