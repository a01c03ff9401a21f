import * as df from 'durable-functions';

import { retrainOrchestrator } from '../orchestrators/retrain';

import { RETRAIN_ORCHESTRATOR } from './shared/startRetrain';

df.app.orchestration(RETRAIN_ORCHESTRATOR, retrainOrchestrator);
