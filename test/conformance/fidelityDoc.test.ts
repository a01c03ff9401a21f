import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { COMMITTED_RESULTS, FIDELITY_DOC, renderFidelityDoc, ResultsFile } from './results';

/**
 * The "real engine" fidelity page is generated from the committed conformance results; this fails
 * when someone edits one without the other (regenerate with `npm run test:conformance -- --update`).
 */
describe('docs/fidelity-real-engine.md', () => {
    it('is the rendering of test/conformance/results.json', () => {
        const results = JSON.parse(readFileSync(COMMITTED_RESULTS, 'utf8')) as ResultsFile;
        assert.ok(results.scenarios.length > 0, 'the committed results hold scenarios');
        assert.equal(readFileSync(FIDELITY_DOC, 'utf8'), renderFidelityDoc(results));
    });

    it('explains every difference it records', () => {
        const results = JSON.parse(readFileSync(COMMITTED_RESULTS, 'utf8')) as ResultsFile;
        for (const s of results.scenarios) {
            assert.ok(s.differences !== undefined, `${s.id} finished on both hosts`);
            for (const key of s.differences) assert.ok(s.causes?.[key], `${s.id}/${key} has a cause`);
        }
    });
});
