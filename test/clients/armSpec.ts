import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Validates a body against a definition of the ARM web services spec
 * (`../shared/specs/arm-webservices-2017-01-01.json`) with ajv, so client tests check the
 * requests they send against the published contract, not against our own reading of it.
 */
const SPEC = path.resolve(__dirname, '../../../../shared/specs/arm-webservices-2017-01-01.json');

let validator: ((definition: string, body: unknown) => string[]) | undefined;

export function validateAgainstArmSpec(definition: string, body: unknown): string[] {
    if (!validator) {
        const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as { definitions: Record<string, unknown> };
        const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
        ajv.addSchema({ $id: 'arm', definitions: spec.definitions });
        validator = (def, b) => {
            const v = ajv.getSchema(`arm#/definitions/${def}`);
            if (!v) throw new Error(`no definition ${def}`);
            return v(b) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
        };
    }
    return validator(definition, body);
}
