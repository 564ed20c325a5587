/**
 * `deno task demo`: a simulated deployment of the packed charm. Each step is what an operator
 * does (`juju deploy`, `juju config`, `juju integrate`, …); each hook Juju would run for it goes
 * through the black-box runner with the state the previous hook left, against the fake
 * Kubernetes API server started in-process, or a real cluster with `--kubeconfig PATH`
 * (`--model NAME` is the namespace there; the Juju side stays simulated).
 */
import { stringify } from "yaml";
import { createClientNodeClient } from "../src/k8s/client_node.ts";
import { MANAGED_BY } from "../src/k8s/reconcile.ts";
import { KINDS, type KubeObject } from "../src/k8s/types.ts";
import { routeName } from "../src/gateway/names.ts";
import { type Cluster, type ConditionSpec, startCluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { createTestCa } from "./harness/tls_ca.ts";

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

let routeClient: ReturnType<typeof createClientNodeClient> | null = null;

/** Each ingress requirer: its URL, and what the Gateway controller says of its routes. */
async function endpoints(): Promise<string[]> {
  routeClient ??= createClientNodeClient({ namespace: model, fieldManager: APP, env });
  const routes = await routeClient.list(KINDS.httpRoute, `${MANAGED_BY}=${APP}`);
  const relations = (state.relations ?? []).filter((relation) =>
    !relation.dying && relation.endpoint === "gateway"
  );
  return relations.map((relation) => {
    const raw = relation.localAppData?.ingress;
    const url = raw ? (JSON.parse(raw) as { url: string }).url : "(no URL)";
    const said = (["http", "https"] as const).flatMap((protocol) => {
      const name = routeName(APP, relation.remoteApp, protocol);
      const route = routes.find((object) => object.metadata.name === name);
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
    return `${relation.remoteApp} → ${url}${said.length ? ` [route ${said.join("; ")}]` : ""}`;
  });
}

async function hook(event: HookEvent): Promise<void> {
  await controller();
  const result = await runHook(charmDir, state, event, { env });
  state = result.state;
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

async function printObjects(): Promise<void> {
  const client = createClientNodeClient({ namespace: model, fieldManager: APP, env });
  for (const kind of [KINDS.gateway, KINDS.service, KINDS.httpRoute, KINDS.secret]) {
    for (const object of await client.list(kind, `${MANAGED_BY}=${APP}`)) {
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

  console.log(`\nKubernetes objects managed by ${APP} in namespace "${model}":`);
  await printObjects();
} finally {
  await cluster?.close();
}
Deno.exit(0);
