import { classificationCsv, toText } from '../../../src/local/samples';
import { bindChurnModel as bindTo, CHURN_FEATURES } from '../../helpers/classicModel';

export { CHURN_FEATURES };

/**
 * Trains a churn model on 10k rows and binds it to the demo's classic endpoint `retrained`
 * through the management API (PATCH with a read SAS), as a promotion would.
 */
export async function bindChurnModel(studioUrl: string, connectionString: string): Promise<void> {
    await bindTo(studioUrl, connectionString, 'retrained', await toText(classificationCsv({ rows: 10_000, seed: 5 })));
}
