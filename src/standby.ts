/**
 * The standby: a unit that is not the leader only says so, naming the leader, and writes nothing
 * else. It runs before the charm is loaded (a standby evaluates none of it).
 *
 * What a standby says depends on two things only, each with its own event: leadership
 * (`leader-settings-changed` runs on every other unit when it moves, and at start-up) and the
 * leader's name in the peer application databag (a peer `-changed` runs when the leader writes
 * it). So the status is set on those events and on `start` and `upgrade-charm` (a pod that was
 * replaced, a refresh); on any other event a standby asks `is-leader` and is done. The databag is
 * read with one `relation-get`, at the same time as `is-leader` in a peer hook (the relation id
 * is in the environment), after `relation-ids` otherwise; the status is set only when
 * `status-get`, read meanwhile, says otherwise.
 */
import { standbyStatus } from "./decide/units.ts";
import { PEERS_ENDPOINT, recordedLeader } from "./interfaces/peers.ts";
import type { HookContext, JujuEvent } from "./juju/context.ts";
import type { Databag, HookTools, RelationRef } from "./juju/tools.ts";

/** Events only the leader acts on: every reconcile (not `remove`, not actions). */
function leaderOnly(event: JujuEvent): boolean {
  return event.kind !== "action" && !(event.kind === "lifecycle" && event.hook === "remove");
}

/** Events after which a standby's status may have to change. */
function restatesStandby(event: JujuEvent): boolean {
  if (event.kind === "relation") return event.endpoint === PEERS_ENDPOINT;
  return event.kind === "lifecycle" &&
    ["leader-settings-changed", "start", "upgrade-charm"].includes(event.hook);
}

/** The peer application databag, or null without a peer relation (or when it is going away). */
async function peerData(tools: HookTools, ctx: HookContext): Promise<Databag | null> {
  const { event } = ctx;
  let relation: RelationRef | undefined;
  if (event.kind === "relation" && event.endpoint === PEERS_ENDPOINT) {
    relation = { endpoint: PEERS_ENDPOINT, id: event.relationId };
  } else {
    relation = (await tools.relationIds(PEERS_ENDPOINT))[0];
  }
  if (relation === undefined) return null;
  try {
    return await tools.relationGet(relation, ctx.appName, true);
  } catch {
    return null;
  }
}

/**
 * Handles the hook when this unit is a standby and answers true; false when the unit leads (or
 * the event is not the leader's), for the charm to run.
 */
export async function runStandby(ctx: HookContext, tools: HookTools): Promise<boolean> {
  if (!leaderOnly(ctx.event)) return false;
  if (!restatesStandby(ctx.event)) return !(await tools.isLeader());
  // The databag is read while is-leader answers; a leader does not wait for it (its reads are
  // cached for the charm's own gather step).
  const data = peerData(tools, ctx);
  data.catch(() => {});
  if (await tools.isLeader()) return false;
  // The status it has, read while the databag is: most of the time it says so already, and then
  // there is nothing to set (one round of hook tools less).
  const current = tools.statusGet(false).catch(() => null);
  const bag = await data;
  const named = bag === null ? null : recordedLeader(bag, ctx.appName);
  const status = standbyStatus(named, ctx.unitName);
  const now = await current;
  if (now?.status === status.status && now.message === status.message) return true;
  await tools.statusSet(status.status, status.message);
  return true;
}
