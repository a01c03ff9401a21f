import { app, HttpRequest, HttpResponseInit } from '@azure/functions';

import type { ActivityDeps } from '../activities/deps';
import { runtimeDeps } from '../activities/runtime';
import { MlServiceError } from '../clients';
import { isAzureMlError } from '../clients/azureml';
import type { TargetConfig } from '../retraining/config';
import type { Champion } from '../retraining/runStore';
import { ParsedRequest, parseRequest, scoreBodySchema, scoreRowsSchema } from './shared/requestSchemas';

const MAX_BODY_BYTES = 1024 * 1024;

/** Parses a scoring body: the envelope first, then the rows against its column count. */
function parseBody(text: string): ParsedRequest<{ columnNames: string[]; rows: string[][] }> {
    let raw: unknown;
    try {
        raw = JSON.parse(text) as unknown;
    } catch {
        return { ok: false, error: 'The body is not valid JSON.' };
    }
    const envelope = parseRequest(scoreBodySchema, raw);
    if (!envelope.ok) return envelope;
    const { columnNames } = envelope.value;
    const rows = parseRequest(scoreRowsSchema(columnNames.length), envelope.value.rows);
    return rows.ok ? { ok: true, value: { columnNames, rows: rows.value } } : rows;
}

/**
 * POST /api/score/{target} with `{ columnNames, rows }`: scores rows with the model the target's
 * endpoint serves now, so a user can see what the champion answers without holding the
 * endpoint's key (the app holds it, in its settings).
 */
export async function scoreHttp(request: HttpRequest): Promise<HttpResponseInit> {
    const deps = runtimeDeps();
    const name = request.params.target ?? '';
    const target = deps.config.targets.find((t) => t.name === name);
    if (!target) return { status: 404, jsonBody: { error: `Unknown target '${name}'.` } };
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > MAX_BODY_BYTES)
        return { status: 413, jsonBody: { error: `The body is larger than ${MAX_BODY_BYTES} bytes.` } };
    const text = await request.text();
    if (Buffer.byteLength(text) > MAX_BODY_BYTES)
        return { status: 413, jsonBody: { error: `The body is larger than ${MAX_BODY_BYTES} bytes.` } };
    const parsed = parseBody(text);
    if (!parsed.ok) return { status: 400, jsonBody: { error: parsed.error } };
    const body = parsed.value;
    const champion = (await deps.runs.getChampion(target.name))?.champion;
    if (target.update.kind === 'azureml') return scoreAzureMl(deps, target, target.update.endpoint, body, champion);
    try {
        return scoredAnswer(target, champion, await deps.scoring(target).score(body.columnNames, body.rows));
    } catch (err) {
        if (!(err instanceof MlServiceError)) throw err;
        // A 400 from the scoring service means the rows do not fit the model; anything else is upstream's.
        return {
            status: err.statusCode === 400 ? 400 : 502,
            jsonBody: { error: `Scoring failed: ${err.message}`, code: err.code, requestId: err.requestId ?? null },
        };
    }
}

app.http('scoreHttp', { methods: ['POST'], authLevel: 'function', route: 'score/{target}', handler: scoreHttp });

/** A table of string cells under its column names: the rows sent, or the rows scored. */
interface ScoredRows {
    columnNames: string[];
    rows: string[][];
}

/**
 * The 200 answer of POST /api/score/{target}, the same for every kind of target: `{ target,
 * champion: { runId, model } | null, columnNames, rows }`, plus `deployment` (the one that answered)
 * for an Azure ML v2 target.
 */
function scoredAnswer(
    target: TargetConfig,
    champion: Champion | undefined,
    table: ScoredRows,
    deployment?: string | null,
): HttpResponseInit {
    return {
        status: 200,
        jsonBody: {
            target: target.name,
            champion: champion ? { runId: champion.runId, model: champion.model.relativeLocation } : null,
            ...(deployment === undefined ? {} : { deployment }),
            columnNames: table.columnNames,
            rows: table.rows,
        },
    };
}

/**
 * An Azure ML v2 target scores at its online endpoint, by traffic (what callers of the endpoint
 * get now). The endpoint answers only its predictions, one object per row; the answer takes the
 * shape of a classic RRS output (see {@link withInputs}) so `retrainer score` shows either kind alike.
 */
async function scoreAzureMl(
    deps: ActivityDeps,
    target: TargetConfig,
    endpoint: string,
    body: { columnNames: string[]; rows: string[][] },
    champion: Champion | undefined,
): Promise<HttpResponseInit> {
    const client = deps.azureml(target);
    try {
        const e = await client.getEndpoint(endpoint);
        if (!e.scoringUri)
            return { status: 502, jsonBody: { error: `Endpoint '${endpoint}' reports no scoring URI.` } };
        const scored = await client.score({
            scoringUri: e.scoringUri,
            key: await client.getEndpointKey(endpoint),
            columns: body.columnNames,
            rows: body.rows,
        });
        if (scored.predictions.length !== body.rows.length)
            return {
                status: 502,
                jsonBody: {
                    error: `Endpoint '${endpoint}' answered ${scored.predictions.length} prediction(s) for ${body.rows.length} row(s).`,
                },
            };
        return scoredAnswer(target, champion, withInputs(body, scored.predictions), scored.deployment ?? null);
    } catch (err) {
        if (!isAzureMlError(err)) throw err;
        return {
            status: err.statusCode === 400 ? 400 : 502,
            jsonBody: { error: `Scoring failed: ${err.message}`, code: err.code ?? null },
        };
    }
}

/**
 * The rows sent, each followed by its prediction: what a Studio (classic) predictive experiment's
 * RRS output holds (the input columns as given, then `Scored Labels`, ...). The predictions'
 * columns are the union of their keys in first-seen order, less any that repeat an input column
 * (a scoring script may echo its inputs; the sent value is shown once). `predictions[i]` is taken
 * to answer `sent.rows[i]`, as `AzureMlClient.score` reads the endpoint's list (the caller checks
 * that the counts match).
 */
function withInputs(sent: ScoredRows, predictions: Record<string, unknown>[]): ScoredRows {
    const inputs = new Set(sent.columnNames);
    const scored = [...new Set(predictions.flatMap((p) => Object.keys(p)))].filter((c) => !inputs.has(c));
    return {
        columnNames: [...sent.columnNames, ...scored],
        rows: sent.rows.map((row, i) => [...row, ...scored.map((c) => cellText(predictions[i][c]))]),
    };
}

function cellText(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return value === undefined || value === null ? '' : JSON.stringify(value);
}
