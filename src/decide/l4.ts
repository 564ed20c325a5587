/**
 * The L4 section of the decision: every endpoint's requests for TCP, UDP and TLS-passthrough
 * traffic (`src/gateway/l4.ts`), planned together on the one Gateway. An endpoint that serves L4
 * traffic adds its requests in `l4Requests`; requests whose objects the API refused earlier in
 * this hook are left out, and everything else (ports, listeners, routes, the route kinds to
 * list) is `planL4`'s.
 */
import { type L4Plan, type L4Request, l4RequestObjects, planL4 } from "../gateway/l4.ts";
import type { KubeObject } from "../k8s/types.ts";
import type { ReconcileWorld } from "../world.ts";

/** Every endpoint's L4 requests, in a stable order (by endpoint, then relation). */
export function l4Requests(_world: ReconcileWorld): L4Request[] {
  // No endpoint asks for L4 traffic yet: a live Gateway's L4 listeners and routes are removed.
  return [];
}

/** The owner of the request an object (`Kind/name`) belongs to, if any. */
export function l4OwnerOf(requests: readonly L4Request[], object: string): string | undefined {
  return requests.find((request) => l4RequestObjects(request).includes(object))?.owner;
}

export function decideL4(
  world: ReconcileWorld,
  namespace: string,
  live: KubeObject | undefined,
  httpListeners: number,
  requests: readonly L4Request[],
  /** Owners left out (their objects were refused by the API in this hook). */
  leftOut: ReadonlySet<string>,
): L4Plan {
  return planL4({
    gateway: world.app,
    namespace,
    live,
    httpListeners,
    requests: requests.filter((request) => !leftOut.has(request.owner)),
  });
}
