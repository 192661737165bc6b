// Where each listener binds and whom it serves, per access mode (spec network.md §16.2). Pure: the
// runtime turns the plan into gateway rebinds and connection filters.
//   None:     the configured gateway host (unchanged behaviour outside a network).
//   External: the public address (consumers from anywhere) and the private address (clients inside
//             the network reach the unit directly, as the NSG sees DIPs).
//   Internal: the private address only, and only clients inside the network's address space.
export type AccessMode = "None" | "External" | "Internal";

export interface HostAddresses {
  /** Address consumers reach from outside (the public VIP). */
  readonly publicAddress?: string;
  /** Address of this host in the service's subnet. */
  readonly privateAddress?: string;
  /** Host the gateway binds to when not in a network. */
  readonly defaultHost: string;
}

export interface BindingPlan {
  readonly mode: AccessMode;
  /** Hosts to bind each listener on. */
  readonly hosts: readonly string[];
  /** Whether clients are limited to the network's address space. */
  readonly networkClientsOnly: boolean;
  /** Source address for backend connections (undefined: the host's routing decides). */
  readonly backendSource?: string;
  /** Problems that forced a fallback, for the log. */
  readonly warnings: readonly string[];
}

export function planBindings(mode: AccessMode, host: HostAddresses): BindingPlan {
  const warnings: string[] = [];
  if (mode === "None") return { mode, hosts: [host.defaultHost], networkClientsOnly: false, warnings };
  const priv = host.privateAddress;
  if (!priv)
    warnings.push(`${mode} mode without network.privateAddress: backend connections use the host's source address`);
  if (mode === "External") {
    const hosts = [host.publicAddress ?? host.defaultHost];
    if (priv && !hosts.includes(priv) && !isWildcard(hosts[0] as string)) hosts.push(priv);
    return { mode, hosts, networkClientsOnly: false, ...(priv ? { backendSource: priv } : {}), warnings };
  }
  if (!priv) {
    // Refusing to serve is safer than exposing an Internal gateway on the public address.
    warnings.push("Internal mode needs network.privateAddress; the gateway serves network clients on the default host");
    return { mode, hosts: [host.defaultHost], networkClientsOnly: true, warnings };
  }
  return { mode, hosts: [priv], networkClientsOnly: true, backendSource: priv, warnings };
}

const isWildcard = (h: string) => h === "0.0.0.0" || h === "::";

export function samePlan(a: BindingPlan | undefined, b: BindingPlan): boolean {
  return (
    a !== undefined &&
    a.mode === b.mode &&
    a.networkClientsOnly === b.networkClientsOnly &&
    a.hosts.join(",") === b.hosts.join(",")
  );
}
