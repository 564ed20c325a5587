/**
 * Several units: the leader reconciles and records its name in the peer relation; every other
 * unit is a standby that names it. The leader also keeps there a copy of its databag in each
 * ingress relation (`src/gather/published.ts`). Pure: the standby's status, and the leader's
 * peer writes.
 */
import type { Outcome, RelationWrite } from "../outcome.ts";
import {
  type IngressCopy,
  ingressCopyKey,
  renderIngressCopy,
  renderLeader,
} from "../interfaces/peers.ts";
import type { Databag, RelationRef } from "../juju/tools.ts";
import type { IngressRequirer } from "../world.ts";

/** A standby is Active: it is healthy, it just does not reconcile. */
export function standbyStatus(
  leader: string | null,
  self: string,
): NonNullable<Outcome["status"]> {
  return {
    status: "active",
    message: leader !== null && leader !== self
      ? `standby: ${leader} reconciles`
      : "standby: waiting for the new leader to reconcile",
  };
}

/** What the leader knows of the peer relation: its id, the leader the databag names, and the
 * copies of our ingress databags it holds (`src/interfaces/peers.ts`). */
export interface PeersWorld {
  readonly relation: RelationRef;
  readonly recordedLeader: string | null;
  readonly ingressCopies: ReadonlyMap<number, IngressCopy>;
}

/** The leader names itself in the peer databag when it does not already (0 writes otherwise). */
export function leaderRecord(peers: PeersWorld | null, self: string): RelationWrite[] {
  if (peers === null || peers.recordedLeader === self) return [];
  return [{ relation: peers.relation, data: renderLeader(self), needsObjects: false }];
}

/** A databag after writes to it, in order (`""` deletes a key, as in Juju). */
export function afterWrites(databag: Databag, writes: readonly RelationWrite[]): Databag {
  const result: Record<string, string> = { ...databag };
  for (const write of writes) {
    for (const [key, value] of Object.entries(write.data)) {
      if (value === "") delete result[key];
      else result[key] = value;
    }
  }
  return result;
}

/**
 * The copies of our ingress databags as they will be after `writes`: each copy that differs
 * from the one the peer databag holds is written with its relation's writes and under the same
 * condition (`needsObjects`), so that a write left out leaves the copy as its databag is (the
 * `always` write comes first: apply merges a relation's writes in order); the copies of
 * relations no longer read are removed. 0 writes when every copy holds.
 */
export function ingressCopyWrites(
  peers: PeersWorld | null,
  requirers: readonly IngressRequirer[],
  writes: readonly RelationWrite[],
): RelationWrite[] {
  if (peers === null) return [];
  const always: Record<string, string> = {};
  const withObjects: Record<string, string> = {};
  for (const requirer of requirers) {
    const key = ingressCopyKey(requirer.relation.id);
    const held = peers.ingressCopies.get(requirer.relation.id)?.raw;
    const own = writes.filter((write) => write.relation.id === requirer.relation.id);
    // What the databag holds after the writes that are always made, and after all of them: the
    // copy is written as the first, then (with the writes that need the objects) as the second,
    // so that it ends as its databag does whether or not those are left out.
    const unconditional = renderIngressCopy(
      afterWrites(requirer.databag, own.filter((write) => !write.needsObjects)),
    );
    const after = renderIngressCopy(afterWrites(requirer.databag, own));
    if (unconditional !== held) always[key] = unconditional;
    if (after !== unconditional) withObjects[key] = after;
  }
  const read = new Set(requirers.map((requirer) => requirer.relation.id));
  for (const id of peers.ingressCopies.keys()) {
    if (!read.has(id)) always[ingressCopyKey(id)] = "";
  }
  return [
    ...(Object.keys(always).length > 0
      ? [{ relation: peers.relation, data: always, needsObjects: false }]
      : []),
    ...(Object.keys(withObjects).length > 0
      ? [{ relation: peers.relation, data: withObjects, needsObjects: true }]
      : []),
  ];
}

/** The outcome of a leader's reconcile, with its name recorded for the standbys and its ingress
 * databags copied. */
export function withPeerRecords(
  outcome: Outcome,
  peers: PeersWorld | null,
  self: string,
  requirers: readonly IngressRequirer[],
): Outcome {
  if (outcome.retry !== undefined) return outcome;
  const records = [
    ...leaderRecord(peers, self),
    ...ingressCopyWrites(peers, requirers, outcome.writes),
  ];
  return records.length === 0 ? outcome : { ...outcome, writes: [...outcome.writes, ...records] };
}
