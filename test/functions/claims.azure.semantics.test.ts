import { claimScenarios } from './claimScenarios';

/**
 * Under the azure semantics profile, every activity duplicated at once and 30% of commits aborted
 * and re-sent: 10 runs with seed 11 (claims.azure2 runs 10 more with seed 12).
 */
claimScenarios({ profile: 'azure', seed: 11, runs: 10 });
