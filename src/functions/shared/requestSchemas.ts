import { z } from 'zod';

/**
 * The shapes of the HTTP API's request bodies and queries, each node carrying the message a 400
 * answers with, so the message names the field in the API's own words.
 */

/** The outcome of `parseRequest`: the parsed value, or the one-line reason for a 400. */
export type ParsedRequest<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Parses `input` with `schema`. On failure the error is the first problem's message, an unknown
 * field's before the others (a misspelt field explains what looks missing). Never throws.
 */
export function parseRequest<T>(schema: z.ZodType<T>, input: unknown): ParsedRequest<T> {
    const result = schema.safeParse(input);
    if (result.success) return { ok: true, value: result.data };
    const issues = result.error.issues;
    const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
    return { ok: false, error: first?.message ?? 'The request is not valid.' };
}

/**
 * Reads a JSON request body (an empty body is `{}`) and parses it with `schema`: the value, or the
 * one-line reason for a 400 (`The body is not valid JSON.` or the schema's message). Never throws.
 */
export async function parseJsonBody<T>(
    request: { text(): Promise<string> },
    schema: z.ZodType<T>,
): Promise<ParsedRequest<T>> {
    let raw: unknown;
    try {
        const text = await request.text();
        raw = text.trim() ? (JSON.parse(text) as unknown) : {};
    } catch {
        return { ok: false, error: 'The body is not valid JSON.' };
    }
    return parseRequest(schema, raw);
}

const BLOB_NAMES = "'blobNames' must be an array of blob names";
const GLOBAL_PARAMETERS = "'globalParameters' must be an object of string values";

/**
 * POST /api/retrain/{target} body (an empty body is `{}`): the blobs to train on instead of the
 * data pattern, BES global parameters for the job, and `force` to re-judge data an earlier run
 * already judged instead of Skipping it. No other field is accepted.
 */
export const retrainBodySchema = z.strictObject(
    {
        blobNames: z
            .array(z.string({ error: BLOB_NAMES }).min(1, { error: BLOB_NAMES }), { error: BLOB_NAMES })
            .optional(),
        globalParameters: z
            .record(z.string(), z.string({ error: GLOBAL_PARAMETERS }), { error: GLOBAL_PARAMETERS })
            .optional(),
        force: z.boolean({ error: "'force' must be true or false" }).optional(),
    },
    {
        error: (iss) =>
            iss.code === 'unrecognized_keys'
                ? `unknown field(s): ${iss.keys.join(', ')}`
                : 'the body must be a JSON object',
    },
);

export type RetrainBody = z.infer<typeof retrainBodySchema>;

/** GET /api/runs query: `target` (optional) and `limit`, an integer from 1 to 500, 50 when absent. */
export const runsQuerySchema = z.object({
    target: z.string().optional(),
    limit: z.coerce
        .number({ error: "'limit' must be an integer from 1 to 500." })
        .int({ error: "'limit' must be an integer from 1 to 500." })
        .min(1, { error: "'limit' must be an integer from 1 to 500." })
        .max(500, { error: "'limit' must be an integer from 1 to 500." })
        .default(50),
});

/** Scoring is for spot checks from the CLI; bulk scoring belongs to the model's own BES. */
export const MAX_SCORE_ROWS = 1000;

const COLUMN_NAMES = "'columnNames' must be a non-empty array of strings.";
const ROWS = "'rows' must be a non-empty array of rows.";

/**
 * POST /api/score/{target} body, first pass: `columnNames` and 1 to `MAX_SCORE_ROWS` rows. Each
 * row's shape depends on the column count, so `scoreRowsSchema(count)` checks the rows after this.
 */
export const scoreBodySchema = z.object(
    {
        columnNames: z
            .array(z.string({ error: COLUMN_NAMES }), { error: COLUMN_NAMES })
            .min(1, { error: COLUMN_NAMES }),
        rows: z
            .array(z.unknown(), { error: ROWS })
            .min(1, { error: ROWS })
            .max(MAX_SCORE_ROWS, {
                error: (iss) =>
                    `At most ${MAX_SCORE_ROWS} rows can be scored per call, not ${Array.isArray(iss.input) ? iss.input.length : 'more'}.`,
            }),
    },
    { error: 'The body must be a JSON object.' },
);

/**
 * The rows of a scoring call with `columnCount` columns: each an array of that many strings or
 * finite numbers, numbers sent on as their decimal strings (what the scoring service takes).
 */
export function scoreRowsSchema(columnCount: number): z.ZodType<string[][]> {
    const cell = z.union([z.string(), z.number().transform(String)], {
        error: (iss) => `Row ${String(iss.path?.[0])} holds a value that is neither a string nor a finite number.`,
    });
    const row = z
        .array(cell, { error: (iss) => `Row ${String(iss.path?.[0])} must be an array of ${columnCount} values.` })
        .length(columnCount);
    return z.array(row);
}

const BY = "'by' must name who decides (1 to 200 characters)";
const WHY = "'why' must say why (1 to 2000 characters)";

/**
 * POST /api/runs/{runId}/approve and /reject body: who decides and why, both required. Where App
 * Service Authentication names the caller, the run record keeps that name instead of `by`.
 */
export const decisionBodySchema = z.strictObject(
    {
        by: z.string({ error: BY }).trim().min(1, { error: BY }).max(200, { error: BY }),
        why: z.string({ error: WHY }).trim().min(1, { error: WHY }).max(2000, { error: WHY }),
    },
    {
        error: (iss) =>
            iss.code === 'unrecognized_keys'
                ? `unknown field(s): ${iss.keys.join(', ')}`
                : 'the body must be a JSON object with by and why',
    },
);

export type DecisionBody = z.infer<typeof decisionBodySchema>;

const FILE = "'file' must name a data file (its blob name, or its name under the target's prefix)";

/**
 * POST /api/data/{target}/exclude and /include body: the file, who asks (recorded; App Service
 * Authentication's caller name replaces it where present) and, optionally, why.
 */
export const dataChangeBodySchema = z.strictObject(
    {
        file: z.string({ error: FILE }).trim().min(1, { error: FILE }).max(1024, { error: FILE }),
        by: z.string({ error: BY }).trim().min(1, { error: BY }).max(200, { error: BY }),
        why: z.string({ error: WHY }).trim().min(1, { error: WHY }).max(2000, { error: WHY }).optional(),
    },
    {
        error: (iss) =>
            iss.code === 'unrecognized_keys'
                ? `unknown field(s): ${iss.keys.join(', ')}`
                : 'the body must be a JSON object with file and by',
    },
);

const CANCEL_BY = "'by' must name who cancels (1 to 200 characters)";
const CANCEL_WHY = "'why' must be 1 to 2000 characters";

/**
 * POST /api/retrain/{target}/cancel body (an empty body is `{}`): who cancels and why, both
 * optional. Where App Service Authentication names the caller, the record keeps that name instead.
 */
export const cancelBodySchema = z.strictObject(
    {
        by: z
            .string({ error: CANCEL_BY })
            .trim()
            .min(1, { error: CANCEL_BY })
            .max(200, { error: CANCEL_BY })
            .optional(),
        why: z
            .string({ error: CANCEL_WHY })
            .trim()
            .min(1, { error: CANCEL_WHY })
            .max(2000, { error: CANCEL_WHY })
            .optional(),
    },
    {
        error: (iss) =>
            iss.code === 'unrecognized_keys'
                ? `unknown field(s): ${iss.keys.join(', ')}`
                : 'the body must be a JSON object (optional by and why)',
    },
);

export type CancelBody = z.infer<typeof cancelBodySchema>;
