/** Shapes of the classic Web Services Management API (management.azureml.net). */
export interface AzureBlobDetails {
    BaseLocation?: string;
    RelativeLocation?: string;
    SasBlobToken?: string;
}

export interface EndpointResource {
    Name: string;
    Kind?: 'TrainedModel';
    Location?: AzureBlobDetails;
}

export interface ClassicWebService {
    Id: string;
    Name?: string;
    Description?: string;
    CreationTime?: string;
    WorkspaceId?: string;
    DefaultEndpointName?: string;
    EndpointCount?: number;
}

export interface ClassicEndpoint {
    Name: string;
    Description?: string;
    CreationTime?: string;
    WorkspaceId?: string;
    WebServiceId?: string;
    HelpLocation?: string;
    /** A secret: the endpoint's API key. */
    PrimaryKey?: string;
    /** A secret: the endpoint's API key. */
    SecondaryKey?: string;
    ApiLocation?: string;
    Version?: string;
    PreventUpdate?: boolean;
    MaxConcurrentCalls?: number;
    DiagnosticsTraceLevel?: 'None' | 'Error' | 'All';
    ThrottleLevel?: 'Low' | 'High';
    Resources?: EndpointResource[];
}

export interface AddEndpointRequest {
    Description?: string;
    ThrottleLevel?: 'Low' | 'High';
    MaxConcurrentCalls?: number;
    PreventUpdate?: boolean;
}

export interface TrainedModelConfirmation {
    /** True when the endpoint's resource now points at the expected blob. */
    confirmed: boolean;
    /** Where the resource points now (no SAS), if it has a location. */
    currentUri?: string;
}
