/**
 * What the Gateway controller says about our objects: the conditions of the owned Gateway and of
 * each of its listeners, and of every owned route's `status.parents` entries that the controller
 * of the Gateway's class wrote for our Gateway. Read from the objects the reconcile already
 * listed (no request of its own). Every value is the cluster's word: it is parsed here once, entry
 * by entry (an unreadable entry is skipped, never fatal), and its text stays untrusted.
 */
import * as z from "zod/mini";
import { L4_OWNED_KINDS } from "../gateway/l4.ts";
import { listOwned } from "../k8s/reconcile.ts";
import { KINDS, type KubeClient, KubeError, type KubeObject } from "../k8s/types.ts";

export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  /** Null when the controller did not say which generation it saw. */
  readonly observedGeneration: number | null;
}

export interface ObjectConditions {
  /** The object's `metadata.generation` (null when the server gave none). */
  readonly generation: number | null;
  readonly conditions: readonly Condition[];
}

export interface ListenerConditions {
  readonly name: string;
  /** From the live spec: null when the listener has none, or is not in the spec. */
  readonly hostname: string | null;
  readonly port: number | null;
  readonly conditions: readonly Condition[];
}

export interface GatewayConditions extends ObjectConditions {
  readonly listeners: readonly ListenerConditions[];
}

export interface ClusterConditions {
  /** The controller of the Gateway's class (null without a Gateway, or a class naming none). */
  readonly controller: string | null;
  /** Null when there is no Gateway. */
  readonly gateway: GatewayConditions | null;
  /** Every owned route by `Kind/name`: its generation and the conditions of the controller's
   * entries for our Gateway (none when it wrote none). */
  readonly routes: ReadonlyMap<string, ObjectConditions>;
}

const ConditionSchema = z.object({
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.optional(z.string()),
  message: z.optional(z.string()),
  observedGeneration: z.optional(z.number()),
});

const ListenerSchema = z.object({
  name: z.string(),
  conditions: z.optional(z.array(z.unknown())),
});

const ParentSchema = z.object({
  controllerName: z.string(),
  parentRef: z.object({ name: z.string(), namespace: z.optional(z.string()) }),
  conditions: z.optional(z.array(z.unknown())),
});

const ListenerSpecSchema = z.object({
  name: z.string(),
  hostname: z.optional(z.string()),
  port: z.optional(z.number()),
});

/** The readable entries of a list that may be anything. */
function entries<T>(schema: z.ZodMiniType<T>, value: unknown): T[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    const parsed = schema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

function conditionsOf(value: unknown): Condition[] {
  return entries(ConditionSchema, value).map((entry) => ({
    type: entry.type,
    status: entry.status,
    reason: entry.reason ?? "",
    message: entry.message ?? "",
    observedGeneration: entry.observedGeneration ?? null,
  }));
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};

function generationOf(object: KubeObject): number | null {
  const generation = object.metadata.generation;
  return typeof generation === "number" ? generation : null;
}

function gatewayConditions(gateway: KubeObject): GatewayConditions {
  const status = record(gateway.status);
  const specs = new Map(
    entries(ListenerSpecSchema, record(gateway.spec).listeners).map((spec) => [spec.name, spec]),
  );
  return {
    generation: generationOf(gateway),
    conditions: conditionsOf(status.conditions),
    listeners: entries(ListenerSchema, status.listeners).map((listener) => {
      const spec = specs.get(listener.name);
      return {
        name: listener.name,
        hostname: spec?.hostname ?? null,
        port: spec?.port ?? null,
        conditions: conditionsOf(listener.conditions),
      };
    }),
  };
}

/** The conditions in the listed objects: `owned` by kind name, `classes` every GatewayClass. */
export function readConditions(
  owned: ReadonlyMap<string, readonly KubeObject[]>,
  classes: readonly KubeObject[],
  gatewayName: string,
  namespace: string,
): ClusterConditions {
  const gateway = (owned.get(KINDS.gateway.kind) ?? []).find((object) =>
    object.metadata.name === gatewayName
  );
  const className = record(gateway?.spec).gatewayClassName;
  const gatewayClass = classes.find((object) => object.metadata.name === className);
  const controllerName = record(gatewayClass?.spec).controllerName;
  const controller = typeof controllerName === "string" ? controllerName : null;
  const routes = new Map<string, ObjectConditions>();
  for (const [kind, objects] of owned) {
    if (!kind.endsWith("Route")) continue;
    for (const route of objects) {
      const ours = entries(ParentSchema, record(route.status).parents).filter((parent) =>
        controller !== null && parent.controllerName === controller &&
        parent.parentRef.name === gatewayName &&
        (parent.parentRef.namespace ?? route.metadata.namespace ?? namespace) === namespace
      );
      routes.set(`${kind}/${route.metadata.name}`, {
        generation: generationOf(route),
        conditions: ours.flatMap((parent) => conditionsOf(parent.conditions)),
      });
    }
  }
  return {
    controller,
    gateway: gateway === undefined ? null : gatewayConditions(gateway),
    routes,
  };
}

/** The owned objects an action judges, and what the controller says in them. */
export interface ListedConditions {
  readonly owned: ReadonlyMap<string, readonly KubeObject[]>;
  readonly conditions: ClusterConditions;
}

/**
 * For an action, which lists nothing else: the GatewayClasses and our routes of every kind (an
 * L4 kind whose CRD is not installed has none), read at once, and their conditions with those of
 * `gateway`. Null when the cluster refuses the reads (the action then shows no conditions).
 */
export async function listConditions(
  client: KubeClient,
  app: string,
  gateway: Promise<KubeObject | null>,
): Promise<ListedConditions | null> {
  const kinds = [KINDS.httpRoute, ...L4_OWNED_KINDS];
  try {
    const [live, classes, ...lists] = await Promise.all([
      gateway,
      client.list(KINDS.gatewayClass),
      ...kinds.map((kind) =>
        listOwned(client, app, kind).catch((error) => {
          if (
            error instanceof KubeError && error.kind === "not-found" && kind !== KINDS.httpRoute
          ) {
            return [];
          }
          throw error;
        })
      ),
    ]);
    const owned = new Map<string, readonly KubeObject[]>(
      kinds.map((kind, i) => [kind.kind, lists[i]]),
    );
    if (live !== null) owned.set(KINDS.gateway.kind, [live]);
    return { owned, conditions: readConditions(owned, classes, app, client.namespace) };
  } catch (error) {
    if (error instanceof KubeError) return null;
    throw error;
  }
}
