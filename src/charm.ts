/**
 * The charm: decides what each event does and runs the one reconcile (gather → decide → apply →
 * report). This is the only module that knows the order of things.
 */
import { forgetCertificates, isCertificateSecret } from "./certificate_secrets.ts";
import { type CharmConfig, parseConfig } from "./config.ts";
import { gatewayAddresses } from "./gateway/address.ts";
import {
  desiredObjects,
  type GatewayPlanInput,
  ingressHost,
  ingressUrl,
  type IssuedTls,
  normalHostname,
  urlBase,
} from "./gateway/plan.ts";
import type { HookContext, JujuEvent } from "./juju/context.ts";
import { HookToolError } from "./juju/errors.ts";
import type { HookTools, RelationRef } from "./juju/tools.ts";
import type { KubeClient } from "./k8s/client.ts";
import { listOwned, reconcileOwned } from "./k8s/reconcile.ts";
import { KINDS, KubeError, type KubeObject, TRUST_MESSAGE } from "./k8s/types.ts";
import { ipVersion } from "./net.ts";
import {
  ENDPOINTS,
  type IngressRequirer,
  liveRelations,
  publishDnsEntries,
  publishIngressUrls,
  publishRouteProviderData,
  readIngressRequirers,
  readRouteRequirers,
  remoteApp,
  type RouteRequirer,
} from "./relations.ts";
import {
  type Integrations,
  MESSAGES,
  proxyMode,
  validateAfterCluster,
  validateBeforeCluster,
  validateGatewayClass,
} from "./validation.ts";

export { ENDPOINTS };

/** Exit codes: 0 done (even when blocked), 1 failed in a way a retry of the hook can fix. */
export type ExitCode = 0 | 1;

/** How the charm reaches Kubernetes; tests and the demo pass their own. */
export type Connector = (ctx: HookContext) => Promise<KubeClient>;

export const connectFromEnvironment: Connector = async (ctx) => {
  const { connect, tuningFromEnv } = await import("./k8s/client.ts");
  const env = Deno.env.toObject();
  return await connect({
    namespace: ctx.modelName,
    fieldManager: ctx.appName,
    env,
    ...tuningFromEnv(env),
  });
};

export const TLS_WAITING = "Waiting for TLS certificates to be issued.";

/** Events that run the reconcile. `stop` does not; `remove` cleans up; unknown hooks are ignored. */
function reconciles(event: JujuEvent): boolean {
  switch (event.kind) {
    case "lifecycle":
      return event.hook !== "stop" && event.hook !== "remove";
    case "relation":
      return true;
    case "secret":
      return event.phase === "changed" || event.phase === "expired";
    default:
      return false;
  }
}

interface Reconciler {
  readonly ctx: HookContext;
  readonly tools: HookTools;
  readonly connect: Connector;
}

/** Everything the reconcile reads from Juju. */
interface Gathered {
  readonly config: ReturnType<typeof parseConfig>;
  readonly integrations: Integrations;
  readonly ingress: readonly IngressRequirer[];
  readonly routes: readonly RouteRequirer[];
  readonly certificates: RelationRef | null;
  readonly dnsRecords: readonly RelationRef[];
}

async function gather(r: Reconciler): Promise<Gathered> {
  const { ctx, tools } = r;
  const [rawConfig, ingress, gatewayRoute, certificates, dnsRecords] = await Promise.all([
    tools.configGet(),
    liveRelations(tools, ctx.event, ENDPOINTS.ingress),
    liveRelations(tools, ctx.event, ENDPOINTS.gatewayRoute),
    liveRelations(tools, ctx.event, ENDPOINTS.certificates),
    liveRelations(tools, ctx.event, ENDPOINTS.dnsRecord),
  ]);
  const config = parseConfig(rawConfig);
  const [ingressRequirers, routeRequirers] = await Promise.all([
    readIngressRequirers(tools, ctx.event, ctx.appName, ingress),
    readRouteRequirers(tools, ctx.event, ctx.appName, gatewayRoute),
  ]);
  return {
    config,
    integrations: {
      ingress: ingress.length > 0,
      gatewayRoute: gatewayRoute.length > 0,
      certificates: certificates.length > 0,
    },
    ingress: ingressRequirers,
    routes: routeRequirers,
    certificates: certificates[0] ?? null,
    dnsRecords,
  };
}

/** Hostnames the Gateway serves: the ingress hostname, or every valid gateway-route requirer's. */
function managedHostnames(
  config: CharmConfig,
  integrations: Integrations,
  routes: readonly RouteRequirer[],
) {
  switch (proxyMode(integrations)) {
    case "ingress": {
      const host = ingressHost(config);
      return host === null ? [] : [host];
    }
    case "gateway-route":
      return [
        ...new Set(routes.flatMap((requirer) => (requirer.hostnames ?? []).map(normalHostname))),
      ].sort();
    default:
      return [];
  }
}

/** An IP certificate is wanted when a gateway-route requirer asks for no hostname (§2). */
function wantsIpCertificate(integrations: Integrations, routes: readonly RouteRequirer[]): boolean {
  return integrations.certificates && proxyMode(integrations) === "gateway-route" &&
    routes.some((requirer) => requirer.hostnames !== null && requirer.hostnames.length === 0);
}

function activeMessage(config: CharmConfig, addresses: readonly string[]): string {
  // Existing tooling reads the address as the third word: keep "Gateway addresses: <first>".
  const suffix = config.enforceHttps ? "" : " (enforce-https is set to false)";
  return `Gateway addresses: ${addresses.join(" ")}${suffix}`;
}

function truncated(message: string): string {
  return message.length > 500 ? `${message.slice(0, 497)}...` : message;
}

/** Blocked messages for requirers whose data is invalid: they are skipped, not fatal. */
function invalidRequirers(gathered: Gathered): string | null {
  const ingress = gathered.ingress.filter((requirer) => requirer.error !== null)
    .map((requirer) => `${requirer.app}: ${requirer.error}`);
  const routes = gathered.routes.filter((requirer) => requirer.error !== null)
    .map((requirer) => `${requirer.app}: ${requirer.error}`);
  const parts: string[] = [];
  if (ingress.length) {
    parts.push(`Validation of ingress relation data failed. ${ingress.join("; ")}`);
  }
  if (routes.length) parts.push(`Invalid gateway-route relation data: ${routes.join("; ")}`);
  return parts.length ? truncated(parts.join(" ")) : null;
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
      return truncated(`Kubernetes rejected ${error.details.object ?? "an object"}: ${detail}`);
    }
    case "not-found":
      return error.details.object === "gatewayclasses"
        ? "Gateway API is not installed in the cluster (no gatewayclasses.gateway.networking.k8s.io)"
        : null;
    default:
      return null;
  }
}

/** The connected client and the owned objects listed so far, by kind name. */
interface Kube {
  readonly client: KubeClient;
  readonly listed: ReadonlyMap<string, readonly KubeObject[]>;
}

/**
 * Connects and lists our routes and Services: every reconcile past the leader check needs them
 * (a blocked one to withdraw them), so this runs while the hook tools are read and the TLS
 * handshake and requests overlap the tool calls. The promise is awaited by whoever needs it;
 * a failure (no configuration, unreachable API) surfaces there.
 */
function connectAndList(r: Reconciler): Promise<Kube> {
  const kube = (async () => {
    const client = await r.connect(r.ctx);
    const [routes, services] = await Promise.all([
      listOwned(client, r.ctx.appName, KINDS.httpRoute),
      listOwned(client, r.ctx.appName, KINDS.service),
    ]);
    return {
      client,
      listed: new Map([[KINDS.httpRoute.kind, routes], [KINDS.service.kind, services]]),
    };
  })();
  // Not an unhandled rejection if a hook-tool failure ends the hook before anyone awaits it.
  kube.catch(() => {});
  return kube;
}

/** Deletes our routes and Services and wipes every published URL (the Python charm's cleanup on
 * Blocked, without its stale URLs). The Gateway and Secrets stay. */
async function withdrawIngress(
  r: Reconciler,
  requirers: readonly IngressRequirer[],
  kube: Promise<Kube>,
) {
  try {
    const { client, listed } = await kube;
    await reconcileOwned(client, r.ctx.appName, [
      { kind: KINDS.httpRoute, objects: [] },
      { kind: KINDS.service, objects: [] },
    ], listed);
  } catch (error) {
    await r.tools.log("WARNING", `could not remove routes and Services: ${describeError(error)}`);
  }
  await publishIngressUrls(r.tools, requirers, new Map());
}

async function blocked(r: Reconciler, gathered: Gathered, message: string, kube: Promise<Kube>) {
  await withdrawIngress(r, gathered.ingress, kube);
  await r.tools.statusSet("blocked", message);
}

interface TlsState {
  readonly issued: readonly IssuedTls[];
  readonly pending: readonly string[];
  /** Targets no certificate can be requested for, with why. */
  readonly refused: readonly string[];
}

/** A certificate's common name holds at most 64 characters (X.520): longer hostnames get none. */
const MAX_COMMON_NAME = 64;

/** Converges the certificates relation for the targets; without one, forgets TLS secrets. */
async function reconcileTls(
  r: Reconciler,
  gathered: Gathered,
  targets: readonly string[],
): Promise<TlsState> {
  if (gathered.certificates === null) {
    await forgetCertificates(r.tools);
    return { issued: [], pending: [], refused: [] };
  }
  const refused = targets.filter((target) => target.length > MAX_COMMON_NAME).map((target) =>
    `hostname ${target} is longer than ${MAX_COMMON_NAME} characters: no certificate can name it`
  );
  const requested = targets.filter((target) => target.length <= MAX_COMMON_NAME);
  const { reconcileCertificates } = await import("./certificates.ts");
  const provider = await remoteApp(r.tools, r.ctx.event, gathered.certificates);
  const outcome = await reconcileCertificates(
    r.tools,
    gathered.certificates,
    r.ctx.appName,
    provider,
    requested,
  );
  for (const denial of outcome.denied) {
    await r.tools.log("WARNING", `certificate request denied: ${denial}`);
  }
  return { issued: outcome.issued, pending: outcome.pending, refused };
}

/** One holistic pass: read everything, decide, apply, report. */
export async function reconcile(r: Reconciler): Promise<void> {
  const { ctx, tools } = r;
  if (!(await tools.isLeader())) {
    await tools.statusSet("blocked", MESSAGES.notLeader);
    return;
  }
  const kube = connectAndList(r);
  const gathered = await gather(r);
  const { config, integrations } = gathered;
  if ("message" in config) return await blocked(r, gathered, config.message, kube);
  const early = validateBeforeCluster(config, integrations);
  if (early !== null) return await blocked(r, gathered, early, kube);

  try {
    const { client, listed: prefetched } = await kube;
    const classes = (await client.list(KINDS.gatewayClass)).map((gc) => gc.metadata.name);
    const late = validateGatewayClass(config, classes) ??
      validateAfterCluster(config, integrations);
    if (late !== null) return await blocked(r, gathered, late, kube);

    // The address the Gateway had when the hook started: for an IP certificate.
    const [gateways, secrets] = await Promise.all([
      listOwned(client, ctx.appName, KINDS.gateway),
      listOwned(client, ctx.appName, KINDS.secret),
    ]);
    const before = gatewayAddresses(gateways.find((g) => g.metadata.name === ctx.appName));
    const hostnames = managedHostnames(config, integrations, gathered.routes);
    const ipTarget = wantsIpCertificate(integrations, gathered.routes)
      ? before.usable.find((address) => ipVersion(address) !== 0) ?? null
      : null;
    const tls = await reconcileTls(r, gathered, ipTarget ? [...hostnames, ipTarget] : hostnames);

    const mode = proxyMode(integrations);
    const input: GatewayPlanInput = {
      gateway: ctx.appName,
      namespace: client.namespace,
      config,
      hostnames,
      issued: tls.issued,
      backends: gathered.ingress.flatMap((
        requirer,
      ) => (requirer.backend ? [requirer.backend] : [])),
      routes: mode === "ingress",
    };
    const listed = new Map<string, readonly KubeObject[]>([
      ...prefetched,
      [KINDS.gateway.kind, gateways],
      [KINDS.secret.kind, secrets],
    ]);
    const report = await reconcileOwned(client, ctx.appName, desiredObjects(input), listed);
    const addresses = gatewayAddresses(report.live.get(`Gateway/${ctx.appName}`));
    const address = addresses.usable[0] ?? null;

    const base = urlBase(input, address);
    const urls = new Map<number, string>();
    for (const requirer of gathered.ingress) {
      if (requirer.backend && base !== null) {
        urls.set(requirer.relation.id, ingressUrl(base, requirer.backend));
      }
    }
    await publishIngressUrls(tools, gathered.ingress, urls);
    if (address !== null) {
      await publishRouteProviderData(tools, gathered.routes, {
        gatewayName: ctx.appName,
        gatewayModel: ctx.modelName,
        httpsMode: config.enforceHttps
          ? "enforced"
          : integrations.certificates
          ? "enabled"
          : "disabled",
        gatewayAddress: address,
        hstsMaxAge: config.enforceHttps ? config.hstsMaxAge : null,
      });
    }
    const ip = addresses.usable.find((usable) => ipVersion(usable) !== 0);
    const dnsEntries = ip === undefined
      ? []
      : hostnames.map((hostname) => ({ hostname, address: ip }));
    if (ip !== undefined || hostnames.length === 0) {
      await publishDnsEntries(tools, ctx.appName, gathered.dnsRecords, dnsEntries);
    }

    const invalid = invalidRequirers(gathered);
    const pending = gathered.ingress.filter((requirer) => requirer.pending).map((requirer) =>
      requirer.app
    );
    const unsupported = addresses.unsupported.join(", ");
    if (invalid !== null) {
      await tools.statusSet("blocked", invalid);
    } else if (tls.refused.length > 0) {
      await tools.statusSet(
        "blocked",
        truncated(`Cannot request TLS certificates: ${tls.refused.join("; ")}`),
      );
    } else if (addresses.usable.length === 0 && unsupported) {
      await tools.log("WARNING", `Gateway reported unsupported addresses: ${unsupported}`);
      await tools.statusSet("blocked", "Gateway reported unsupported address");
    } else if (tls.pending.length > 0) {
      await tools.log("INFO", `waiting for certificates for: ${tls.pending.join(", ")}`);
      await tools.statusSet("waiting", TLS_WAITING);
    } else if (address === null) {
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

/** `secret-expired` for a certificate: renew it (then the reconcile sends the new request). */
async function renewIfCertificate(r: Reconciler): Promise<void> {
  const { event } = r.ctx;
  if (event.kind !== "secret" || event.phase !== "expired" || !(await r.tools.isLeader())) return;
  if (!isCertificateSecret(event.label)) return;
  const relation = (await liveRelations(r.tools, event, ENDPOINTS.certificates))[0] ?? null;
  const { renewCertificate } = await import("./certificates.ts");
  await renewCertificate(r.tools, relation, r.ctx.appName, event.secretId, event.label);
}

async function getCertificateAction(ctx: HookContext, tools: HookTools): Promise<void> {
  const params = await tools.actionGet();
  const hostname = typeof params.hostname === "string" ? params.hostname : "";
  const relation = (await liveRelations(tools, ctx.event, ENDPOINTS.certificates))[0];
  if (!relation) {
    await tools.actionFail("Certificate relation not ready.");
    return;
  }
  const { findCertificate } = await import("./certificates.ts");
  const found = await findCertificate(
    tools,
    relation,
    await remoteApp(tools, ctx.event, relation),
    hostname,
  );
  if (found === null) {
    await tools.actionFail(`Missing or incomplete certificate data for ${hostname}`);
    return;
  }
  await tools.actionSet({
    certificate: found.certificate,
    ca: found.ca,
    chain: found.chain.join("\n\n"),
  });
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
      await renewIfCertificate(r);
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
