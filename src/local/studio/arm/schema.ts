import Ajv, { ValidateFunction } from 'ajv';

import spec from './webservices-2017-01-01.json';

type Schema = { properties?: Record<string, Schema>; allOf?: { $ref?: string }[]; $ref?: string; readOnly?: boolean };
const definitions = spec.definitions as unknown as Record<string, Schema>;

let validators: { webService: ValidateFunction; graph: ValidateFunction; operation: ValidateFunction } | undefined;

function compile(): NonNullable<typeof validators> {
    // Swagger 2.0 schemas are JSON Schema plus x-ms-* and discriminator keywords, which ajv may ignore.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'arm-webservices', definitions: spec.definitions });
    const get = (name: string): ValidateFunction => ajv.getSchema(`arm-webservices#/definitions/${name}`)!;
    return {
        webService: get('WebService'),
        graph: get('WebServicePropertiesForGraph'),
        operation: get('AsyncOperationStatus'),
    };
}

function errorsOf(v: ValidateFunction, at: string): string[] {
    return (v.errors ?? []).map((e) => `${at}${e.instancePath || ''} ${e.message ?? 'is invalid'}`.trim());
}

/** Property paths the spec marks readOnly (set by the service; a request that sends them is sloppy but ARM ignores them). */
function readOnlyPaths(name: string, seen = new Set<string>()): string[] {
    if (seen.has(name)) return [];
    seen.add(name);
    const def = definitions[name];
    if (!def) return [];
    const out: string[] = [];
    for (const part of def.allOf ?? []) if (part.$ref) out.push(...readOnlyPaths(part.$ref.split('/').pop()!, seen));
    for (const [prop, schema] of Object.entries(def.properties ?? {})) {
        if (schema.readOnly) out.push(prop);
        else if (schema.$ref)
            out.push(...readOnlyPaths(schema.$ref.split('/').pop()!, seen).map((p) => `${prop}.${p}`));
    }
    return out;
}

function has(body: unknown, dotted: string): boolean {
    let cur: unknown = body;
    for (const part of dotted.split('.')) {
        if (typeof cur !== 'object' || cur === null || !(part in cur)) return false;
        cur = (cur as Record<string, unknown>)[part];
    }
    return cur !== undefined;
}

/**
 * Checks a WebService body against `Microsoft.MachineLearning/webServices` 2017-01-01, applying
 * the `packageType` discriminator (`Graph` → WebServicePropertiesForGraph) that ajv does not.
 * 'response': keys and the storage key must not be returned. Returns the problems, [] if valid.
 */
export function validateArmWebService(body: unknown, kind: 'request' | 'response'): string[] {
    const problems = schemaProblems(body);
    const properties = (body as { properties?: unknown } | undefined)?.properties;
    if (kind === 'response') {
        if (has(body, 'properties.keys')) problems.push('/properties/keys must not be returned');
        if (has(body, 'properties.storageAccount.key'))
            problems.push('/properties/storageAccount/key must not be returned');
    } else {
        // ARM ignores readOnly values in a request, but a client that round-trips a GET should not
        // send back what the service owns.
        for (const p of readOnlyPaths('WebService').filter((p) => has(body, p)))
            problems.push(`/${p.replace(/\./g, '/')} is read-only`);
        for (const p of readOnlyPaths('WebServicePropertiesForGraph').filter((p) => has(properties, p))) {
            problems.push(`/properties/${p.replace(/\./g, '/')} is read-only`);
        }
    }
    return [...new Set(problems)];
}

/** Schema and discriminator checks only: what the emulator enforces on PUT, as ARM does. */
export function schemaProblems(body: unknown): string[] {
    validators ??= compile();
    const problems: string[] = [];
    if (!validators.webService(body)) problems.push(...errorsOf(validators.webService, ''));
    const properties = (body as { properties?: { packageType?: unknown } } | undefined)?.properties;
    if (properties?.packageType === 'Graph' && !validators.graph(properties)) {
        problems.push(...errorsOf(validators.graph, '/properties'));
    } else if (properties && properties.packageType !== undefined && properties.packageType !== 'Graph') {
        problems.push(`/properties/packageType must be 'Graph' (the only package type of this API version)`);
    }
    return problems;
}

export function validateArmOperationStatus(body: unknown): string[] {
    validators ??= compile();
    return validators.operation(body) ? [] : errorsOf(validators.operation, '');
}
