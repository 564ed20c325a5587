/**
 * The charm's own peer relation (`gateway-peers`). In its application databag, which only the
 * leader writes and every unit of the application reads:
 *
 * - `leader`: the leader's unit name, so that a standby names the unit that reconciles with one
 *   `relation-get` (a plain string);
 * - `ingress-<relation id>`: a copy of our application databag in that ingress relation, as the
 *   leader last wrote or read it (a JSON object of strings), so that a reconcile need not read
 *   it back from every requirer (`src/gather/published.ts` says when it may trust the copy).
 *   Juju commits the relation writes of a hook together, or none of them, so a copy and its
 *   databag change together.
 */
import type { Databag } from "../juju/tools.ts";
import { byCodeUnits } from "../order.ts";

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

/** The key of the copy of our databag in an ingress relation. */
export function ingressCopyKey(relationId: number): string {
  return `ingress-${relationId}`;
}

/** Relation ids are small whole numbers: a longer one is no key of ours. */
const INGRESS_COPY = /^ingress-(0|[1-9][0-9]{0,8})$/;

/** A copy as written (`raw`, compared as text), and its databag when it reads as one. */
export interface IngressCopy {
  readonly raw: string;
  readonly data: Databag | null;
}

/**
 * The copies of our ingress databags the peer databag holds, by relation id. A copy that is not
 * a JSON object of strings has no `data`: it is not trusted, and the next write replaces it.
 */
export function ingressCopies(data: Databag): Map<number, IngressCopy> {
  const copies = new Map<number, IngressCopy>();
  for (const [key, raw] of Object.entries(data)) {
    const match = INGRESS_COPY.exec(key);
    if (match) copies.set(Number(match[1]), { raw, data: parseCopy(raw) });
  }
  return copies;
}

function parseCopy(raw: string): Databag | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const entries = Object.entries(value);
  return entries.every(([, item]) => typeof item === "string")
    ? Object.fromEntries(entries) as Databag
    : null;
}

/** A databag as its copy: keys sorted, so that equal databags give equal text. */
export function renderIngressCopy(data: Databag): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(data).sort(([a], [b]) => byCodeUnits(a, b))),
  );
}
