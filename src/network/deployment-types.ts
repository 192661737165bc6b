// Shapes shared by the deployment validator and its check modules (spec §12).
import type { Diagnostic } from "../core/errors.js";
import type { PublicIpAddress } from "./model.js";
import type { IpConsumptionModel, VnetMode } from "./sizing.js";
import type { NetworkIndex } from "./topology-index.js";

export interface ApimLocationInput {
  location: string;
  sku?: { name: string; capacity?: number };
  virtualNetworkConfiguration?: { subnetResourceId?: string } | null;
  publicIpAddressId?: string;
  disableGateway?: boolean;
}

/** The ARM body of Microsoft.ApiManagement/service, as far as networking is concerned. */
export interface ApimServiceInput {
  id?: string;
  name?: string;
  location: string;
  sku: { name: string; capacity?: number };
  properties: {
    virtualNetworkType?: string;
    virtualNetworkConfiguration?: { subnetResourceId?: string } | null;
    additionalLocations?: ApimLocationInput[];
    platformVersion?: string;
    publicIpAddressId?: string;
  };
}

export interface OtherInstance {
  readonly serviceId: string;
  readonly subnetId: string;
  readonly sku: string;
  readonly capacity: number;
  readonly mode: VnetMode;
}

export interface DeploymentValidationOptions {
  /** Subscription of the service; defaults to the one in service.id. */
  readonly subscriptionId?: string;
  readonly platformVersion?: "stv1" | "stv2";
  readonly ipConsumptionModel?: IpConsumptionModel;
  readonly internetProbeAddress?: string;
  /** Other API Management instances already in subnets (shared stv1 subnets add up, spec §10.2). */
  readonly otherInstances?: readonly OtherInstance[];
  /** DNS servers snapshotted at the last deploy/apply, per location (V24). */
  readonly dnsSnapshot?: Readonly<Record<string, readonly string[]>>;
  /** Current time in ms, for release locks (V10). */
  readonly nowMs?: number;
  /** Public IP resources the service may name in publicIpAddressId (V14). */
  readonly publicIpAddresses?: readonly PublicIpAddress[];
  /** The deployed state, to detect a public IP reused across a mode or subnet change (V14). */
  readonly previous?: {
    readonly virtualNetworkType?: string;
    readonly locations?: Readonly<
      Record<string, { readonly subnetResourceId?: string; readonly publicIpAddressId?: string }>
    >;
  };
}

export interface NetworkFinding extends Diagnostic {
  /** Check number of spec §12, e.g. "V15". */
  readonly check: string;
  readonly location: string;
  /** The rule that is broken, in words. */
  readonly rule: string;
  readonly fix: string;
  /** Failing NSG rule, route or subnet. */
  readonly target?: string;
  readonly sourceRef: string;
  readonly flow?: string;
}

export type Severity = Diagnostic["severity"];

export interface LocationScope {
  service: ApimServiceInput;
  index: NetworkIndex;
  options: DeploymentValidationOptions;
  mode: VnetMode;
  platform: "stv1" | "stv2";
  subscriptionId: string | undefined;
  primaryLocation: string;
  multiRegion: boolean;
  emit: (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity; location?: string }) => void;
}

export type Emit = (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity }) => void;
