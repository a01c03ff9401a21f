/**
 * Preloaded (`node --require`) into a dev host child process by the Azure ML crash tests, so the
 * app it loads knows the tests' live-metrics kind (the host process shares this module registry).
 */
import { registerStudioCounters } from './azuremlTargets';

registerStudioCounters();
