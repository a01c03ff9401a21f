import { app, HttpRequest, HttpResponseInit } from '@azure/functions';

import { runtimeDeps } from '../activities/runtime';
import { MlServiceError } from '../clients';

/** Scoring is for spot checks from the CLI; bulk scoring belongs to the model's own BES. */
export const MAX_SCORE_ROWS = 1000;
const MAX_BODY_BYTES = 1024 * 1024;

interface ScoreBody {
    columnNames: string[];
    rows: string[][];
}

function parseBody(text: string): ScoreBody | string {
    let raw: unknown;
    try {
        raw = JSON.parse(text) as unknown;
    } catch {
        return 'The body is not valid JSON.';
    }
    const b = raw as { columnNames?: unknown; rows?: unknown } | null;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return 'The body must be a JSON object.';
    const { columnNames, rows } = b;
    if (!Array.isArray(columnNames) || columnNames.length === 0 || !columnNames.every((c) => typeof c === 'string'))
        return "'columnNames' must be a non-empty array of strings.";
    if (!Array.isArray(rows) || rows.length === 0) return "'rows' must be a non-empty array of rows.";
    if (rows.length > MAX_SCORE_ROWS)
        return `At most ${MAX_SCORE_ROWS} rows can be scored per call, not ${rows.length}.`;
    for (const [i, row] of rows.entries()) {
        if (!Array.isArray(row) || row.length !== columnNames.length)
            return `Row ${i} must be an array of ${columnNames.length} values.`;
        if (!row.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))))
            return `Row ${i} holds a value that is neither a string nor a finite number.`;
    }
    return { columnNames: columnNames, rows: (rows as unknown[][]).map((r) => r.map(String)) };
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
    const body = parseBody(text);
    if (typeof body === 'string') return { status: 400, jsonBody: { error: body } };
    const champion = (await deps.runs.getChampion(target.name))?.champion;
    try {
        const scored = await deps.scoring(target).score(body.columnNames, body.rows);
        return {
            status: 200,
            jsonBody: {
                target: target.name,
                champion: champion ? { runId: champion.runId, model: champion.model.relativeLocation } : null,
                columnNames: scored.columnNames,
                rows: scored.rows,
            },
        };
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
