import { MlServiceError } from '../errors';
import type { ClientOptions, OperationOptions } from '../options';
import { ClientPipeline } from '../clientPipeline';
import { SecretSet } from '../redact';
import { joinUrl, serviceBaseUrl } from '../serviceUrl';

export interface ScoreOptions extends OperationOptions {
    inputName?: string;
    /** Which output to return (default: the first). */
    outputName?: string;
    globalParameters?: Record<string, string>;
}

/** An RRS result table; values are strings as the service sends them. */
export interface ScoredTable {
    outputName: string;
    columnNames: string[];
    columnTypes: string[];
    rows: string[][];
}

/** Request-response scoring of one endpoint, used to smoke-test a promoted model with golden rows. */
export class ScoringClient {
    readonly apiLocation: string;
    readonly #pipeline: ClientPipeline;

    /** @param apiLocation - the endpoint's `ApiLocation` (`.../services/{id}`; a pasted `/execute` URL works too) */
    constructor(apiLocation: string, apiKey: string, options: ClientOptions = {}) {
        this.apiLocation = serviceBaseUrl(apiLocation);
        this.#pipeline = new ClientPipeline('rrs', { apiKey }, new SecretSet(), options);
    }

    async score(columnNames: string[], rows: (string | number)[][], options: ScoreOptions = {}): Promise<ScoredTable> {
        const input = options.inputName ?? 'input1';
        const res = await this.#pipeline.send({
            operation: 'RRS score',
            method: 'POST',
            url: `${joinUrl(this.apiLocation, 'execute')}?api-version=2.0&details=true`,
            body: {
                Inputs: { [input]: { ColumnNames: columnNames, Values: rows.map((r) => r.map(String)) } },
                GlobalParameters: options.globalParameters ?? {},
            },
            expectedStatus: [200],
            options,
        });
        return parseScoredTable(res.body, options.outputName);
    }
}

export function parseScoredTable(body: unknown, outputName?: string): ScoredTable {
    const results = (body as { Results?: Record<string, unknown> } | undefined)?.Results ?? {};
    const name = outputName ?? Object.keys(results)[0];
    const out = name === undefined ? undefined : (results[name] as { value?: unknown } | undefined);
    const value = out?.value as { ColumnNames?: unknown; ColumnTypes?: unknown; Values?: unknown } | undefined;
    if (name === undefined || !value || !Array.isArray(value.Values)) {
        throw new MlServiceError({
            operation: 'RRS score',
            code: 'UnexpectedResponse',
            detail: `no table output${outputName ? ` named '${outputName}'` : ''} in the response`,
        });
    }
    const strings = (a: unknown): string[] => (Array.isArray(a) ? a.map((x) => (x === null ? '' : String(x))) : []);
    return {
        outputName: name,
        columnNames: strings(value.ColumnNames),
        columnTypes: strings(value.ColumnTypes),
        rows: (value.Values as unknown[]).map(strings),
    };
}
