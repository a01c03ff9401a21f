import type { ArmWebServiceSeed, StudioSeed } from '../seed';

type Json = Record<string, unknown>;

export function resourceId(s: Pick<ArmWebServiceSeed, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
    return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.MachineLearning/webServices/${s.name}`;
}

/** A predictive web service definition as the real GET returns it (keys and storage key omitted). */
export function initialDefinition(
    seed: StudioSeed,
    service: ArmWebServiceSeed,
    baseUrl: string,
    modelUri: string,
    now: string,
): Json {
    const training = seed.trainingServices.find((t) => t.serviceId === service.experimentServiceId)!;
    const columns = Object.fromEntries(
        training.experiment.featureColumns.map((c) => [c, { type: 'Number', format: 'Double' }]),
    );
    const scored =
        training.experiment.algorithm === 'linear-regression'
            ? { 'Scored Labels': { type: 'Number', format: 'Double' } }
            : { 'Scored Labels': { type: 'String' }, 'Scored Probabilities': { type: 'Number', format: 'Double' } };
    return {
        id: resourceId(service),
        name: service.name,
        type: 'Microsoft.MachineLearning/webServices',
        location: service.location,
        tags: {},
        properties: {
            title: service.name,
            description: `Predictive experiment scoring with '${service.trainedModelName}'.`,
            createdOn: now,
            modifiedOn: now,
            provisioningState: 'Succeeded',
            readOnly: false,
            swaggerLocation: `${baseUrl}/subscriptions/${service.subscriptionId}/services/${service.serviceId}/swagger.json`,
            exposeSampleData: false,
            realtimeConfiguration: { maxConcurrentCalls: 4 },
            diagnostics: { level: 'None' },
            storageAccount: { name: 'devstoreaccount1' },
            machineLearningWorkspace: { id: `${service.serviceId.slice(0, 8)}-workspace` },
            commitmentPlan: {
                id: `/subscriptions/${service.subscriptionId}/resourceGroups/${service.resourceGroup}/providers/Microsoft.MachineLearning/commitmentPlans/${service.name}-plan`,
            },
            input: { type: 'object', properties: { input1: { type: 'object', properties: columns } } },
            output: {
                type: 'object',
                properties: { output1: { type: 'object', properties: { ...columns, ...scored } } },
            },
            assets: {
                asset1: { name: 'Score Model', type: 'Module', locationInfo: { uri: 'aml://module/score-model' } },
                asset2: {
                    name: service.trainedModelName,
                    type: 'Resource',
                    locationInfo: { uri: modelUri },
                    outputPorts: { 'Trained model': { type: 'Dataset' } },
                },
            },
            parameters: {},
            packageType: 'Graph',
            payloadsInBlobStorage: false,
            package: {
                nodes: {
                    node1: { assetId: 'asset1' },
                    node2: { assetId: 'asset2' },
                    node3: { inputId: 'input1' },
                    node4: { outputId: 'output1' },
                },
                edges: [
                    {
                        sourceNodeId: 'node2',
                        sourcePortId: 'Trained model',
                        targetNodeId: 'node1',
                        targetPortId: 'Trained model',
                    },
                    { sourceNodeId: 'node3', targetNodeId: 'node1', targetPortId: 'Dataset' },
                    { sourceNodeId: 'node1', sourcePortId: 'Scored dataset', targetNodeId: 'node4' },
                ],
                graphParameters: {},
            },
        },
    };
}

/** The trained-model asset of a definition: exactly one Resource asset with that name. */
export function trainedModelAsset(definition: Json, trainedModelName: string): { key: string; uri: string } | string {
    const assets = ((definition.properties as Json | undefined)?.assets ?? {}) as Record<string, Json>;
    const matches = Object.entries(assets).filter(([, a]) => a.type === 'Resource' && a.name === trainedModelName);
    if (matches.length === 0) return `no Resource asset named '${trainedModelName}' in properties.assets`;
    if (matches.length > 1)
        return `${matches.length} Resource assets are named '${trainedModelName}'; exactly one is allowed`;
    const [key, asset] = matches[0];
    const uri = (asset.locationInfo as Json | undefined)?.uri;
    return typeof uri === 'string' ? { key, uri } : `asset '${key}' has no locationInfo.uri`;
}
