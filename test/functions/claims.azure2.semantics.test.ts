import { claimScenarios } from './claimScenarios';

/** Under the azure semantics profile: 7 runs with seed 12 (with claims.azure1..3, 21 seeded runs). */
claimScenarios({ profile: 'azure', seed: 12, runs: 7 });
