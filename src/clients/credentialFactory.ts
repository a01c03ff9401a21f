import { DefaultAzureCredential, TokenCredential } from '@azure/identity';

import { EmulatorCredential } from './emulatorCredential';

/** How a target reaches ARM: Azure AD in Azure, the HMAC credential against the offline studio. */
export type ArmCredentialSpec =
    { kind: 'default'; managedIdentityClientId?: string } | { kind: 'emulator'; secret: string };

export function createArmCredential(spec: ArmCredentialSpec): TokenCredential {
    if (spec.kind === 'emulator') return new EmulatorCredential(spec.secret);
    return spec.managedIdentityClientId
        ? new DefaultAzureCredential({ managedIdentityClientId: spec.managedIdentityClientId })
        : new DefaultAzureCredential();
}
