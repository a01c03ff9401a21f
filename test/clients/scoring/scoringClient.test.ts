import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isMlServiceError } from '../../../src/clients/errors';
import { parseScoredTable } from '../../../src/clients/scoring/scoringClient';

describe('RRS result parsing', () => {
    const body = {
        Results: {
            output1: {
                type: 'table',
                value: {
                    ColumnNames: ['tenure', 'Scored Labels'],
                    ColumnTypes: ['Double', 'Int32'],
                    Values: [
                        ['3', '1'],
                        ['40', null],
                    ],
                },
            },
        },
    };

    it('returns the first output table with string values', () => {
        const t = parseScoredTable(body);
        assert.equal(t.outputName, 'output1');
        assert.deepEqual(t.columnNames, ['tenure', 'Scored Labels']);
        assert.deepEqual(t.rows, [
            ['3', '1'],
            ['40', ''],
        ]);
    });

    it('names a missing output', () => {
        assert.throws(
            () => parseScoredTable(body, 'output9'),
            (e: unknown) => isMlServiceError(e) && /output9/.test(e.message),
        );
    });
});
