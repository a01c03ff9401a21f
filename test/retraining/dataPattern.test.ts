import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
    blobNameError,
    blobNameProblem,
    fitsDataPattern,
    listPrefix,
    matchesDataPattern,
    TRAINING_DATA_NAME_RULE,
} from '../../src/retraining/dataPattern';

describe('data pattern', () => {
    it('matches * across folders and treats the rest literally', () => {
        assert.ok(matchesDataPattern('churn/*.csv', 'churn/2024/01/a.csv'));
        assert.ok(!matchesDataPattern('churn/*.csv', 'churn/a.csv.tmp'));
        assert.ok(!matchesDataPattern('churn/*.csv', 'churn-arm/a.csv'));
        assert.ok(!matchesDataPattern('a.b/*', 'aXb/c'));
        assert.equal(listPrefix('churn/*.csv'), 'churn/');
        assert.equal(listPrefix('exact.csv'), 'exact.csv');
    });

    // Storage resolves `..` in the URL: `churn-v2/../houses/evil.csv` is written as `houses/evil.csv`.
    it('never lets * take a name with a dot, dot-dot or empty segment, a backslash or a control character', () => {
        const bad = [
            'churn-v2/../houses/evil.csv',
            'churn-v2/..',
            'churn-v2/./a.csv',
            'churn-v2//a.csv',
            'churn-v2/a/',
            'churn-v2/..\\houses\\evil.csv',
            'churn-v2/a\u0000.csv',
            'churn-v2/a\n.csv',
            'churn-v2/a\u007f.csv',
        ];
        for (const name of bad) {
            assert.ok(!matchesDataPattern('churn-v2/*', name), JSON.stringify(name));
            assert.ok(blobNameProblem(name), JSON.stringify(name));
            // It still has the pattern's shape: `data list` shows it under the target, refused.
            assert.ok(fitsDataPattern('churn-v2/*', name), JSON.stringify(name));
        }
        assert.ok(!fitsDataPattern('churn-v2/*.csv', 'churn-v2//a.txt'));
        assert.ok(!fitsDataPattern('churn-v2/*', 'houses//a.csv'));
        // Dots inside a segment are ordinary characters.
        for (const name of ['churn-v2/a..b.csv', 'churn-v2/.hidden.csv', 'churn-v2/2024/..x/a.csv'])
            assert.ok(matchesDataPattern('churn-v2/*', name), name);
    });

    it('names the name, what is wrong with it and the rule', () => {
        assert.equal(
            blobNameError('churn-v2/../houses/evil.csv'),
            `'churn-v2/../houses/evil.csv' cannot be a training-data name: it has a '..' segment (${TRAINING_DATA_NAME_RULE})`,
        );
        assert.equal(blobNameProblem('a/./b.csv'), "it has a '.' segment");
        assert.equal(blobNameProblem('/a.csv'), 'it has an empty segment (a leading or trailing /, or //)');
        assert.equal(blobNameProblem('a\\b.csv'), 'it holds a backslash');
        assert.equal(blobNameProblem('a\tb.csv'), 'it holds the control character U+0009');
        assert.equal(blobNameProblem(''), 'it is empty');
        assert.equal(blobNameError('churn/2024/a.csv'), undefined);
    });
});
