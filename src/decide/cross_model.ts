/**
 * Requirers in other models (their `model` is not ours): no selector of ours can reach their
 * pods, so their backend is the addresses their units published (ingress v2 unit `ip`). A unit
 * without one is left out and named in the status; a requirer none of whose units has one is
 * Blocked on its own. Same-model requirers keep the selector Service.
 */
import type { Outcome } from "../outcome.ts";
import type { IngressRequirer, ReconcileWorld } from "../world.ts";

/** The world with each cross-model requirer's backend given its units' addresses. */
export function routeAcrossModels(world: ReconcileWorld): ReconcileWorld {
  if (!world.ingress.some((requirer) => crossModel(world, requirer))) return world;
  const ingress = world.ingress.map((requirer): IngressRequirer => {
    const backend = requirer.backend;
    if (backend === null || !crossModel(world, requirer)) return requirer;
    const addresses = (requirer.units ?? []).flatMap((unit) => unit.ip === null ? [] : [unit.ip]);
    if (addresses.length === 0) {
      const error = requirer.version === 1
        ? `is in model "${backend.model}" and speaks ingress v1, whose host is not an ip ` +
          "address: a requirer in another model needs one"
        : `is in model "${backend.model}" and none of its units has published its ip ` +
          "address, which a requirer in another model needs";
      return { ...requirer, backend: null, error };
    }
    return { ...requirer, backend: { ...backend, addresses } };
  });
  return { ...world, ingress };
}

function crossModel(world: ReconcileWorld, requirer: IngressRequirer): boolean {
  return requirer.backend !== null && requirer.backend.model !== world.model;
}

/** Units of routed cross-model requirers that published no ip (named `<app>/<n>` after the
 * requirer's own application name: on our side of an offer Juju calls it `remote-<token>`). */
export function unroutedUnits(world: ReconcileWorld): string[] {
  return world.ingress.flatMap((requirer) => {
    if (requirer.backend?.addresses === undefined) return [];
    const app = requirer.backend.app;
    return (requirer.units ?? []).filter((unit) => unit.ip === null)
      .map((unit) => `${app}/${unit.unit.slice(unit.unit.lastIndexOf("/") + 1)}`);
  });
}

/** The status, saying which units are not routed. */
export function withUnroutedUnits(outcome: Outcome, world: ReconcileWorld): Outcome {
  const units = unroutedUnits(world);
  if (units.length === 0 || outcome.status === null) return outcome;
  const message = `${outcome.status.message}; not routed (no ip address): ${units.join(", ")}`;
  return { ...outcome, status: { ...outcome.status, message } };
}
