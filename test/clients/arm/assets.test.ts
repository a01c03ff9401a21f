import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assertUpdatable, findTrainedModelAsset, withTrainedModelUri } from '../../../src/clients/arm/assets';
import type { ArmWebService } from '../../../src/clients/arm/types';
import { isMlServiceError } from '../../../src/clients/errors';

function service(
    assets: ArmWebService['properties']['assets'],
    extra: Partial<ArmWebService['properties']> = {},
): ArmWebService {
    return {
        id: '/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearning/webServices/w',
        name: 'w',
        type: 'Microsoft.MachineLearning/webServices',
        location: 'West US',
        properties: {
            packageType: 'Graph',
            provisioningState: 'Succeeded',
            createdOn: '2024-01-01T00:00:00Z',
            swaggerLocation: 'https://x/swagger.json',
            assets,
            ...extra,
        },
    };
}

const MODEL = 'Churn Model [trained model]';

describe('trained-model asset', () => {
    const ws = service({
        asset1: { name: 'Execute R Script', type: 'Module', locationInfo: { uri: 'aml://module/1' } },
        asset3: { name: MODEL, type: 'Resource', locationInfo: { uri: 'https://a/old.ilearner' } },
    });

    it('finds the Resource asset by exact name', () => {
        const [id, asset] = findTrainedModelAsset(ws, MODEL);
        assert.equal(id, 'asset3');
        assert.equal(asset.locationInfo.uri, 'https://a/old.ilearner');
    });

    it('names the available Resource assets when absent', () => {
        assert.throws(
            () => findTrainedModelAsset(ws, 'Other [trained model]'),
            (e: unknown) =>
                isMlServiceError(e) && e.code === 'TrainedModelAssetNotFound' && e.message.includes(`'${MODEL}'`),
        );
    });

    it('refuses an ambiguous name, and ignores Module assets of the same name', () => {
        const twice = service({
            a: { name: MODEL, type: 'Resource', locationInfo: { uri: 'u1' } },
            b: { name: MODEL, type: 'Resource', locationInfo: { uri: 'u2' } },
        });
        assert.throws(
            () => findTrainedModelAsset(twice, MODEL),
            (e: unknown) => isMlServiceError(e) && e.code === 'AmbiguousTrainedModelAsset',
        );
        const moduleToo = service({
            a: { name: MODEL, type: 'Module', locationInfo: { uri: 'u1' } },
            b: { name: MODEL, type: 'Resource', locationInfo: { uri: 'u2' } },
        });
        assert.equal(findTrainedModelAsset(moduleToo, MODEL)[0], 'b');
    });

    it('builds a PUT body with the new uri and no read-only fields, leaving the input untouched', () => {
        const body = withTrainedModelUri(ws, 'asset3', 'https://a/new.ilearner');
        assert.equal(body.properties.assets?.asset3?.locationInfo.uri, 'https://a/new.ilearner');
        assert.equal(body.properties.assets?.asset1?.locationInfo.uri, 'aml://module/1');
        for (const k of ['createdOn', 'provisioningState', 'swaggerLocation']) assert.ok(!(k in body.properties), k);
        for (const k of ['id', 'name', 'type']) assert.ok(!(k in body), k);
        assert.equal(body.location, 'West US');
        assert.equal(ws.properties.assets?.asset3?.locationInfo.uri, 'https://a/old.ilearner');
    });

    it('refuses read-only services and blob-stored payloads', () => {
        assert.throws(
            () => assertUpdatable(service({}, { readOnly: true })),
            (e: unknown) => isMlServiceError(e) && e.code === 'WebServiceReadOnly',
        );
        assert.throws(
            () => assertUpdatable(service({}, { payloadsInBlobStorage: true })),
            (e: unknown) => isMlServiceError(e) && e.code === 'PayloadsInBlobStorageNotSupported',
        );
        assert.doesNotThrow(() => assertUpdatable(ws));
    });
});
