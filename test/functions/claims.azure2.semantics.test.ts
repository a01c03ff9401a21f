import { claimScenarios } from './claimScenarios';

/** Under the azure semantics profile: 10 more runs, with seed 12 (see claims.azure). */
claimScenarios({ profile: 'azure', seed: 12, runs: 10 });
