// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The shipped app's folders; the local stack and the CLI are not deployed with it. */
const productFiles = [
    'src/functions/**/*.ts',
    'src/orchestrators/**/*.ts',
    'src/activities/**/*.ts',
    'src/clients/**/*.ts',
    'src/retraining/**/*.ts',
    'src/ui/**/*.ts',
    'src/index.ts',
];

// Import zones: product code may not reach into src/local (dev stack, emulators) or src/cli.
const productZone = {
    group: ['**/local', '**/local/**', '**/cli', '**/cli/**'],
    message: 'Product code (shipped to Azure) may not import src/local or src/cli; inject what it needs instead.',
};

const orchestratorBans = {
    // Orchestrators are replayed: anything non-deterministic or doing I/O breaks replay.
    'no-restricted-imports': [
        'error',
        {
            patterns: [
                {
                    group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'crypto', 'os', 'child_process'],
                    message: 'Orchestrators do no I/O.',
                },
                {
                    group: ['axios', '@azure/*', '!@azure/functions'],
                    message: 'Orchestrators call activities, not clients.',
                },
                {
                    group: ['**/activities/**', '**/clients/**', '**/local/**'],
                    message: 'Orchestrators call activities by name only.',
                },
                // Repeated because this rule's options here replace those of the product block.
                productZone,
            ],
        },
    ],
    'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use context.df.currentUtcDateTime.' },
        { object: 'Math', property: 'random', message: 'Use context.df.newGuid().' },
        { object: 'process', property: 'env', message: 'Orchestrators get configuration as input.' },
        { object: 'performance', property: 'now', message: 'Use context.df.currentUtcDateTime.' },
    ],
    'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use context.df.createTimer.' },
        { name: 'setInterval', message: 'Use context.df.createTimer.' },
        { name: 'setImmediate', message: 'Orchestrators must not schedule work outside the replay.' },
        { name: 'fetch', message: 'Orchestrators do no I/O.' },
        { name: 'process', message: 'Orchestrators get configuration as input.' },
    ],
    'no-restricted-syntax': [
        'error',
        {
            selector: "NewExpression[callee.name='Date'][arguments.length=0]",
            message: 'Use context.df.currentUtcDateTime.',
        },
    ],
};

export default tseslint.config(
    { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.azurite/**', '.retrainer/**', '**/*.mjs', '**/*.js'] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            '@typescript-eslint/no-floating-promises': [
                'error',
                {
                    // node:test's describe/it return promises the runner itself tracks.
                    allowForKnownSafeCalls: [
                        { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
                    ],
                },
            ],
            '@typescript-eslint/no-misused-promises': 'error',
            '@typescript-eslint/return-await': ['error', 'in-try-catch'],
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
            eqeqeq: ['error', 'always'],
            'no-console': 'off',
        },
    },
    { files: productFiles, rules: { 'no-restricted-imports': ['error', { patterns: [productZone] }] } },
    // retraining/arrivals.ts is replayed as part of the orchestrator (followUp, finalLook): same rules.
    { files: ['src/orchestrators/**/*.ts', 'src/retraining/arrivals.ts'], rules: orchestratorBans },
    {
        files: ['test/**/*.ts'],
        rules: {
            '@typescript-eslint/no-unsafe-assignment': 'off',
            '@typescript-eslint/no-unsafe-member-access': 'off',
            '@typescript-eslint/no-unsafe-argument': 'off',
            '@typescript-eslint/no-non-null-assertion': 'off',
        },
    },
);
