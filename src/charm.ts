/**
 * The charm: decides what each event does and runs the one reconcile (gather → decide → apply →
 * report). This is the only module that knows the order of things.
 */
import { type CharmConfig, parseConfig } from "./config.ts";
import { gatewayAddresses } from "./gateway/address.ts";
import { desiredObjects, type IngressPlanInput, ingressUrl, urlBase } from "./gateway/plan.ts";
import type { Backend } from "./gateway/objects.ts";
import {
  IngressDataError,
  parseIngressRequest,
  publishedUrl,
  renderIngressProvider,
} from "./interfaces/ingress.ts";
import type { HookContext, JujuEvent } from "./juju/context.ts";
import { HookToolError } from "./juju/errors.ts";
import type { HookTools, RelationRef } from "./juju/tools.ts";
import type { KubeClient } from "./k8s/client.ts";
import { reconcileOwned } from "./k8s/reconcile.ts";
import { KINDS, KubeError, TRUST_MESSAGE } from "./k8s/types.ts";
import {
  type Integrations,
  MESSAGES,
  validateAfterCluster,
  validateBeforeCluster,
  validateGatewayClass,
} from "./validation.ts";

export const ENDPOINTS = {
  ingress: "gateway",
  gatewayRoute: "gateway-route",
  certificates: "certificates",
  dnsRecord: "dns-record",
} as const;

/** Exit codes: 0 done (even when blocked), 1 failed in a way a retry of the hook can fix. */
export type ExitCode = 0 | 1;

/** How the charm reaches Kubernetes; tests and the demo pass their own. */
export type Connector = (ctx: HookContext) => Promise<KubeClient>;

export const connectFromEnvironment: Connector = async (ctx) => {
  const { connect } = await import("./k8s/client.ts");
  return await connect({
    namespace: ctx.modelName,
    fieldManager: ctx.appName,
    env: Deno.env.toObject(),
  });
};

/** Events that run the reconcile. `stop` does not; `remove` cleans up; unknown hooks are ignored. */
function reconciles(event: JujuEvent): boolean {
  switch (event.kind) {
    case "lifecycle":
      return event.hook !== "stop" && event.hook !== "remove";
    case "relation":
      return true;
    case "secret":
      return event.phase === "changed";
    default:
      return false;
  }
}

/** Relations of an endpoint, leaving out the one whose `-broken` hook is running. */
async function liveRelations(
  tools: HookTools,
  event: JujuEvent,
  endpoint: string,
): Promise<RelationRef[]> {
  const relations = await tools.relationIds(endpoint);
  if (event.kind === "relation" && event.phase === "broken" && event.endpoint === endpoint) {
    return relations.filter((relation) => relation.id !== event.relationId);
  }
  return relations;
}

interface Requirer {
  readonly relation: RelationRef;
  readonly app: string;
  readonly backend: Backend | null;
  readonly error: string | null;
  /** The requirer has not written its data yet. */
  readonly pending: boolean;
  /** The URL our databag currently holds for it. */
  readonly currentUrl: string | null;
}

/** Reads one ingress relation; a relation that vanished meanwhile is skipped (null). */
async function readRequirer(
  ctx: HookContext,
  tools: HookTools,
  relation: RelationRef,
): Promise<Requirer | null> {
  const { event } = ctx;
  try {
    const app = event.kind === "relation" && event.relationId === relation.id && event.remoteApp
      ? event.remoteApp
      : await tools.relationRemoteApp(relation);
    const units = await tools.relationUnits(relation);
    const appData = await tools.relationGet(relation, app, true);
    const unitData: Record<string, Readonly<Record<string, string>>> = {};
    for (const unit of units) unitData[unit] = await tools.relationGet(relation, unit, false);
    const currentUrl = publishedUrl(await tools.relationGet(relation, ctx.appName, true));
    try {
      const request = parseIngressRequest(appData, unitData);
      const backend = {
        model: request.model,
        app: request.name,
        port: request.port,
        stripPrefix: request.stripPrefix,
      };
      return { relation, app, backend, error: null, pending: false, currentUrl };
    } catch (error) {
      if (!(error instanceof IngressDataError)) throw error;
      if (error.incomplete) {
        return { relation, app, backend: null, error: null, pending: true, currentUrl };
      }
      return { relation, app, backend: null, error: error.message, pending: false, currentUrl };
    }
  } catch (error) {
    if (error instanceof HookToolError && error.kind === "relation-not-found") return null;
    throw error;
  }
}

/** Two requirers must not claim the same path (possible across models with equal names). */
function rejectDuplicates(requirers: Requirer[]): Requirer[] {
  const seen = new Map<string, string>();
  return requirers.map((requirer) => {
    if (!requirer.backend) return requirer;
    const key = requirer.backend.app;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, requirer.app);
      return requirer;
    }
    return {
      ...requirer,
      backend: null,
      error: `application name "${key}" is already used by the ingress of ${first}`,
    };
  });
}

/** Publishes or wipes each requirer's URL, writing only what changes. */
async function publishUrls(
  tools: HookTools,
  requirers: readonly Requirer[],
  urls: Map<number, string>,
) {
  for (const requirer of requirers) {
    const url = urls.get(requirer.relation.id) ?? null;
    if (url === requirer.currentUrl) continue;
    await tools.relationSet(requirer.relation, renderIngressProvider(url), true);
  }
}

function invalidRequirersMessage(requirers: readonly Requirer[]): string | null {
  const invalid = requirers.filter((requirer) => requirer.error !== null);
  if (invalid.length === 0) return null;
  const details = invalid.map((requirer) => `${requirer.app}: ${requirer.error}`).join("; ");
  const message = `Validation of ingress relation data failed. ${details}`;
  return message.length > 500 ? `${message.slice(0, 497)}...` : message;
}

function activeMessage(config: CharmConfig, addresses: readonly string[]): string {
  // Existing tooling reads the address as the third word: keep "Gateway addresses: <first>".
  const suffix = config.enforceHttps ? "" : " (enforce-https is set to false)";
  return `Gateway addresses: ${addresses.join(" ")}${suffix}`;
}

/** What a Kubernetes failure means for the unit: a Blocked message, or null to retry the hook. */
function blockedMessageFor(error: KubeError): string | null {
  switch (error.kind) {
    case "forbidden":
      return TRUST_MESSAGE;
    case "config":
      return `Kubernetes API not configured: ${error.message}`;
    case "conflict":
      return error.details.reason === "AlreadyExists" ? error.message : null;
    case "invalid": {
      const cause = error.details.causes?.[0];
      const detail = cause ? `${cause.field}: ${cause.message}` : error.message;
      return `Kubernetes rejected ${error.details.object ?? "an object"}: ${detail}`.slice(0, 500);
    }
    case "not-found":
      return error.details.object === "gatewayclasses"
        ? "Gateway API is not installed in the cluster (no gatewayclasses.gateway.networking.k8s.io)"
        : null;
    default:
      return null;
  }
}

interface Reconciler {
  readonly ctx: HookContext;
  readonly tools: HookTools;
  readonly connect: Connector;
}

/** Deletes our routes and Services and wipes every published URL (the Python charm's cleanup on
 * Blocked, without its stale URLs). The Gateway and Secrets stay. */
async function withdrawIngress(r: Reconciler, requirers: readonly Requirer[]) {
  try {
    const client = await r.connect(r.ctx);
    await reconcileOwned(client, r.ctx.appName, [
      { kind: KINDS.httpRoute, objects: [] },
      { kind: KINDS.service, objects: [] },
    ]);
  } catch (error) {
    await r.tools.log("WARNING", `could not remove routes and Services: ${describeError(error)}`);
  }
  await publishUrls(r.tools, requirers, new Map());
}

/** One holistic pass: read everything, decide, apply, report. */
export async function reconcile(r: Reconciler): Promise<void> {
  const { ctx, tools } = r;
  if (!(await tools.isLeader())) {
    await tools.statusSet("blocked", MESSAGES.notLeader);
    return;
  }
  const config = parseConfig(await tools.configGet());
  const [ingress, gatewayRoute, certificates] = await Promise.all([
    liveRelations(tools, ctx.event, ENDPOINTS.ingress),
    liveRelations(tools, ctx.event, ENDPOINTS.gatewayRoute),
    liveRelations(tools, ctx.event, ENDPOINTS.certificates),
  ]);
  const integrations: Integrations = {
    ingress: ingress.length > 0,
    gatewayRoute: gatewayRoute.length > 0,
    certificates: certificates.length > 0,
  };
  const requirers: Requirer[] = [];
  for (const relation of ingress) {
    const requirer = await readRequirer(ctx, tools, relation);
    if (requirer) requirers.push(requirer);
  }
  const checked = rejectDuplicates(requirers);

  const problem = "message" in config
    ? config.message
    : validateBeforeCluster(config, integrations);
  if ("message" in config || problem !== null) {
    await withdrawIngress(r, checked);
    await tools.statusSet("blocked", problem ?? "invalid configuration");
    return;
  }

  let client: KubeClient;
  try {
    client = await r.connect(ctx);
    const classes = (await client.list(KINDS.gatewayClass)).map((gc) => gc.metadata.name);
    const invalidState = validateGatewayClass(config, classes) ??
      validateAfterCluster(config, integrations);
    if (invalidState !== null) {
      await withdrawIngress(r, checked);
      await tools.statusSet("blocked", invalidState);
      return;
    }
    const backends = checked.flatMap((requirer) => (requirer.backend ? [requirer.backend] : []));
    const input: IngressPlanInput = {
      gateway: ctx.appName,
      namespace: client.namespace,
      config,
      certificatesRelated: integrations.certificates,
      tls: [],
      backends,
    };
    const report = await reconcileOwned(
      client,
      ctx.appName,
      desiredObjects(input, integrations.ingress),
    );
    const addresses = gatewayAddresses(report.live.get(`Gateway/${ctx.appName}`));
    const base = urlBase(input, addresses.usable[0] ?? null);
    const urls = new Map<number, string>();
    for (const requirer of checked) {
      if (requirer.backend && base !== null) {
        urls.set(requirer.relation.id, ingressUrl(base, requirer.backend));
      }
    }
    await publishUrls(tools, checked, urls);

    const invalid = invalidRequirersMessage(checked);
    const pending = checked.filter((requirer) => requirer.pending).map((requirer) => requirer.app);
    const unsupported = addresses.unsupported.join(", ");
    if (invalid !== null) {
      await tools.statusSet("blocked", invalid);
    } else if (addresses.usable.length === 0 && unsupported) {
      await tools.log("WARNING", `Gateway reported unsupported addresses: ${unsupported}`);
      await tools.statusSet("blocked", "Gateway reported unsupported address");
    } else if (addresses.usable.length === 0) {
      await tools.statusSet("waiting", "Waiting for gateway address");
    } else if (pending.length > 0) {
      await tools.statusSet("waiting", `Waiting for ingress data from ${pending.join(", ")}`);
    } else {
      await tools.statusSet("active", activeMessage(config, addresses.usable));
    }
  } catch (error) {
    if (!(error instanceof KubeError)) throw error;
    const message = blockedMessageFor(error);
    if (message === null) throw error;
    await tools.log("ERROR", describeError(error));
    await tools.statusSet("blocked", message);
  }
}

/** On `remove`: when the whole application is going away, delete everything it owns. A unit
 * removed from a living application (scale-down) leaves the objects to the remaining leader. */
async function removeAll(r: Reconciler): Promise<void> {
  const goal = await r.tools.goalState();
  const remaining = Object.values(goal.units).filter((unit) => unit.status !== "dying").length;
  if (remaining > 0) {
    await r.tools.log("INFO", `${remaining} unit(s) remain: Kubernetes objects are kept`);
    return;
  }
  const client = await r.connect(r.ctx);
  const report = await reconcileOwned(client, r.ctx.appName, [
    { kind: KINDS.httpRoute, objects: [] },
    { kind: KINDS.service, objects: [] },
    { kind: KINDS.gateway, objects: [] },
    { kind: KINDS.secret, objects: [] },
  ]);
  await r.tools.log(
    "INFO",
    `application removed: deleted ${report.deleted.join(", ") || "nothing"}`,
  );
}

async function getCertificateAction(ctx: HookContext, tools: HookTools): Promise<void> {
  const params = await tools.actionGet();
  const hostname = typeof params.hostname === "string" ? params.hostname : "";
  const certificates = await liveRelations(tools, ctx.event, ENDPOINTS.certificates);
  if (certificates.length === 0) {
    await tools.actionFail("Certificate relation not ready.");
    return;
  }
  // Reading issued certificates arrives with TLS support; until then say so instead of guessing.
  await tools.actionFail(`Certificate lookup for ${hostname} is not supported by this version yet`);
}

async function runAction(ctx: HookContext, tools: HookTools, name: string): Promise<void> {
  switch (name) {
    case "get-certificate":
      return await getCertificateAction(ctx, tools);
    default:
      await tools.actionFail(`Unknown action: ${name}`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof HookToolError) {
    return `${error.tool} failed (${error.kind}): ${error.message}`;
  }
  if (error instanceof KubeError) {
    const where = error.details.object
      ? ` ${error.details.verb ?? ""} ${error.details.object}`.trimEnd()
      : "";
    return `Kubernetes API error (${error.kind}${where}): ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs the event. Any failure is logged and makes the hook fail so that Juju retries it. */
export async function handleEvent(
  ctx: HookContext,
  tools: HookTools,
  connect: Connector = connectFromEnvironment,
): Promise<ExitCode> {
  const { event } = ctx;
  const r: Reconciler = { ctx, tools, connect };
  try {
    if (event.kind === "action") {
      await runAction(ctx, tools, event.name);
    } else if (event.kind === "lifecycle" && event.hook === "remove") {
      await removeAll(r);
    } else if (reconciles(event)) {
      await reconcile(r);
    }
    return 0;
  } catch (error) {
    const message = `${"hook" in event ? event.hook : event.name} failed: ${describeError(error)}`;
    console.error(message);
    await tools.log("ERROR", message).catch(() => {});
    return 1;
  }
}
