/**
 * Which relations an endpoint has and who is on their other side: the small reads every step
 * that touches relations starts from, kept apart from the wire formats (`relations.ts`) so that
 * a hook reading only these (the get-certificate action) loads none of the requirers' schemas.
 */
import type { JujuEvent } from "../juju/context.ts";
import { HookToolError } from "../juju/errors.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";

export const ENDPOINTS = {
  ingress: "gateway",
  ingressPerUnit: "ingress-per-unit",
  gatewayRoute: "gateway-route",
  certificates: "certificates",
  dnsRecord: "dns-record",
  receiveCa: "receive-ca-cert",
  traefikRoute: "traefik-route",
} as const;

/** Relations of an endpoint, leaving out the one whose `-broken` hook is running. */
export async function liveRelations(
  tools: HookTools,
  event: JujuEvent,
  endpoint: string,
): Promise<RelationRef[]> {
  const relations = await tools.relationIds(endpoint);
  if (event.kind === "relation" && event.phase === "broken" && event.endpoint === endpoint) {
    return relations.filter((relation) => relation.id !== event.relationId);
  }
  return relations;
}

/** The remote application of a relation (from the hook's environment when it is this one). */
export function remoteApp(
  tools: HookTools,
  event: JujuEvent,
  relation: RelationRef,
): Promise<string> {
  if (event.kind === "relation" && event.relationId === relation.id && event.remoteApp) {
    return Promise.resolve(event.remoteApp);
  }
  return tools.relationRemoteApp(relation);
}

/** Reads a relation; one that vanished during the hook reads as null. */
export async function ifPresent<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof HookToolError && error.kind === "relation-not-found") return null;
    throw error;
  }
}
