/**
 * What the leader reads for several units and for requirers in other models: the peer relation
 * (the leader its databag names), and — only when a cross-model backend can exist — the owned
 * EndpointSlices.
 */
import type { PeersWorld } from "../decide/units.ts";
import { PEERS_ENDPOINT, recordedLeader } from "../interfaces/peers.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";
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
  return data === null ? null : { relation, recordedLeader: recordedLeader(data, app) };
}
