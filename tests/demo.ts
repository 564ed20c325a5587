/**
 * `deno task demo`: a simulated deployment of the packed charm. Each step is what an operator
 * does (`juju deploy`, `juju config`, `juju integrate`, …); each hook Juju would run for it goes
 * through the black-box runner with the state the previous hook left, against the fake
 * Kubernetes API server started in-process, or a real cluster with `--kubeconfig PATH`
 * (`--model NAME` is the namespace there; the Juju side stays simulated).
 */
import { parse as parseYaml, stringify } from "yaml";
import { createClientNodeClient } from "../src/k8s/client_node.ts";
import { MANAGED_BY } from "../src/k8s/reconcile.ts";
import { KINDS, type KubeObject } from "../src/k8s/types.ts";
import { routeName } from "../src/gateway/names.ts";
import { unitDashed } from "../src/interfaces/ingress_per_unit.ts";
import { type Cluster, type ConditionSpec, startCluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { createTestCa } from "./harness/tls_ca.ts";
import { unitData } from "./ingress_per_unit_fixtures.ts";
import { hockeypuckTraefik } from "./traefik_route_fixtures.ts";

const APP = "gateway-api-integrator";

function option(name: string): string | undefined {
  const index = Deno.args.indexOf(name);
  return index >= 0 ? Deno.args[index + 1] : undefined;
}

const kubeconfig = option("--kubeconfig");
const model = option("--model") ?? "demo";
const gatewayClass = option("--gateway-class") ?? "cilium";
const charmDir = await packedCharmDir();
const cluster: Cluster | null = kubeconfig
  ? null
  : await startCluster({ namespace: model, gatewayClasses: [gatewayClass] });
const env = kubeconfig ? { KUBECONFIG: kubeconfig } : cluster!.env;
let state: JujuState = { leader: true, modelName: model };
let lastAction: HookResult["action"];

function describe(event: HookEvent): string {
  switch (event.kind) {
    case "hook":
      return event.name;
    case "relation": {
      const endpoint = state.relations?.find((r) => r.id === event.relationId)?.endpoint ?? "?";
      return `${endpoint}-relation-${event.name}${
        event.remoteUnit ? ` (${event.remoteUnit})` : ""
      }`;
    }
    case "secret":
      return `secret-${event.name}`;
    case "action":
      return `action ${event.name}`;
  }
}

function outcome(result: HookResult): string {
  if (result.action) {
    const { status, message } = result.action;
    return `action ${status}${message ? `: ${message}` : ""}`;
  }
  const status = result.state.unitStatus;
  return status ? `${status.status}: ${status.message}` : "(no status)";
}

/** The fake cluster's Gateway controller, once it runs: before each hook it accepts the Gateway
 * and every route as they are then, but for the routes it is told to refuse. */
let controllerRuns = false;
const refusing = new Map<string, ConditionSpec[]>();
async function controller(): Promise<void> {
  if (!cluster || !controllerRuns || !cluster.server.get("Gateway", model, APP)) return;
  await cluster.acceptAll(APP);
  for (const [route, conditions] of refusing) {
    if (cluster.server.get("HTTPRoute", model, route)) {
      await cluster.setRouteConditions("HTTPRoute", route, conditions);
    }
  }
}

interface RouteCondition {
  type: string;
  status: string;
  reason: string;
  observedGeneration?: number;
}

/** Each ingress (and per-unit) requirer: its URL, and what the Gateway controller says of the
 * routes that serve it. */
async function endpoints(): Promise<string[]> {
  // A client per look: each has the budget of one hook.
  const client = createClientNodeClient({ namespace: model, fieldManager: APP, env });
  const routes = await client.list(KINDS.httpRoute, `${MANAGED_BY}=${APP}`);
  /** ` [route http: Accepted, …]` for the routes of `who` (an application or a unit's pod). */
  const said = (who: string) => {
    const parts = (["http", "https"] as const).flatMap((protocol) => {
      const route = routes.find((object) => object.metadata.name === routeName(APP, who, protocol));
      if (!route) return [];
      const parents =
        (route.status as { parents?: { conditions?: RouteCondition[] }[] } | undefined)
          ?.parents ?? [];
      const generation = Number(route.metadata.generation);
      const conditions = parents.flatMap((parent) => parent.conditions ?? []).map((c) =>
        `${c.status === "True" ? c.type : `${c.type}=${c.status} (${c.reason})`}${
          (c.observedGeneration ?? generation) < generation
            ? ` of generation ${c.observedGeneration}, not ${generation}`
            : ""
        }`
      );
      return [`${protocol}: ${conditions.join(", ") || "no word from the controller yet"}`];
    });
    return parts.length ? ` [route ${parts.join("; ")}]` : "";
  };
  return (state.relations ?? []).filter((relation) => !relation.dying).flatMap((relation) => {
    const raw = relation.localAppData?.ingress;
    if (relation.endpoint === "ingress-per-unit") {
      if (!raw) return [];
      const units = parseYaml(raw) as Record<string, { url: string }>;
      return Object.entries(units).map(([unit, { url }]) =>
        `${unit} → ${url}${said(unitDashed(unit))}`
      );
    }
    if (relation.endpoint !== "gateway") return [];
    const url = raw ? (JSON.parse(raw) as { url: string }).url : "(no URL)";
    return [`${relation.remoteApp} → ${url}${said(relation.remoteApp)}`];
  });
}

async function hook(event: HookEvent): Promise<void> {
  await controller();
  const result = await runHook(charmDir, state, event, { env });
  state = result.state;
  lastAction = result.action;
  const exit = result.exitCode === 0 ? "" : ` [exit ${result.exitCode}: ${result.stderr.trim()}]`;
  console.log(
    `  ${describe(event).padEnd(36)} ${result.durationMs.toFixed(0).padStart(5)} ms  ${
      outcome(result)
    }${exit}`,
  );
  for (const line of await endpoints()) console.log(`  ${"".padEnd(36)}           ${line}`);
}

function step(title: string): void {
  console.log(`\n$ ${title}`);
}

async function configure(values: Record<string, string | number | boolean>): Promise<void> {
  step(`juju config ${APP} ${Object.entries(values).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  state = { ...state, config: { ...state.config, ...values } };
  await hook({ kind: "hook", name: "config-changed" });
}

function updateRelation(
  id: number,
  change: (relation: RelationState) => RelationState | null,
): void {
  state = {
    ...state,
    relations: (state.relations ?? []).flatMap((relation) => {
      if (relation.id !== id) return [relation];
      const changed = change(relation);
      return changed ? [changed] : [];
    }),
  };
}

async function integrate(
  id: number,
  app: string,
  port: number,
  stripPrefix: boolean,
): Promise<void> {
  step(`juju deploy ${app} && juju integrate ${app}:ingress ${APP}:gateway`);
  state = {
    ...state,
    relations: [...(state.relations ?? []), { id, endpoint: "gateway", remoteApp: app }],
  };
  await hook({ kind: "relation", name: "created", relationId: id });
  updateRelation(id, (relation) => ({
    ...relation,
    remoteAppData: {
      model: JSON.stringify(model),
      name: JSON.stringify(app),
      port: String(port),
      ...(stripPrefix ? { "strip-prefix": "true" } : {}),
    },
    remoteUnits: {
      [`${app}/0`]: {
        host: JSON.stringify(`${app}-0.${app}-endpoints.${model}.svc.cluster.local`),
      },
    },
  }));
  await hook({ kind: "relation", name: "joined", relationId: id, remoteUnit: `${app}/0` });
  await hook({ kind: "relation", name: "changed", relationId: id, remoteUnit: `${app}/0` });
}

/** A hockeypuck-like requirer: its key-reconciliation port over TCP, through traefik-route. */
async function integrateTraefikRoute(id: number, app: string, port: number): Promise<void> {
  step(`juju deploy ${app} && juju integrate ${app}:traefik-route ${APP}:traefik-route`);
  state = {
    ...state,
    relations: [...(state.relations ?? []), { id, endpoint: "traefik-route", remoteApp: app }],
  };
  await hook({ kind: "relation", name: "created", relationId: id });
  const sent = hockeypuckTraefik(app, port, 1, model);
  updateRelation(id, (relation) => ({
    ...relation,
    remoteAppData: {
      config: stringify(sent.config),
      static: stringify(sent.static),
      raw: "False",
    },
    remoteUnits: { [`${app}/0`]: {} },
  }));
  await hook({ kind: "relation", name: "joined", relationId: id, remoteUnit: `${app}/0` });
  await hook({ kind: "relation", name: "changed", relationId: id, remoteUnit: `${app}/0` });
  const data = state.relations?.find((r) => r.id === id)?.localAppData ?? {};
  console.log(
    `  ${"".padEnd(36)}           ${app} sees external_host=${data.external_host} ` +
      `scheme=${data.scheme}`,
  );
}

/** A per-unit requirer's units join one by one, each writing what the library writes. */
async function integratePerUnit(
  id: number,
  app: string,
  units: number[],
  extra: Record<string, string> = {},
): Promise<void> {
  step(
    `juju deploy ${app} -n ${units.length} && juju integrate ${app}:ingress ${APP}:ingress-per-unit`,
  );
  state = {
    ...state,
    relations: [...(state.relations ?? []), {
      id,
      endpoint: "ingress-per-unit",
      remoteApp: app,
    }],
  };
  await hook({ kind: "relation", name: "created", relationId: id });
  for (const n of units) await perUnitJoins(id, `${app}/${n}`, extra);
}

async function perUnitJoins(
  id: number,
  unit: string,
  extra: Record<string, string> = {},
): Promise<void> {
  updateRelation(id, (relation) => ({
    ...relation,
    remoteUnits: { ...relation.remoteUnits, [unit]: unitData(unit, extra, model) },
  }));
  await hook({ kind: "relation", name: "joined", relationId: id, remoteUnit: unit });
  await hook({ kind: "relation", name: "changed", relationId: id, remoteUnit: unit });
}

async function printObjects(): Promise<void> {
  const client = createClientNodeClient({ namespace: model, fieldManager: APP, env });
  const kinds = [KINDS.gateway, KINDS.service, KINDS.httpRoute, KINDS.tcpRoute, KINDS.secret];
  for (const kind of kinds) {
    // A cluster without the TCPRoute CRD has none to show.
    const objects = await client.list(kind, `${MANAGED_BY}=${APP}`).catch(() => []);
    for (const object of objects) {
      const {
        managedFields: _managed,
        uid: _uid,
        resourceVersion: _rv,
        creationTimestamp: _ct,
        generation: _g,
        ...metadata
      } = object.metadata;
      // TLS Secrets: show what they hold, not the key.
      const data = object.data as Record<string, string> | undefined;
      const shown: KubeObject = data
        ? {
          ...object,
          metadata,
          data: Object.fromEntries(
            Object.keys(data).map((k) => [k, `<${atob(data[k]).length} bytes>`]),
          ),
        }
        : { ...object, metadata };
      console.log(`---\n${stringify(shown, { lineWidth: 0 }).trimEnd()}`);
    }
  }
}

console.log(
  `Simulated deployment of ${charmDir}/dispatch: fake Juju, model "${model}", ` +
    (kubeconfig ? `cluster from ${kubeconfig}` : `fake Kubernetes API at ${cluster!.server.url}`),
);

try {
  step(`juju deploy ${APP} --trust`);
  for (const name of ["install", "leader-elected", "config-changed", "start"]) {
    await hook({ kind: "hook", name });
  }

  await configure({ "enforce-https": false, "gateway-class": gatewayClass });
  if (cluster) {
    step("(the Gateway controller assigns the load balancer address 10.43.8.34)");
    cluster.setGatewayAddresses(APP, [{ value: "10.43.8.34" }]);
    step("(the Gateway controller accepts and programs the Gateway, and each route it is given)");
    controllerRuns = true;
    await hook({ kind: "hook", name: "update-status" });
  }

  await integrate(1, "web", 8080, false);
  await integrate(2, "api", 9000, true);
  await integrateTraefikRoute(6, "hockeypuck", 11370);
  await configure({ "external-hostname": "gateway.example.com" });
  if (cluster) {
    const route = routeName(APP, "api", "http");
    step(`(the Gateway controller refuses ${route}: NoMatchingListenerHostname)`);
    refusing.set(route, [{
      type: "Accepted",
      status: "False",
      reason: "NoMatchingListenerHostname",
      message: "no listener matches the route's hostnames",
    }]);
    await hook({ kind: "hook", name: "update-status" });
    step(`(the Gateway controller accepts ${route} again)`);
    refusing.clear();
    await hook({ kind: "hook", name: "update-status" });
  }

  step(
    `juju deploy self-signed-certificates && juju integrate ${APP}:certificates self-signed-certificates`,
  );
  const ca = await createTestCa({ commonName: "demo-ca" });
  state = {
    ...state,
    relations: [...(state.relations ?? []), {
      id: 3,
      endpoint: "certificates",
      remoteApp: "self-signed-certificates",
    }],
  };
  await hook({ kind: "relation", name: "created", relationId: 3 });
  updateRelation(
    3,
    (relation) => ({ ...relation, remoteUnits: { "self-signed-certificates/0": {} } }),
  );
  await hook({
    kind: "relation",
    name: "joined",
    relationId: 3,
    remoteUnit: "self-signed-certificates/0",
  });
  step("(the CA signs the certificate request the charm sent)");
  const requests = JSON.parse(
    state.relations?.find((r) => r.id === 3)?.localAppData?.certificate_signing_requests ?? "[]",
  ) as { certificate_signing_request: string }[];
  const certificates = await Promise.all(
    requests.map((r) => ca.issue(r.certificate_signing_request)),
  );
  updateRelation(
    3,
    (relation) => ({ ...relation, remoteAppData: { certificates: JSON.stringify(certificates) } }),
  );
  await hook({ kind: "relation", name: "changed", relationId: 3 });
  await configure({ "enforce-https": true, "hsts-max-age": 3600 });

  await integratePerUnit(4, "prometheus", [0, 1]);
  step("juju add-unit prometheus");
  await perUnitJoins(4, "prometheus/2");
  step("juju remove-unit prometheus/1");
  updateRelation(4, (relation) => {
    const { "prometheus/1": gone, ...rest } = relation.remoteUnits ?? {};
    return { ...relation, remoteUnits: rest, departedUnits: { "prometheus/1": gone } };
  });
  await hook({
    kind: "relation",
    name: "departed",
    relationId: 4,
    remoteUnit: "prometheus/1",
    departingUnit: "prometheus/1",
  });

  await integratePerUnit(5, "kafka", [0, 1], { mode: "tcp", port: "9093" });

  step(`juju remove-relation api ${APP}`);
  updateRelation(
    2,
    (relation) => ({ ...relation, remoteUnits: {}, departedUnits: relation.remoteUnits }),
  );
  await hook({
    kind: "relation",
    name: "departed",
    relationId: 2,
    remoteUnit: "api/0",
    departingUnit: "api/0",
  });
  updateRelation(2, (relation) => ({ ...relation, dying: true }));
  await hook({ kind: "relation", name: "broken", relationId: 2 });
  updateRelation(2, () => null);

  step("(5 minutes later)");
  await hook({ kind: "hook", name: "update-status" });

  step(`juju run ${APP}/0 show-proxied-endpoints`);
  await hook({ kind: "action", name: "show-proxied-endpoints" });
  const endpoints = lastAction?.results["proxied-endpoints"];
  if (typeof endpoints === "string") {
    console.log(`  proxied-endpoints: ${JSON.stringify(JSON.parse(endpoints), null, 2)}`);
  }

  console.log(`\nKubernetes objects managed by ${APP} in namespace "${model}":`);
  await printObjects();
} finally {
  await cluster?.close();
}
Deno.exit(0);
