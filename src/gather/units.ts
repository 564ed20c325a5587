/**
 * What the leader reads for several units and for requirers in other models: the peer relation
 * (the leader its databag names), and — only when a cross-model backend can exist — the owned
 * EndpointSlices.
 */
import type { PeersWorld } from "../decide/units.ts";
import { ingressCopies, PEERS_ENDPOINT, recordedLeader } from "../interfaces/peers.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";
import { isSelectorless } from "../gateway/endpoint_slice.ts";
import { listOwned } from "../k8s/reconcile.ts";
import { KINDS, type KubeClient, KubeError } from "../k8s/types.ts";
import type { ClusterWorld, IngressRequirer } from "../world.ts";
import { ifPresent } from "./relations.ts";

export { PEERS_ENDPOINT };

/** The peer relation and the leader its application databag names (null without one). */
export async function readPeers(
  tools: HookTools,
  app: string,
  relation: RelationRef | undefined,
): Promise<PeersWorld | null> {
  if (relation === undefined) return null;
  const data = await ifPresent(() => tools.relationGet(relation, app, true));
  return data === null ? null : {
    relation,
    recordedLeader: recordedLeader(data, app),
    ingressCopies: ingressCopies(data),
  };
}

/**
 * The owned EndpointSlices, listed only when one can exist: a requirer is in another model, or a
 * Service of ours has no selector (a cross-model backend's, which its slices never outlive: they
 * are created before it and deleted before it). Otherwise the steady state sends no more
 * requests than before.
 */
export async function withEndpointSlices(
  client: KubeClient | null,
  app: string,
  model: string,
  ingress: readonly IngressRequirer[],
  cluster: ClusterWorld,
): Promise<ClusterWorld> {
  if (client === null || "error" in cluster) return cluster;
  const services = cluster.owned.get(KINDS.service.kind) ?? [];
  const needed = ingress.some((requirer) => requirer.backend && requirer.backend.model !== model) ||
    services.some(isSelectorless);
  if (!needed) return cluster;
  try {
    const slices = await listOwned(client, app, KINDS.endpointSlice);
    return { ...cluster, owned: new Map([...cluster.owned, [KINDS.endpointSlice.kind, slices]]) };
  } catch (error) {
    if (error instanceof KubeError) return { error };
    throw error;
  }
}
