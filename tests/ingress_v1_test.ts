/**
 * Black-box scenarios with ingress v1 requirers (the retired traefik_k8s v1 library) on the
 * `gateway` endpoint, beside v2 ones: the same routes, and the URL in each one's wire format.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { type Cluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { withCluster } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const charmDir = await packedCharmDir();
const CONFIG = {
  "enforce-https": false,
  "gateway-class": "cilium",
  "external-hostname": "gw.example.com",
};

/** What the v1 library's leader writes: plain strings, and nothing in the unit databags. */
function v1(id: number, app: string, extra: Record<string, string> = {}): RelationState {
  return {
    id,
    endpoint: "gateway",
    remoteApp: app,
    remoteAppData: {
      model: "testing",
      name: app,
      host: `${app}-0.${app}-endpoints.testing.svc.cluster.local`,
      port: "8000",
      ...extra,
    },
    remoteUnits: { [`${app}/0`]: {} },
  };
}

function v2(id: number, app: string): RelationState {
  return {
    id,
    endpoint: "gateway",
    remoteApp: app,
    remoteAppData: { model: '"testing"', name: JSON.stringify(app), port: "8080" },
    remoteUnits: { [`${app}/0`]: { host: JSON.stringify(`${app}-0`) } },
  };
}

async function run(cluster: Cluster, state: JujuState, event: HookEvent): Promise<HookResult> {
  const result = await runHook(charmDir, state, event, { env: cluster.env });
  strictEqual(result.exitCode, 0, `exit ${result.exitCode}: ${result.stderr}`);
  return result;
}

const provided = (result: HookResult, id: number) =>
  result.state.relations?.find((relation) => relation.id === id)?.localAppData?.ingress;
const names = (cluster: Cluster, kind: string) =>
  cluster.objects(kind).map((object) => object.metadata.name).sort();

Deno.test("a v1 and a v2 requirer related at once each get routes and their URL in their format", () =>
  withCluster(async (cluster) => {
    const state: JujuState = {
      leader: true,
      config: CONFIG,
      relations: [v1(1, "legacy", { "strip-prefix": "true" }), v2(2, "modern")],
    };
    const result = await run(cluster, state, { kind: "hook", name: "config-changed" });
    deepStrictEqual(names(cluster, "Service"), [`${APP}-legacy-service`, `${APP}-modern-service`]);
    deepStrictEqual(names(cluster, "HTTPRoute"), [`${APP}-legacy-http`, `${APP}-modern-http`]);
    const legacy = cluster.objects("HTTPRoute").find((route) =>
      route.metadata.name === `${APP}-legacy-http`
    ) as unknown as {
      spec: { rules: { matches: { path: { value: string } }[]; filters: { type: string }[] }[] };
    };
    strictEqual(legacy.spec.rules[0].matches[0].path.value, "/testing-legacy");
    deepStrictEqual(legacy.spec.rules[0].filters.map((filter) => filter.type), ["URLRewrite"]);
    const service = cluster.objects("Service").find((object) =>
      object.metadata.name === `${APP}-legacy-service`
    ) as unknown as { spec: { selector: unknown; ports: { port: number }[] } };
    deepStrictEqual(service.spec.selector, { "app.kubernetes.io/name": "legacy" });
    strictEqual(service.spec.ports[0].port, 8000);

    // v1: YAML, as the v1 library's yaml.safe_load reads it; v2: JSON.
    strictEqual(provided(result, 1), "url: http://gw.example.com/testing-legacy\n");
    deepStrictEqual(parseYaml(provided(result, 1)!), {
      url: "http://gw.example.com/testing-legacy",
    });
    strictEqual(
      provided(result, 2),
      JSON.stringify({ url: "http://gw.example.com/testing-modern" }),
    );
    strictEqual(
      result.state.unitStatus?.status,
      "waiting",
      "only the Gateway's address is missing",
    );

    // The steady state rewrites neither URL.
    const again = await run(cluster, result.state, { kind: "hook", name: "update-status" });
    deepStrictEqual(again.toolCalls.filter((call) => call.tool === "relation-set"), []);
  }));

Deno.test("a v1 requirer leaving removes its objects and leaves the v2 requirer's", () =>
  withCluster(async (cluster) => {
    const state: JujuState = {
      leader: true,
      config: CONFIG,
      relations: [v1(1, "legacy"), v2(2, "modern")],
    };
    await run(cluster, state, { kind: "hook", name: "config-changed" });
    const broken = { ...state, relations: [{ ...v1(1, "legacy"), dying: true }, v2(2, "modern")] };
    await run(cluster, broken, { kind: "relation", name: "broken", relationId: 1 });
    deepStrictEqual(names(cluster, "Service"), [`${APP}-modern-service`]);
  }));

Deno.test("a v1 requirer with invalid data is Blocked on its own; its URL is wiped", () =>
  withCluster(async (cluster) => {
    const state: JujuState = {
      leader: true,
      config: CONFIG,
      relations: [v1(1, "legacy"), v2(2, "modern")],
    };
    const first = await run(cluster, state, { kind: "hook", name: "config-changed" });
    ok(provided(first, 1));
    const bad = {
      ...first.state,
      relations: first.state.relations!.map((relation) =>
        relation.id === 1
          ? { ...relation, remoteAppData: { ...relation.remoteAppData, port: "http" } }
          : relation
      ),
    };
    const result = await run(cluster, bad, { kind: "relation", name: "changed", relationId: 1 });
    strictEqual(result.state.unitStatus?.status, "blocked");
    ok(result.state.unitStatus!.message.includes('legacy: application field "port"'));
    strictEqual(provided(result, 1), undefined);
    strictEqual(
      provided(result, 2),
      JSON.stringify({ url: "http://gw.example.com/testing-modern" }),
    );
    deepStrictEqual(names(cluster, "Service"), [`${APP}-modern-service`]);
  }));

Deno.test("a v1 requirer in another model is routed to its host when that is an address", () =>
  withCluster(async (cluster) => {
    const relation = v1(1, "legacy", { model: "other", host: "10.1.2.3" });
    const state: JujuState = { leader: true, config: CONFIG, relations: [relation] };
    const result = await run(cluster, state, { kind: "hook", name: "config-changed" });
    const slice = cluster.objects("EndpointSlice")[0] as unknown as {
      endpoints: { addresses: string[] }[];
    };
    deepStrictEqual(slice.endpoints.map((endpoint) => endpoint.addresses), [["10.1.2.3"]]);
    strictEqual(provided(result, 1), "url: http://gw.example.com/other-legacy\n");
    const named = { ...state, relations: [v1(1, "legacy", { model: "other" })] };
    const blocked = await run(cluster, named, { kind: "relation", name: "changed", relationId: 1 });
    ok(blocked.state.unitStatus!.message.includes("speaks ingress v1, whose host is not an ip"));
  }));
