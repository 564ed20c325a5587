/**
 * Desired-state reconcile of the objects the charm owns. Each kind's desired set is compared with
 * the labelled live objects: changed or missing objects are applied, unchanged ones are left
 * alone (a steady-state reconcile writes nothing), and labelled objects no longer desired are
 * deleted. Objects without our label, or labelled for another application, are never touched.
 */
import type { KubeClient } from "./types.ts";
import { KubeError, type KubeObject, type ResourceKind } from "./types.ts";

export const MANAGED_BY = "gateway-api-integrator.charm.juju.is/managed-by";
/** Digest of what we last applied: lets a reconcile see that a field we used to set is gone. */
export const DESIRED_HASH = "gateway-api-integrator.charm.juju.is/desired-hash";

export interface DesiredSet {
  readonly kind: ResourceKind;
  readonly objects: readonly KubeObject[];
  /** Each object stands alone: one the API refuses as invalid (422) is reported in `rejected`
   * and the others are still applied, instead of the reconcile failing. */
  readonly isolated?: boolean;
}

/** A desired object the API refused as invalid, in an isolated set. */
export interface Rejection {
  /** `Kind/name`. */
  readonly object: string;
  readonly error: KubeError;
}

export interface ReconcileReport {
  readonly applied: string[];
  readonly deleted: string[];
  readonly unchanged: string[];
  /** Objects whose field ownership was taken over from an earlier charm's updates. */
  readonly adopted: string[];
  /** Each desired object as it is live now (`Kind/name`): status included, no extra read. */
  readonly live: Map<string, KubeObject>;
  /** Objects of isolated sets the API refused; a live object of that name is left as it is. */
  readonly rejected: Rejection[];
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

/** The `name` of every item, when each is an object with a name of its own (else null). */
function uniqueNames(items: readonly unknown[]): string[] | null {
  const names = items.map((item) =>
    item !== null && typeof item === "object" &&
      typeof (item as { name?: unknown }).name === "string"
      ? (item as { name: string }).name
      : null
  );
  if (names.some((name) => name === null)) return null;
  return new Set(names).size === names.length ? names as string[] : null;
}

/**
 * Whether `live` holds every value of `desired` (the server adds defaults and metadata). Lists of
 * items with unique names (a Gateway's listeners, a Service's ports, backendRefs) are compared by
 * name, not by position: server-side apply merges a listener list keyed by name, and may keep the
 * live order where the applied one differs, which no re-apply changes; the order means nothing.
 */
export function contains(live: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    const names = uniqueNames(desired);
    if (names !== null && uniqueNames(live) !== null) {
      return desired.every((item, index) =>
        contains(live.find((entry) => (entry as { name: string }).name === names[index]), item)
      );
    }
    return desired.every((item, index) => contains(live[index], item));
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

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
  [key: string]: unknown;
}

function mergeFieldSets(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = merged[key];
    merged[key] = mine && typeof mine === "object" && value && typeof value === "object"
      ? mergeFieldSets(mine as Record<string, unknown>, value as Record<string, unknown>)
      : value;
  }
  return merged;
}

/**
 * Managed fields with our manager's `Update` entries turned into its `Apply` entry, or null when
 * there is nothing to change. Objects written by create or merge patch (as the Python charm wrote
 * its Gateway) belong to an `Update` manager, and server-side apply never removes fields it does
 * not own: without this, a listener the charm stops wanting would stay forever.
 */
export function adoptedManagedFields(
  object: KubeObject,
  manager: string,
): ManagedFieldsEntry[] | null {
  const entries = (object.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const ours = (e: ManagedFieldsEntry) => e.manager === manager && !e.subresource;
  const updates = entries.filter((e) => ours(e) && e.operation === "Update");
  if (updates.length === 0) return null;
  const apply = entries.find((e) => ours(e) && e.operation === "Apply");
  const fields = [...updates, ...(apply ? [apply] : [])]
    .reduce((set, e) => mergeFieldSets(set, e.fieldsV1 ?? {}), {} as Record<string, unknown>);
  const adopted: ManagedFieldsEntry = {
    ...(apply ?? updates[0]),
    operation: "Apply",
    fieldsV1: fields,
  };
  return [
    ...entries.filter((e) => !(ours(e) && (e.operation === "Update" || e.operation === "Apply"))),
    adopted,
  ];
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
  const report: ReconcileReport = {
    applied: [],
    deleted: [],
    unchanged: [],
    adopted: [],
    live: new Map(),
    rejected: [],
  };
  for (const { kind, objects, isolated } of sets) {
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
    let owned = listed.get(kind.kind);
    if (owned === undefined) {
      try {
        owned = await listOwned(client, app, kind);
      } catch (error) {
        if (!(isolated && error instanceof KubeError && error.kind === "not-found")) throw error;
        // The cluster does not serve the kind (its CRD is not installed): none of it can be
        // ours, and each desired object is refused alone, as an invalid one is.
        for (const object of objects) {
          const name = `${kind.kind}/${object.metadata.name}`;
          report.rejected.push({
            object: name,
            error: new KubeError(
              "invalid",
              `the cluster does not serve ${kind.kind} (${kind.apiVersion}): install its CRD`,
              { object: name },
            ),
          });
        }
        continue;
      }
    }
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
      if (current && !current.metadata.annotations?.[DESIRED_HASH]) {
        // Labelled for us but never applied by this charm: written by an earlier charm revision.
        const managedFields = adoptedManagedFields(current, client.fieldManager);
        if (managedFields) {
          await client.mergePatch(kind, name, { metadata: { managedFields } });
          report.adopted.push(`${kind.kind}/${name}`);
        }
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
      let applied: KubeObject;
      try {
        applied = await client.apply(kind, desired);
      } catch (error) {
        if (!(isolated && error instanceof KubeError && error.kind === "invalid")) throw error;
        report.rejected.push({ object: `${kind.kind}/${name}`, error });
        continue;
      }
      report.live.set(`${kind.kind}/${name}`, applied);
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
