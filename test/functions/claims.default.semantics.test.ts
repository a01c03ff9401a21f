import { claimScenarios } from './claimScenarios';

/** The same runs and assertions on the dev host's default profile (nothing injected). */
claimScenarios({ profile: 'default', seed: 1, runs: 6 });
