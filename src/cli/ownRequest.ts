import { RetrainerApiError, RetrainerClient } from './retrainerClient';

/**
 * Runs `work`, a command's requests, and reports an unknown target (404) or a refused key (401) as
 * the answer to `request`, the command's own request (e.g. `POST /retrain/churn`), whichever of
 * its requests met it first: `retrainer retrain nosuch` first lists the runs it must not wait
 * for, and "GET /runs answered 404" named a request the user never asked for. An unknown target's
 * message lists the app's targets when the app will say them. Other errors pass through as thrown.
 * @param target - the target the command names; undefined when it names none
 * @throws RetrainerApiError, restated as above; anything else `work` throws
 */
export async function asOwnRequest<T>(
    client: RetrainerClient,
    request: string,
    target: string | undefined,
    work: () => Promise<T>,
): Promise<T> {
    try {
        return await work();
    } catch (err) {
        if (!(err instanceof RetrainerApiError)) throw err;
        if (err.statusCode === 401) throw err.restated(request);
        // The routes answer `Unknown target 'x'.` (targetsHttp, runsHttp, retrainHttpStart, ...).
        if (err.statusCode === 404 && target !== undefined && err.detail === `Unknown target '${target}'`)
            throw err.restated(request, await knownTargets(client));
        throw err;
    }
}

/** ` The app's targets: a, b.`, or '' when the app does not say (the list is a courtesy). */
async function knownTargets(client: RetrainerClient): Promise<string> {
    try {
        const names = (await client.listTargets({ timeoutInMs: 10_000 })).map((t) => t.name);
        return names.length > 0 ? ` The app's targets: ${names.join(', ')}.` : ' The app has no targets configured.';
    } catch {
        return '';
    }
}
