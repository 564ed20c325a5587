/**
 * When a reconcile may take our application databag in an ingress relation from its copy in the
 * peer relation (`src/interfaces/peers.ts`) instead of reading it back: one hook-tool process less
 * per requirer, on the hooks that come most often.
 *
 * Juju commits a hook's relation writes together or not at all, and only the leader writes either
 * databag, so the copy holds what the databag holds — unless something outside the charm wrote
 * the databag (`juju exec -- relation-set`, an earlier charm). So the copy is trusted only where
 * that matters least, and the databag is read again:
 *
 * - on install, start, config-changed, upgrade-charm and leader-elected (every relation);
 * - on the relation's own events;
 * - on update-status for one requirer in turn (the next every 5 minutes, Juju's default
 *   update-status interval), so that a databag changed by hand is mended within one
 *   update-status per requirer;
 * - whenever the copy is missing or unreadable.
 *
 * Trusted: update-status (all but the one in turn), other relations' events and secret events.
 */
import type { JujuEvent } from "../juju/context.ts";
import type { Databag, RelationRef } from "../juju/tools.ts";
import type { OwnDatabagCopy } from "./relations.ts";
import type { PeersWorld } from "../decide/units.ts";

/** How long each requirer's turn of being read again on update-status lasts. */
export const VERIFY_TURN_MS = 5 * 60 * 1000;

/** The relation (if any) whose databag this hook reads again although its copy is trusted. */
export function verifiedInTurn(
  relations: readonly RelationRef[],
  now: Date,
): number | null {
  if (relations.length === 0) return null;
  const ids = relations.map((relation) => relation.id).sort((a, b) => a - b);
  return ids[Math.floor(now.getTime() / VERIFY_TURN_MS) % ids.length];
}

/** Whether this event may take the databag of `relationId` from its copy. */
export function copyTrusted(event: JujuEvent, relationId: number, inTurn: number | null): boolean {
  switch (event.kind) {
    case "lifecycle":
      return event.hook === "update-status" && relationId !== inTurn;
    case "relation":
      return event.relationId !== relationId;
    case "secret":
      return true;
    default:
      return false;
  }
}

/** Our databags in the ingress relations, from their copies where this hook trusts them. */
export function trustedIngressCopies(
  event: JujuEvent,
  now: Date,
  relations: readonly RelationRef[],
  peers: Promise<PeersWorld | null>,
): OwnDatabagCopy {
  const inTurn = event.kind === "lifecycle" && event.hook === "update-status"
    ? verifiedInTurn(relations, now)
    : null;
  return async (relation): Promise<Databag | undefined> => {
    if (!copyTrusted(event, relation.id, inTurn)) return undefined;
    return (await peers)?.ingressCopies.get(relation.id)?.data ?? undefined;
  };
}
