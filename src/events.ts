/**
 * Which events run the charm's pass: the reconcile for most, the cleanup for `remove`, and
 * actions. `stop`, secret events other than changed/expired and unknown hooks do nothing. Kept
 * apart (and tiny) so that a hook with nothing to do exits before the charm is even loaded.
 */
import type { JujuEvent } from "./juju/context.ts";

export function runs(event: JujuEvent): boolean {
  switch (event.kind) {
    case "lifecycle":
      return event.hook !== "stop";
    case "relation":
    case "action":
      return true;
    case "secret":
      return event.phase === "changed" || event.phase === "expired";
    default:
      return false;
  }
}
