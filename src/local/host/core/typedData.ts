import { RpcTypedData } from './types';

/**
 * A value coming back from `getResponse` (returnValue / outputData), decoded without re-parsing
 * strings: an activity returning "42" must stay the string "42".
 */
export function fromTypedData(td: RpcTypedData | null | undefined): unknown {
    if (td === null || td === undefined) return undefined;
    if (td.string !== undefined && td.string !== null) return td.string;
    if (td.json !== undefined && td.json !== null) return JSON.parse(td.json) as unknown;
    if (td.int !== undefined && td.int !== null) return Number(td.int);
    if (td.double !== undefined && td.double !== null) return td.double;
    if (td.bytes !== undefined && td.bytes !== null) return Buffer.from(td.bytes);
    if (td.stream !== undefined && td.stream !== null) return Buffer.from(td.stream);
    if (td.http !== undefined && td.http !== null) return td.http;
    return undefined;
}

export function stringData(value: string): RpcTypedData {
    return { string: value };
}

export function jsonData(value: unknown): RpcTypedData {
    return { json: JSON.stringify(value) };
}

/** Body bytes of an http TypedData (the library sends `{bytes}`; `{string}` is accepted too). */
export function bodyBytes(td: RpcTypedData | null | undefined): Buffer {
    if (!td) return Buffer.alloc(0);
    if (td.bytes) return Buffer.from(td.bytes);
    if (typeof td.string === 'string') return Buffer.from(td.string, 'utf8');
    if (typeof td.json === 'string') return Buffer.from(td.json, 'utf8');
    return Buffer.alloc(0);
}
