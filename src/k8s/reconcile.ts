/**
 * Desired-state reconcile of the objects the charm owns. Each kind's desired set is compared with
 * the labelled live objects: changed or missing objects are applied, unchanged ones are left
 * alone (a steady-state reconcile writes nothing), and labelled objects no longer desired are
 * deleted. Objects without our label, or labelled for another application, are never touched.
 */
import type { KubeClient } from "./client.ts";
import { KubeError, type KubeObject, type ResourceKind } from "./types.ts";

export const MANAGED_BY = "gateway-api-integrator.charm.juju.is/managed-by";
/** Digest of what we last applied: lets a reconcile see that a field we used to set is gone. */
export const DESIRED_HASH = "gateway-api-integrator.charm.juju.is/desired-hash";

export interface DesiredSet {
  readonly kind: ResourceKind;
  readonly objects: readonly KubeObject[];
}

export interface ReconcileReport {
  readonly applied: string[];
  readonly deleted: string[];
  readonly unchanged: string[];
  /** Each desired object as it is live now (`Kind/name`): status included, no extra read. */
  readonly live: Map<string, KubeObject>;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${
      entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(",")
    }}`;
  }
  return JSON.stringify(value);
}

async function digest(object: KubeObject): Promise<string> {
  const bytes = new TextEncoder().encode(canonical(object));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...hash.slice(0, 16)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Whether `live` holds every value of `desired` (the server adds defaults and metadata). */
export function contains(live: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length &&
      desired.every((item, index) => contains(live[index], item));
  }
  if (desired !== null && typeof desired === "object") {
    if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
    const liveRecord = live as Record<string, unknown>;
    return Object.entries(desired).every(([key, value]) =>
      value === undefined || contains(liveRecord[key], value)
    );
  }
  return live === desired;
}

/** The desired object as it is applied: with our label and the digest of its content. */
export async function withOwnership(app: string, object: KubeObject): Promise<KubeObject> {
  const labelled: KubeObject = {
    ...object,
    metadata: { ...object.metadata, labels: { ...object.metadata.labels, [MANAGED_BY]: app } },
  };
  const hash = await digest(labelled);
  return {
    ...labelled,
    metadata: {
      ...labelled.metadata,
      annotations: { ...labelled.metadata.annotations, [DESIRED_HASH]: hash },
    },
  };
}

/** The objects of a kind labelled for this application. */
export function listOwned(
  client: KubeClient,
  app: string,
  kind: ResourceKind,
): Promise<KubeObject[]> {
  return client.list(kind, `${MANAGED_BY}=${app}`);
}

function isOwnedBy(object: KubeObject, app: string): boolean {
  return object.metadata.labels?.[MANAGED_BY] === app;
}

/**
 * Converges each kind in the order given: applies what differs, then deletes what is no longer
 * desired, before moving to the next kind.
 */
export async function reconcileOwned(
  client: KubeClient,
  app: string,
  sets: readonly DesiredSet[],
  /** Labelled objects of a kind already listed in this hook, by kind name: not listed again. */
  listed: ReadonlyMap<string, readonly KubeObject[]> = new Map(),
): Promise<ReconcileReport> {
  const report: ReconcileReport = { applied: [], deleted: [], unchanged: [], live: new Map() };
  for (const { kind, objects } of sets) {
    const names = new Set<string>();
    for (const object of objects) {
      if (names.has(object.metadata.name)) {
        throw new KubeError(
          "invalid",
          `two desired ${kind.kind} objects are named ${object.metadata.name}`,
        );
      }
      names.add(object.metadata.name);
    }
    const owned = listed.get(kind.kind) ?? await listOwned(client, app, kind);
    const live = new Map(owned.map((object) => [object.metadata.name, object]));
    for (const object of objects) {
      const name = object.metadata.name;
      const desired = await withOwnership(app, object);
      const current = live.get(name);
      if (current && contains(current, desired)) {
        report.unchanged.push(`${kind.kind}/${name}`);
        report.live.set(`${kind.kind}/${name}`, current);
        continue;
      }
      if (!current) {
        // Not among ours: it must not exist at all, or applying would take over someone else's.
        const existing = await client.get(kind, name);
        if (existing && !isOwnedBy(existing, app)) {
          const owner = existing.metadata.labels?.[MANAGED_BY];
          throw new KubeError(
            "conflict",
            `${kind.kind} ${client.namespace}/${name} already exists and is not managed by ${app}` +
              (owner ? ` (it is managed by ${owner})` : "") + `: remove or rename it`,
            { reason: "AlreadyExists", verb: "apply", object: `${kind.kind}/${name}` },
          );
        }
      }
      report.live.set(`${kind.kind}/${name}`, await client.apply(kind, desired));
      report.applied.push(`${kind.kind}/${name}`);
    }
    for (const name of live.keys()) {
      if (names.has(name)) continue;
      await client.delete(kind, name);
      report.deleted.push(`${kind.kind}/${name}`);
    }
  }
  return report;
}
