import fc from 'fast-check';

/**
 * The one answer POST /api/retrain/{target} owes a request body, worked out from the API's
 * contract (the docstrings of src/functions/retrainHttpStart.ts and
 * src/functions/shared/requestSchemas.ts), not from its code: for a target with no live run and
 * nothing in its data container, so that neither a conflict (409) nor an existing blob can change it.
 *
 * - `{ status: 400, error }`: refused before anything is read, with exactly this message;
 * - `{ status: 400, blobs }`: well formed, but it names blobs (these, once each) that cannot be
 *   trained, since none exists;
 * - `{ status: 202 }`: a run starts.
 */
export type RetrainAnswer = { status: 202 } | { status: 400; error: string } | { status: 400; blobs: string[] };

const FIELDS = ['blobNames', 'globalParameters', 'force'];

/** True for a JSON object (not null, not an array). */
function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** See {@link RetrainAnswer}. */
export function retrainAnswerFor(body: Uint8Array): RetrainAnswer {
    // As the worker's HttpRequest.text() (fetch's Request) reads it: UTF-8, a leading BOM dropped,
    // whatever charset the Content-Type names.
    const text = new TextDecoder().decode(body);
    let value: unknown = {};
    if (text.trim()) {
        try {
            value = JSON.parse(text);
        } catch {
            return { status: 400, error: 'The body is not valid JSON.' };
        }
    }
    if (!isObject(value)) return { status: 400, error: 'the body must be a JSON object' };
    // An unknown field is named before a wrong known one: a misspelt field explains what looks missing.
    const unknown = Object.keys(value).filter((k) => !FIELDS.includes(k));
    if (unknown.length > 0) return { status: 400, error: `unknown field(s): ${unknown.join(', ')}` };
    const { blobNames, globalParameters, force } = value;
    // The fields are judged in their documented order; the first wrong one is named.
    if (
        blobNames !== undefined &&
        !(Array.isArray(blobNames) && blobNames.every((n) => typeof n === 'string' && n.length > 0))
    )
        return { status: 400, error: "'blobNames' must be an array of blob names" };
    if (
        globalParameters !== undefined &&
        !(isObject(globalParameters) && Object.values(globalParameters).every((v) => typeof v === 'string'))
    )
        return { status: 400, error: "'globalParameters' must be an object of string values" };
    if (force !== undefined && typeof force !== 'boolean')
        return { status: 400, error: "'force' must be true or false" };
    if (Array.isArray(blobNames) && blobNames.length > 0) return { status: 400, blobs: [...new Set(blobNames)] };
    return { status: 202 };
}

/**
 * Hostile and odd retrain bodies: arbitrary bytes, arbitrary JSON, JSON sent as UTF-16, bodies made
 * of the API's own fields with good and bad values, and a few fixed ones (a path escape, a BOM).
 */
export const retrainBodies: fc.Arbitrary<Buffer> = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc.string({ maxLength: 200 }).map((s) => Buffer.from(JSON.stringify({ blobNames: [s] }), 'utf16le')),
    fc
        .record(
            {
                blobNames: fc.oneof(fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }), fc.jsonValue()),
                globalParameters: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
                force: fc.oneof(fc.boolean(), fc.jsonValue()),
            },
            { requiredKeys: [] },
        )
        .map((v) => Buffer.from(JSON.stringify(v))),
    fc.constantFrom(
        Buffer.from('{"blobNames":["../../etc/passwd"]}'),
        Buffer.from('{"globalParameters":{"a":1}}'),
        Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
        Buffer.from(' \r\n\t '),
        Buffer.from('{"force":true,"globalParameters":{"a":"1"}}'),
    ),
);

/**
 * The 400 message POST /api/score/{target} answers a body that is not a scoring envelope (see
 * scoreBodySchema: `columnNames`, then `rows`), or undefined for a body that is one (its answer
 * then depends on the rows and the service). Unlike a retrain, an empty body is not `{}`.
 */
export function scoreRefusalFor(body: Uint8Array): string | undefined {
    let value: unknown;
    try {
        value = JSON.parse(new TextDecoder().decode(body));
    } catch {
        return 'The body is not valid JSON.';
    }
    if (!isObject(value)) return 'The body must be a JSON object.';
    const { columnNames, rows } = value;
    if (!(Array.isArray(columnNames) && columnNames.length > 0 && columnNames.every((c) => typeof c === 'string')))
        return "'columnNames' must be a non-empty array of strings.";
    if (!(Array.isArray(rows) && rows.length > 0)) return "'rows' must be a non-empty array of rows.";
    return undefined;
}
