import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import Ajv, { ValidateFunction } from 'ajv';

/**
 * Validation of Azure ML v2 request and response bodies against the official REST spec,
 * api-version 2022-10-01 (`spec/`, copied byte for byte from Azure/azure-rest-api-specs, see
 * `spec/SOURCES.md`).
 *
 * Swagger 2.0 schemas are not JSON Schema: `allOf` means inheritance (so a definition's
 * `additionalProperties: false` covers the properties it inherits), and a `$ref` to a base type
 * with a `discriminator` stands for whichever subtype the discriminator value names
 * (`x-ms-discriminator-value`, e.g. `jobType: "Command"` -> CommandJob, `endpointComputeType:
 * "Managed"` -> ManagedOnlineDeployment). Handing the spec to a JSON-schema validator as is would
 * check a CommandJob only against JobBase's properties and reject inherited ones. So the spec is
 * first translated: every definition is flattened with its ancestors' properties and `required`,
 * every reference to a discriminated base becomes a dispatch on the discriminator value to the
 * flattened subtype (an unknown value is an error), and `x-nullable` becomes a `null` type. Ajv
 * then validates against the translation.
 */

type Sw = Record<string, unknown>;

const SPEC_VERSION_DIR =
    'specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2022-10-01';
const MAIN_FILE = `${SPEC_VERSION_DIR}/mfe.json`;
const FILES = [
    MAIN_FILE,
    `${SPEC_VERSION_DIR}/machineLearningServices.json`,
    'specification/common-types/resource-management/v3/types.json',
    'specification/common-types/resource-management/v3/managedidentity.json',
];
const ROOT_ID = 'azureml-v2-2022-10-01';

/** Finds `src/local/studio/v2/spec` from the compiled (dist) or source location of this file. */
function specRoot(): string {
    let dir = __dirname;
    for (let i = 0; i < 8; i++) {
        const candidate = path.join(dir, 'src', 'local', 'studio', 'v2', 'spec');
        if (existsSync(path.join(candidate, 'SOURCES.md'))) return candidate;
        dir = path.dirname(dir);
    }
    throw new Error('The Azure ML v2 spec folder (src/local/studio/v2/spec) was not found above ' + __dirname);
}

/** One REST operation of the spec: its path template and the schemas of its bodies. */
export interface SpecOperation {
    operationId: string;
    method: string;
    /** Path segments; `{name}` captures. */
    segments: string[];
    /** Definition id of the body parameter's schema, when the operation takes a body. */
    requestSchema?: string;
    /** Status code (or `default`) -> definition id of the response schema (undefined: no body). */
    responses: Record<string, string | undefined>;
    longRunning: boolean;
    /** Path parameter -> the pattern the spec gives it (names of jobs, models, endpoints, deployments). */
    pathPatterns: Record<string, string>;
}

interface DefInfo {
    file: string;
    name: string;
    schema: Sw;
}

const keyOf = (file: string, name: string): string => `${file}#${name}`;
const idOf = (file: string, name: string): string => `${path.posix.basename(file, '.json')}.${name}`;

/** The translated spec and its compiled validators. */
export class AzureMlSpec {
    private static cached: AzureMlSpec | undefined;
    private readonly defs = new Map<string, DefInfo>();
    private readonly parents = new Map<string, string[]>();
    private readonly subtypes = new Map<string, { key: string; value: string }[]>();
    private readonly discriminatorOf = new Map<string, string>();
    private readonly translated: Record<string, Sw> = {};
    private readonly validators = new Map<string, ValidateFunction>();
    private readonly ajv: Ajv;
    readonly operations: SpecOperation[] = [];

    private constructor(root: string) {
        const docs = new Map<string, Sw>();
        for (const file of FILES) docs.set(file, JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Sw);
        for (const [file, doc] of docs) {
            for (const [name, schema] of Object.entries((doc.definitions ?? {}) as Record<string, Sw>)) {
                this.defs.set(keyOf(file, name), { file, name, schema });
            }
        }
        for (const [key, def] of this.defs) {
            const ps = ((def.schema.allOf ?? []) as Sw[])
                .filter((p) => typeof p.$ref === 'string')
                .map((p) => this.resolve(def.file, p.$ref as string));
            this.parents.set(key, ps);
            if (typeof def.schema.discriminator === 'string') this.discriminatorOf.set(key, def.schema.discriminator);
        }
        for (const [key, def] of this.defs) {
            for (const ancestor of this.ancestors(key)) {
                if (!this.discriminatorOf.has(ancestor)) continue;
                const value = (def.schema['x-ms-discriminator-value'] as string | undefined) ?? def.name;
                const list = this.subtypes.get(ancestor) ?? [];
                list.push({ key, value });
                this.subtypes.set(ancestor, list);
            }
        }
        for (const [key, def] of this.defs) {
            this.translated[idOf(def.file, def.name)] = this.translateDefinition(key);
            if (this.discriminatorOf.has(key)) this.translated[`${idOf(def.file, def.name)}__poly`] = this.poly(key);
        }
        this.indexOperations(docs.get(MAIN_FILE)!);
        this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, unicodeRegExp: false });
        addFormats(this.ajv);
        this.ajv.addSchema({ $id: ROOT_ID, definitions: this.translated });
    }

    /** The spec, loaded and translated once per process. */
    static load(): AzureMlSpec {
        return (AzureMlSpec.cached ??= new AzureMlSpec(specRoot()));
    }

    /** The operation whose path template and method match (literals case-insensitively, as ARM does). */
    findOperation(
        method: string,
        pathname: string,
    ): { operation: SpecOperation; params: Record<string, string> } | undefined {
        const segments = pathname
            .split('/')
            .filter(Boolean)
            .map((s) => decodeURIComponent(s));
        for (const operation of this.operations) {
            if (operation.method !== method.toUpperCase() || operation.segments.length !== segments.length) continue;
            const params: Record<string, string> = {};
            let ok = true;
            for (let i = 0; i < segments.length && ok; i++) {
                const p = operation.segments[i];
                if (p.startsWith('{')) params[p.slice(1, -1)] = segments[i];
                else ok = p.toLowerCase() === segments[i].toLowerCase();
            }
            if (ok) return { operation, params };
        }
        return undefined;
    }

    /** Problems of path parameters against the patterns the spec gives them; [] when valid. */
    validatePath(operationId: string, params: Record<string, string>): string[] {
        const op = this.operation(operationId);
        return Object.entries(op.pathPatterns)
            .filter(([name, pattern]) => params[name] !== undefined && !new RegExp(pattern).test(params[name]))
            .map(([name, pattern]) => `path parameter ${name} '${params[name]}' does not match ${pattern}`);
    }

    operation(operationId: string): SpecOperation {
        const op = this.operations.find((o) => o.operationId === operationId);
        if (!op) throw new Error(`The spec has no operation '${operationId}'.`);
        return op;
    }

    /**
     * Problems of a request body against the operation's body parameter; [] when valid. An
     * operation without a body parameter accepts only an absent body.
     */
    validateRequest(operationId: string, body: unknown): string[] {
        const op = this.operation(operationId);
        if (!op.requestSchema) return body === undefined ? [] : [`${operationId} takes no request body`];
        if (body === undefined) return [`${operationId}: the request body is missing`];
        return this.validate(op.requestSchema, body, 'body');
    }

    /**
     * Problems of a response against the operation: the status must be one the spec lists (or the
     * `default` error), and the body must match that status's schema (absent when it has none).
     */
    validateResponse(operationId: string, status: number, body: unknown): string[] {
        const op = this.operation(operationId);
        const key = String(status);
        const declared = key in op.responses;
        if (!declared && status < 400) {
            return [`${operationId} answered ${status}; the spec lists ${Object.keys(op.responses).join(', ')}`];
        }
        const schema = declared ? op.responses[key] : op.responses.default;
        if (!schema)
            return body === undefined || body === '' ? [] : [`${operationId} ${status} has no body in the spec`];
        if (body === undefined) return [`${operationId} ${status}: the response body is missing`];
        return this.validate(schema, body, 'body');
    }

    /** Problems of a value against one definition of the spec by name (e.g. `CommandJob`), []: valid. */
    validateDefinition(name: string, value: unknown): string[] {
        const key = [...this.defs.keys()].find((k) => k.endsWith(`#${name}`));
        if (!key) throw new Error(`The spec has no definition '${name}'.`);
        const def = this.defs.get(key)!;
        const id = idOf(def.file, def.name);
        return this.validate(this.discriminatorOf.has(key) ? `${id}__poly` : id, value, name);
    }

    private validate(definitionId: string, value: unknown, at: string): string[] {
        let v = this.validators.get(definitionId);
        if (!v) {
            v = this.ajv.getSchema(`${ROOT_ID}#/definitions/${definitionId}`);
            if (!v) throw new Error(`No translated definition '${definitionId}'.`);
            this.validators.set(definitionId, v);
        }
        if (v(value)) return [];
        return (v.errors ?? [])
            .filter((e) => e.keyword !== 'if')
            .map((e) => {
                const extra =
                    e.keyword === 'additionalProperties'
                        ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'`
                        : e.keyword === 'enum' || e.keyword === 'const'
                          ? ` ${JSON.stringify(e.params)}`
                          : '';
                return `${at}${e.instancePath} ${e.message ?? 'is invalid'}${extra}`;
            });
    }

    private resolve(file: string, ref: string): string {
        const [filePart, pointer] = ref.split('#');
        const target = filePart ? path.posix.normalize(path.posix.join(path.posix.dirname(file), filePart)) : file;
        const m = /^\/definitions\/(.+)$/.exec(pointer ?? '');
        if (!m) throw new Error(`Unsupported $ref '${ref}' in ${file}`);
        const key = keyOf(target, m[1]);
        if (!this.defs.has(key)) throw new Error(`Unresolved $ref '${ref}' in ${file}`);
        return key;
    }

    private ancestors(key: string, seen = new Set<string>()): Set<string> {
        for (const p of this.parents.get(key) ?? []) {
            if (seen.has(p)) continue;
            seen.add(p);
            this.ancestors(p, seen);
        }
        return seen;
    }

    private refTo(key: string): Sw {
        const def = this.defs.get(key)!;
        const id = idOf(def.file, def.name);
        return { $ref: `#/definitions/${this.discriminatorOf.has(key) ? `${id}__poly` : id}` };
    }

    /** The dispatch on a discriminated base's discriminator value to the matching subtype. */
    private poly(key: string): Sw {
        const prop = this.discriminatorOf.get(key)!;
        const subs = this.subtypes.get(key) ?? [];
        return {
            type: 'object',
            required: [prop],
            properties: { [prop]: { enum: subs.map((s) => s.value) } },
            allOf: subs.map((s) => {
                const d = this.defs.get(s.key)!;
                return {
                    if: { properties: { [prop]: { const: s.value } }, required: [prop] },
                    then: { $ref: `#/definitions/${idOf(d.file, d.name)}` },
                };
            }),
        };
    }

    private translateDefinition(key: string): Sw {
        const def = this.defs.get(key)!;
        const s = def.schema;
        const isObject = s.type === 'object' || s.properties !== undefined || s.allOf !== undefined;
        if (!isObject) return this.convert(s, def.file);
        const properties: Record<string, Sw> = {};
        const required = new Set<string>();
        let strict = false;
        const chain = [...this.ancestors(key)].reverse();
        // Ancestors first, so a subtype's own declaration of a property wins.
        for (const k of [...chain, key]) {
            const d = this.defs.get(k)!;
            for (const [name, prop] of Object.entries((d.schema.properties ?? {}) as Record<string, Sw>)) {
                properties[name] = this.convert(prop, d.file);
            }
            for (const r of (d.schema.required ?? []) as string[]) required.add(r);
            if (d.schema.additionalProperties === false) strict = true;
        }
        for (const ancestor of chain) {
            const prop = this.discriminatorOf.get(ancestor);
            if (!prop) continue;
            const value = (s['x-ms-discriminator-value'] as string | undefined) ?? def.name;
            properties[prop] = { const: value };
            required.add(prop);
        }
        const out: Sw = { type: 'object', properties };
        if (required.size > 0) out.required = [...required];
        if (strict) out.additionalProperties = false;
        else if (typeof s.additionalProperties === 'object') {
            out.additionalProperties = this.convert(s.additionalProperties as Sw, def.file);
        }
        return this.nullable(out, s);
    }

    private convert(node: Sw, file: string): Sw {
        if (typeof node.$ref === 'string') {
            const ref = this.refTo(this.resolve(file, node.$ref));
            return node['x-nullable'] === true ? { anyOf: [{ type: 'null' }, ref] } : ref;
        }
        const out: Sw = {};
        for (const k of [
            'type',
            'enum',
            'format',
            'pattern',
            'minLength',
            'maxLength',
            'minimum',
            'maximum',
            'minItems',
            'maxItems',
            'uniqueItems',
            'multipleOf',
            'required',
        ]) {
            if (node[k] !== undefined) out[k] = node[k];
        }
        // Swagger 2.0 (JSON Schema draft 4) spells exclusive bounds as booleans beside the bound.
        if (node.exclusiveMinimum === true) {
            out.exclusiveMinimum = node.minimum;
            delete out.minimum;
        }
        if (node.exclusiveMaximum === true) {
            out.exclusiveMaximum = node.maximum;
            delete out.maximum;
        }
        if (node.properties) {
            out.properties = Object.fromEntries(
                Object.entries(node.properties as Record<string, Sw>).map(([k, v]) => [k, this.convert(v, file)]),
            );
        }
        if (typeof node.additionalProperties === 'object') {
            out.additionalProperties = this.convert(node.additionalProperties as Sw, file);
        } else if (typeof node.additionalProperties === 'boolean') out.additionalProperties = node.additionalProperties;
        if (node.items) out.items = this.convert(node.items as Sw, file);
        if (Array.isArray(node.allOf)) out.allOf = (node.allOf as Sw[]).map((p) => this.convert(p, file));
        return this.nullable(out, node);
    }

    private nullable(out: Sw, node: Sw): Sw {
        if (node['x-nullable'] !== true) return out;
        if (typeof out.type === 'string') out.type = [out.type, 'null'];
        if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
        return out;
    }

    private indexOperations(doc: Sw): void {
        for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, Sw>>)) {
            for (const [method, op] of Object.entries(item)) {
                if (method === 'parameters') continue;
                const operationId = op.operationId as string;
                const body = ((op.parameters ?? []) as Sw[]).find((p) => p.in === 'body');
                const register = (schema: Sw | undefined, suffix: string): string | undefined => {
                    if (!schema) return undefined;
                    const id = `op.${operationId}.${suffix}`;
                    this.translated[id] = this.convert(schema, MAIN_FILE);
                    return id;
                };
                const responses: Record<string, string | undefined> = {};
                for (const [status, r] of Object.entries(op.responses as Record<string, Sw>)) {
                    responses[status] = register(r.schema as Sw | undefined, status);
                }
                const pathPatterns: Record<string, string> = {};
                for (const p of (op.parameters ?? []) as Sw[]) {
                    if (p.in === 'path' && typeof p.pattern === 'string') pathPatterns[p.name as string] = p.pattern;
                }
                this.operations.push({
                    operationId,
                    pathPatterns,
                    method: method.toUpperCase(),
                    segments: template.split('/').filter(Boolean),
                    requestSchema: register(body?.schema as Sw | undefined, 'request'),
                    responses,
                    longRunning: op['x-ms-long-running-operation'] === true,
                });
            }
        }
    }
}

/** The formats the spec uses, as autorest reads them. */
function addFormats(ajv: Ajv): void {
    const int = (min: number, max: number) => ({
        type: 'number' as const,
        validate: (n: number) => Number.isInteger(n) && n >= min && n <= max,
    });
    ajv.addFormat('int32', int(-(2 ** 31), 2 ** 31 - 1));
    ajv.addFormat('int64', int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    ajv.addFormat('double', { type: 'number', validate: () => true });
    ajv.addFormat('float', { type: 'number', validate: () => true });
    ajv.addFormat('date-time', {
        type: 'string',
        validate: (s: string) =>
            /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)),
    });
    ajv.addFormat('uri', {
        type: 'string',
        validate: (s: string) => {
            try {
                new URL(s);
                return true;
            } catch {
                return false;
            }
        },
    });
    ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    ajv.addFormat(
        'duration',
        /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/,
    );
}
