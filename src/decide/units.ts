/**
 * Several units: the leader reconciles and records its name in the peer relation; every other
 * unit is a standby that names it. Pure: the standby's status, and the leader's peer write.
 */
import type { Outcome, RelationWrite } from "../outcome.ts";
import { renderLeader } from "../interfaces/peers.ts";
import type { RelationRef } from "../juju/tools.ts";

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

/** What the leader knows of the peer relation: its id, and the leader the databag names. */
export interface PeersWorld {
  readonly relation: RelationRef;
  readonly recordedLeader: string | null;
}

/** The leader names itself in the peer databag when it does not already (0 writes otherwise). */
export function leaderRecord(peers: PeersWorld | null, self: string): RelationWrite[] {
  if (peers === null || peers.recordedLeader === self) return [];
  return [{ relation: peers.relation, data: renderLeader(self), needsObjects: false }];
}

/** The outcome of a leader's reconcile, with its name recorded for the standbys. */
export function withLeaderRecord(
  outcome: Outcome,
  peers: PeersWorld | null,
  self: string,
): Outcome {
  if (outcome.retry !== undefined) return outcome;
  const record = leaderRecord(peers, self);
  return record.length === 0 ? outcome : { ...outcome, writes: [...outcome.writes, ...record] };
}
