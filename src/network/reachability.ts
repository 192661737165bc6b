// Can a client reach a listener of the service? (spec §16.3, §17.6) Combines the binding of the
// mode (private VIP only in Internal), the stv1 global-peering limit of the Basic internal load
// balancer, the client's route, the subnet NSG and the reply route.
import { parseIpv4 } from "./ipv4.js";
import { sameId } from "./model.js";
import { evaluateFlow } from "./nsg-eval.js";
import { sameRegion } from "./regions.js";
import { routeVerdict } from "./required-flows.js";
import { nextHop, tunnelPolicy } from "./routes.js";
import type { NetworkIndex } from "./topology-index.js";

export interface ListenerQuery {
  readonly apimSubnetId: string;
  readonly mode: "External" | "Internal";
  readonly platformVersion?: "stv1" | "stv2";
  /** A DIP of the unit that serves the request (where the NSG sees the traffic, spec §5.1). */
  readonly unitIp: string;
  readonly port: number;
  readonly clientIp: string;
}

export type Reachability =
  | { readonly reachable: true }
  | {
      readonly reachable: false;
      readonly reason:
        | "PrivateListener"
        | "GlobalPeeringBasicIlb"
        | "ClientRoute"
        | "NsgDenied"
        | "AsymmetricReply"
        | "UnknownSubnet";
      readonly detail: string;
    };

export function listenerReachable(index: NetworkIndex, q: ListenerQuery): Reachability {
  const apim = index.subnet(q.apimSubnetId);
  const client = parseIpv4(q.clientIp);
  if (!apim || client === undefined)
    return {
      reachable: false,
      reason: "UnknownSubnet",
      detail: `unknown subnet ${q.apimSubnetId} or client ${q.clientIp}`,
    };
  const base = index.tagContext(apim.subnet.id).virtualNetworkBase;
  const clientEntry = index.subnetOfIp(client);
  if (q.mode === "Internal") {
    if (!base.has(client))
      return {
        reachable: false,
        reason: "PrivateListener",
        detail: `${q.clientIp} is outside the network; Internal mode listens only on the private VIP`,
      };
    const clientVnet = clientEntry?.vnet;
    if (
      (q.platformVersion ?? "stv1") === "stv1" &&
      clientVnet &&
      !sameId(clientVnet.id, apim.vnet.id) &&
      !sameRegion(clientVnet.location, apim.vnet.location)
    )
      return {
        reachable: false,
        reason: "GlobalPeeringBasicIlb",
        detail: `${clientVnet.name} is in another region; the stv1 private VIP sits on a Basic internal load balancer, which global peering does not carry`,
      };
  }
  if (clientEntry) {
    const hop = nextHop(index, clientEntry.subnet.id, q.unitIp);
    const dropped =
      !hop ||
      hop.nextHopType === "None" ||
      ((hop.nextHopType === "VirtualAppliance" || hop.nextHopType === "VirtualNetworkGateway") &&
        tunnelPolicy(index, clientEntry.subnet.id, hop) === "drop");
    if (dropped)
      return {
        reachable: false,
        reason: "ClientRoute",
        detail: `from ${clientEntry.subnet.name} the route to ${q.unitIp} goes to ${hop?.nextHopType ?? "nowhere"}`,
      };
  }
  const decision = evaluateFlow(
    index,
    { subnetId: apim.subnet.id },
    { direction: "Inbound", protocol: "Tcp", srcIp: q.clientIp, srcPort: 50000, dstIp: q.unitIp, dstPort: q.port },
  );
  if ("error" in decision) return { reachable: false, reason: "UnknownSubnet", detail: decision.error };
  if (decision.access === "Deny")
    return {
      reachable: false,
      reason: "NsgDenied",
      detail: `${decision.ruleName} (priority ${decision.priority}) denies TCP ${q.port}`,
    };
  const reply = routeVerdict(
    {
      index,
      subnetId: apim.subnet.id,
      location: apim.vnet.location,
      dips: [q.unitIp],
      internetProbeAddress: q.clientIp,
    },
    q.clientIp,
    "Inbound",
  );
  if (!reply.ok)
    return {
      reachable: false,
      reason: "AsymmetricReply",
      detail: `replies to ${q.clientIp} go to ${reply.hop?.nextHopType ?? "nowhere"}`,
    };
  return { reachable: true };
}

/**
 * For the gateway in Internal mode: a predicate compiled once per network change that says whether
 * a client address is inside the network (VNet, peerings, on-premises through the gateway). Accepts
 * the IPv4-mapped IPv6 form Node reports on dual-stack sockets ("::ffff:10.0.0.4").
 */
export function compileClientFilter(index: NetworkIndex, apimSubnetId: string): (clientIp: string) => boolean {
  const base = index.tagContext(apimSubnetId).virtualNetworkBase;
  const known = index.subnet(apimSubnetId) !== undefined;
  return (clientIp: string) => {
    if (!known) return false;
    const text = clientIp.startsWith("::ffff:") ? clientIp.slice(7) : clientIp;
    const ip = parseIpv4(text);
    return ip !== undefined && base.has(ip);
  };
}
