/**
 * Black-box L4 scenarios that need no L4 endpoint: what an earlier hook left on the Gateway (an
 * L4 listener and its TCPRoute, applied here as the charm applies them) goes when nobody asks for
 * it, in one hook; `remove` deletes owned L4 routes; and a hook with no L4 traffic sends no
 * request for the L4 route kinds.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { type Cluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { planL4, renderBackendService } from "../src/gateway/l4.ts";
import { renderGateway } from "../src/gateway/objects.ts";
import { connect } from "../src/k8s/client.ts";
import { reconcileOwned } from "../src/k8s/reconcile.ts";
import { KINDS } from "../src/k8s/types.ts";
import { ok0, withCluster } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const charmDir = await packedCharmDir();
const CONFIG = { "enforce-https": false, "gateway-class": "cilium" };
const CHANGED: HookEvent = { kind: "hook", name: "config-changed" };
const L4_RESOURCES = ["tcproutes", "udproutes", "tlsroutes"];

const requirer: RelationState = {
  id: 1,
  endpoint: "gateway",
  remoteApp: "web",
  remoteAppData: { model: '"testing"', name: '"web"', port: "8080" },
  remoteUnits: { "web/0": { host: '"web-0.web-endpoints.testing.svc.cluster.local"' } },
};
const STATE: JujuState = { leader: true, config: CONFIG, relations: [requirer] };

function run(cluster: Cluster, state: JujuState, event: HookEvent = CHANGED): Promise<HookResult> {
  return runHook(charmDir, state, event, { env: cluster.env });
}

const listenerNames = (cluster: Cluster) =>
  cluster.objects("Gateway").flatMap((gateway) =>
    (gateway.spec as { listeners: { name: string }[] }).listeners.map((listener) => listener.name)
  );

/** Gives the Gateway a TCP listener on 11370 with its TCPRoute and Service, as the charm would
 * (same field manager, same labels). */
async function addL4(cluster: Cluster): Promise<void> {
  const client = await connect({ namespace: "testing", fieldManager: APP, env: cluster.env });
  const service = renderBackendService(`${APP}-hkp-11370`, { "app.kubernetes.io/name": "hkp" }, [
    { port: 11370, targetPort: 11370, protocol: "TCP" },
  ]);
  const plan = planL4({
    gateway: APP,
    namespace: "testing",
    live: undefined,
    httpListeners: 1,
    requests: [{
      owner: "test hkp",
      key: "hkp",
      listeners: [{ protocol: "TCP", port: 11370 }],
      routes: [{
        name: `${APP}-hkp-tcp-11370`,
        listener: { protocol: "TCP", port: 11370 },
        backends: [{ service: service.metadata.name, port: 11370 }],
      }],
      services: [service],
    }],
  });
  const gateway = renderGateway({
    name: APP,
    gatewayClass: "cilium",
    hostnames: [],
    tls: [],
    l4: plan.listeners,
  });
  await reconcileOwned(client, APP, [
    { kind: KINDS.gateway, objects: [gateway] },
    { kind: KINDS.tcpRoute, objects: plan.routes },
  ]);
}

Deno.test("with no L4 traffic no hook sends a request for TCPRoute, UDPRoute or TLSRoute", () =>
  withCluster(async (cluster) => {
    const first = ok0(await run(cluster, STATE));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    ok0(await run(cluster, first.state, { kind: "hook", name: "update-status" }));
    const l4 = cluster.server.resourceRequests().filter((request) =>
      L4_RESOURCES.includes(request.resource ?? "")
    );
    deepStrictEqual(l4, []);
  }));

Deno.test("an L4 listener nobody asks for goes with its TCPRoute in one hook", () =>
  withCluster(async (cluster) => {
    const first = ok0(await run(cluster, STATE));
    await addL4(cluster);
    deepStrictEqual(listenerNames(cluster), [`${APP}-http`, `${APP}-hkp-tcp-11370`]);
    strictEqual(cluster.objects("TCPRoute").length, 1);
    ok0(await run(cluster, first.state, { kind: "hook", name: "update-status" }));
    deepStrictEqual(listenerNames(cluster), [`${APP}-http`]);
    deepStrictEqual(cluster.objects("TCPRoute"), []);
    // The route kind was listed once, for that Gateway's listener, and is not any more.
    cluster.server.resetLog();
    ok0(await run(cluster, first.state, { kind: "hook", name: "update-status" }));
    deepStrictEqual(cluster.server.resourceRequests({ resource: "tcproutes" }), []);
  }));

Deno.test("remove deletes the owned L4 routes with everything else", () =>
  withCluster(async (cluster) => {
    const first = ok0(await run(cluster, STATE));
    await addL4(cluster);
    ok0(
      await run(cluster, { ...first.state, relations: [], planned: { appDying: true } }, {
        kind: "hook",
        name: "remove",
      }),
    );
    deepStrictEqual(cluster.objects("Gateway"), []);
    deepStrictEqual(cluster.objects("TCPRoute"), []);
  }));
