/**
 * Black-box `show-proxied-endpoints`: the packed charm run as Juju runs an action, after hooks
 * that served ingress, ingress-per-unit and gateway-route requirers; the JSON lists what each was
 * told, as traefik-k8s's action does.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { type Cluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { tcpTraefikRoute, unitData } from "./ingress_per_unit_fixtures.ts";
import { withCluster } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const charmDir = await packedCharmDir();
const CONFIG = { "enforce-https": false, "gateway-class": "cilium" };
const ACTION: HookEvent = { kind: "action", name: "show-proxied-endpoints" };

const perUnit: RelationState = {
  id: 1,
  endpoint: "ingress-per-unit",
  remoteApp: "prometheus",
  remoteAppData: {},
  remoteUnits: {
    "prometheus/0": unitData("prometheus/0"),
    "prometheus/1": unitData("prometheus/1"),
  },
};
const tcp: RelationState = {
  id: 4,
  endpoint: "ingress-per-unit",
  remoteApp: "kafka",
  remoteAppData: {},
  remoteUnits: { "kafka/0": unitData("kafka/0", { mode: "tcp", port: "9093" }) },
};
const ingress: RelationState = {
  id: 2,
  endpoint: "gateway",
  remoteApp: "web",
  remoteAppData: { model: '"testing"', name: '"web"', port: "8080" },
  remoteUnits: { "web/0": { host: '"web-0.web-endpoints.testing.svc.cluster.local"' } },
};
const route: RelationState = {
  id: 3,
  endpoint: "gateway-route",
  remoteApp: "keys",
  remoteAppData: { hostname: '"keys.example.com"', additional_hostnames: '["k.example.com"]' },
  remoteUnits: { "keys/0": {} },
};

async function serve(cluster: Cluster, state: JujuState): Promise<HookResult> {
  const run = (s: JujuState) =>
    runHook(charmDir, s, { kind: "hook", name: "config-changed" }, { env: cluster.env });
  const first = await run(state);
  strictEqual(first.exitCode, 0, first.stderr);
  cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
  const second = await run(first.state);
  strictEqual(second.exitCode, 0, second.stderr);
  return second;
}

async function endpoints(cluster: Cluster, state: JujuState): Promise<unknown> {
  const result = await runHook(charmDir, state, ACTION, { env: cluster.env });
  strictEqual(result.action?.status, "completed", JSON.stringify(result.action));
  return JSON.parse((result.action!.results as Record<string, string>)["proxied-endpoints"]);
}

Deno.test("show-proxied-endpoints lists the Gateway, each ingress app, each HTTP and TCP unit", () =>
  withCluster(async (cluster) => {
    const served = await serve(cluster, {
      leader: true,
      config: CONFIG,
      relations: [perUnit, ingress, tcp],
    });
    deepStrictEqual(await endpoints(cluster, served.state), {
      [APP]: { url: "http://10.0.0.9" },
      web: { url: "http://10.0.0.9/testing-web" },
      "prometheus/0": { url: "http://10.0.0.9/testing-prometheus-0" },
      "prometheus/1": { url: "http://10.0.0.9/testing-prometheus-1" },
      "kafka/0": { url: "10.0.0.9:20000" },
    });
  }));

Deno.test("show-proxied-endpoints lists gateway-route applications by their hostnames", () =>
  withCluster(async (cluster) => {
    const served = await serve(cluster, { leader: true, config: CONFIG, relations: [route] });
    deepStrictEqual(await endpoints(cluster, served.state), {
      [APP]: { url: "http://10.0.0.9" },
      keys: {
        url: "http://keys.example.com",
        urls: ["http://keys.example.com", "http://k.example.com"],
      },
    });
  }));

Deno.test("show-proxied-endpoints lists traefik-route applications with the TCP ports they hold", () =>
  withCluster(async (cluster) => {
    const served = await serve(cluster, {
      leader: true,
      config: CONFIG,
      relations: [tcpTraefikRoute(5, "hockeypuck", 11370), tcp],
    });
    deepStrictEqual(await endpoints(cluster, served.state), {
      [APP]: { url: "http://10.0.0.9" },
      "kafka/0": { url: "10.0.0.9:20000" },
      hockeypuck: { url: "10.0.0.9:11370" },
    });
  }));

Deno.test("show-proxied-endpoints lists nothing that is not served, and fails off the leader", () =>
  withCluster(async (cluster) => {
    // No Gateway yet, and a requirer that has written nothing: nothing is served.
    const silent = { ...perUnit, remoteUnits: { "prometheus/0": {} } };
    deepStrictEqual(
      await endpoints(cluster, { leader: true, config: CONFIG, relations: [silent] }),
      {},
    );
    const follower = await runHook(charmDir, { leader: false, config: CONFIG }, ACTION, {
      env: cluster.env,
    });
    strictEqual(follower.action?.status, "failed");
    strictEqual(
      follower.action?.message,
      "show-proxied-endpoints must run on the leader unit (only it can read what was published)",
    );
  }));
