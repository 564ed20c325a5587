/**
 * The charm's own peer relation (`gateway-peers`): the leader keeps its unit name under `leader`
 * in the application databag, which every unit of the application can read, so that a standby
 * names the unit that reconciles with one `relation-get`. Plain strings, no JSON.
 */
import type { Databag } from "../juju/tools.ts";

export const PEERS_ENDPOINT = "gateway-peers";

const UNIT = /^([a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)\/(0|[1-9][0-9]*)$/;

/** The leader the databag names, when it is a unit of `app` (anything else reads as unknown). */
export function recordedLeader(data: Databag, app: string): string | null {
  const value = data.leader ?? "";
  const match = UNIT.exec(value);
  return match !== null && match[1] === app ? value : null;
}

/** The keys the leader writes to name itself. */
export function renderLeader(unit: string): Record<string, string> {
  return { leader: unit };
}
