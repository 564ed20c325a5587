/**
 * Black-box scenarios with requirers in other models: a Service without selector and
 * EndpointSlices of the units' published addresses, following units that join, depart and move
 * in the same hook; units without an address are named, a requirer with none is Blocked alone;
 * same-model requirers keep their selector, and EndpointSlices are listed only when one can
 * exist.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Cluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import type { KubeObject } from "../src/k8s/types.ts";
import { ok0, withCluster } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const charmDir = await packedCharmDir();
const CONFIG = { "enforce-https": false, "gateway-class": "cilium" };
/** On our side of an offer, Juju names the consuming application after a token. */
const REMOTE = "remote-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const OTHER_MODEL = "aaaaaaaa-1111-4222-8333-bbbbbbbbbbbb";
const SERVICE = `${APP}-web-service`;

function unit(ip: string | null): Record<string, string> {
  return {
    host: JSON.stringify("web-0.web-endpoints.other.svc.cluster.local"),
    ...(ip === null ? {} : { ip: JSON.stringify(ip) }),
  };
}

function remote(id: number, units: Record<number, string | null>): RelationState {
  return {
    id,
    endpoint: "gateway",
    remoteApp: REMOTE,
    remoteModelUuid: OTHER_MODEL,
    remoteAppData: { model: '"other"', name: '"web"', port: "8080" },
    remoteUnits: Object.fromEntries(
      Object.entries(units).map(([n, ip]) => [`${REMOTE}/${n}`, unit(ip)]),
    ),
  };
}

function local(id: number, app: string): RelationState {
  return {
    id,
    endpoint: "gateway",
    remoteApp: app,
    remoteAppData: { model: '"testing"', name: JSON.stringify(app), port: "9000" },
    remoteUnits: { [`${app}/0`]: { host: JSON.stringify(`${app}-0`), ip: '"10.9.9.9"' } },
  };
}

const run = (cluster: Cluster, state: JujuState, event: HookEvent) =>
  runHook(charmDir, state, event, { env: cluster.env }).then(ok0);

const find = (cluster: Cluster, kind: string, name: string): KubeObject | undefined =>
  cluster.objects(kind).find((object) => object.metadata.name === name);
/** A Service's spec. */
const serviceSpec = (cluster: Cluster, name: string) =>
  (find(cluster, "Service", name) as unknown as { spec: Record<string, unknown> }).spec;

/** The addresses of a slice, in order. */
function addresses(cluster: Cluster, name = SERVICE): string[] | undefined {
  const slice = find(cluster, "EndpointSlice", name) as
    | { endpoints: { addresses: string[] }[] }
    | undefined;
  return slice?.endpoints.flatMap((endpoint) => endpoint.addresses);
}

const url = (result: HookResult, id: number) => {
  const raw = result.state.relations?.find((relation) => relation.id === id)?.localAppData
    ?.ingress;
  return raw === undefined ? undefined : (JSON.parse(raw) as { url: string }).url;
};

const sliceLists = (cluster: Cluster) =>
  cluster.server.resourceRequests({ method: "GET", resource: "endpointslices" });

Deno.test("a cross-model requirer gets a selector-less Service and an EndpointSlice of its units", () =>
  withCluster(async (cluster) => {
    const state: JujuState = {
      leader: true,
      config: CONFIG,
      relations: [remote(1, { 0: "10.1.2.3", 1: "10.1.2.4" })],
    };
    ok0(await run(cluster, state, { kind: "hook", name: "config-changed" }));
    const service = { spec: serviceSpec(cluster, SERVICE) };
    strictEqual(service.spec.selector, undefined, "no selector");
    deepStrictEqual((service.spec.ports as { name: string }[])[0].name, "tcp-8080");
    const slice = find(cluster, "EndpointSlice", SERVICE) as unknown as {
      metadata: { labels: Record<string, string> };
      addressType: string;
      ports: unknown[];
    };
    strictEqual(slice.metadata.labels["kubernetes.io/service-name"], SERVICE);
    strictEqual(slice.addressType, "IPv4");
    deepStrictEqual(slice.ports, [{ name: "tcp-8080", port: 8080, protocol: "TCP" }]);
    deepStrictEqual(addresses(cluster), ["10.1.2.3", "10.1.2.4"]);
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const second = ok0(await run(cluster, state, { kind: "hook", name: "update-status" }));
    strictEqual(
      url(second, 1),
      "http://10.0.0.9/other-web",
      "the path is the requirer's model and name",
    );
    deepStrictEqual(second.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9 (enforce-https is set to false)",
    });
  }));

Deno.test("the EndpointSlice follows units joining, departing and moving, in the same hook", () =>
  withCluster(async (cluster) => {
    const relation = remote(1, { 0: "10.1.2.3" });
    const state: JujuState = { leader: true, config: CONFIG, relations: [relation] };
    ok0(await run(cluster, state, { kind: "hook", name: "config-changed" }));
    deepStrictEqual(addresses(cluster), ["10.1.2.3"]);

    relation.remoteUnits![`${REMOTE}/1`] = unit("10.1.2.4");
    const joined: HookEvent = {
      kind: "relation",
      name: "joined",
      relationId: 1,
      remoteUnit: `${REMOTE}/1`,
    };
    ok0(await run(cluster, state, joined));
    deepStrictEqual(addresses(cluster), ["10.1.2.3", "10.1.2.4"]);

    relation.remoteUnits![`${REMOTE}/0`] = unit("10.1.2.30");
    ok0(
      await run(cluster, state, {
        kind: "relation",
        name: "changed",
        relationId: 1,
        remoteUnit: `${REMOTE}/0`,
      }),
    );
    deepStrictEqual(addresses(cluster), ["10.1.2.30", "10.1.2.4"]);

    // During -departed the unit is no longer a member (its data stays readable).
    ok0(
      await run(cluster, state, {
        kind: "relation",
        name: "departed",
        relationId: 1,
        remoteUnit: `${REMOTE}/1`,
      }),
    );
    deepStrictEqual(addresses(cluster), ["10.1.2.30"]);
    strictEqual(find(cluster, "EndpointSlice", `${SERVICE}-ipv6`), undefined);

    // An IPv6 unit gets a slice of its own family.
    delete relation.remoteUnits![`${REMOTE}/1`];
    relation.remoteUnits![`${REMOTE}/2`] = unit("fd00::7");
    ok0(
      await run(cluster, state, {
        kind: "relation",
        name: "joined",
        relationId: 1,
        remoteUnit: `${REMOTE}/2`,
      }),
    );
    deepStrictEqual(addresses(cluster), ["10.1.2.30"]);
    deepStrictEqual(addresses(cluster, `${SERVICE}-ipv6`), ["fd00::7"]);
    strictEqual(
      (find(cluster, "EndpointSlice", `${SERVICE}-ipv6`) as { addressType?: string }).addressType,
      "IPv6",
    );
  }));

Deno.test("units without an ip are skipped and named; a requirer with none is Blocked on its own", () =>
  withCluster(async (cluster) => {
    const relation = remote(1, { 0: "10.1.2.3", 1: null });
    const state: JujuState = {
      leader: true,
      config: CONFIG,
      relations: [relation, local(2, "api")],
    };
    ok0(await run(cluster, state, { kind: "hook", name: "config-changed" }));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const first = ok0(await run(cluster, state, { kind: "hook", name: "update-status" }));
    deepStrictEqual(addresses(cluster), ["10.1.2.3"]);
    deepStrictEqual(first.state.unitStatus, {
      status: "active",
      message:
        "Gateway addresses: 10.0.0.9 (enforce-https is set to false); not routed (no ip address): web/1",
    });

    relation.remoteUnits![`${REMOTE}/0`] = unit(null);
    const second = ok0(
      await run(cluster, state, {
        kind: "relation",
        name: "changed",
        relationId: 1,
        remoteUnit: `${REMOTE}/0`,
      }),
    );
    strictEqual(second.state.unitStatus?.status, "blocked");
    ok(
      second.state.unitStatus!.message.includes(
        `${REMOTE}: is in model "other" and none of its units`,
      ),
      second.state.unitStatus!.message,
    );
    strictEqual(url(second, 1), undefined, "its URL is withdrawn");
    strictEqual(
      url(second, 2),
      "http://10.0.0.9/testing-api",
      "the other requirer keeps its route",
    );
    strictEqual(find(cluster, "Service", SERVICE), undefined);
    strictEqual(find(cluster, "EndpointSlice", SERVICE), undefined);
    ok(find(cluster, "Service", `${APP}-api-service`));
  }));

Deno.test("same-model requirers keep the selector Service and the steady state lists no EndpointSlices", () =>
  withCluster(async (cluster) => {
    const state: JujuState = { leader: true, config: CONFIG, relations: [local(2, "api")] };
    ok0(await run(cluster, state, { kind: "hook", name: "config-changed" }));
    const service = { spec: serviceSpec(cluster, `${APP}-api-service`) };
    deepStrictEqual(service.spec.selector, { "app.kubernetes.io/name": "api" });
    cluster.server.resetLog();
    ok0(await run(cluster, state, { kind: "hook", name: "update-status" }));
    deepStrictEqual(sliceLists(cluster), [], "no EndpointSlice list without a cross-model backend");
    deepStrictEqual(cluster.objects("EndpointSlice"), []);
  }));

Deno.test("when the cross-model requirer leaves, its slices go with its Service, then are no longer listed", () =>
  withCluster(async (cluster) => {
    const state: JujuState = {
      leader: true,
      config: CONFIG,
      relations: [remote(1, { 0: "10.1.2.3", 1: "fd00::7" }), local(2, "api")],
    };
    ok0(await run(cluster, state, { kind: "hook", name: "config-changed" }));
    strictEqual(cluster.objects("EndpointSlice").length, 2);
    cluster.server.resetLog();
    ok0(await run(cluster, state, { kind: "hook", name: "update-status" }));
    strictEqual(sliceLists(cluster).length, 1, "one list while a cross-model requirer exists");
    deepStrictEqual(cluster.server.resourceRequests().filter((r) => r.method !== "GET"), []);

    const broken: HookEvent = { kind: "relation", name: "broken", relationId: 1 };
    ok0(
      await run(cluster, {
        ...state,
        relations: [{ ...state.relations![0], dying: true }, local(2, "api")],
      }, broken),
    );
    deepStrictEqual(cluster.objects("EndpointSlice"), []);
    strictEqual(find(cluster, "Service", SERVICE), undefined);
    cluster.server.resetLog();
    ok0(
      await run(cluster, { ...state, relations: [local(2, "api")] }, {
        kind: "hook",
        name: "update-status",
      }),
    );
    deepStrictEqual(sliceLists(cluster), []);
  }));

Deno.test("a requirer moving into our model gets its selector back and its slices are pruned", () =>
  withCluster(async (cluster) => {
    const relation = remote(1, { 0: "10.1.2.3" });
    const state: JujuState = { leader: true, config: CONFIG, relations: [relation] };
    ok0(await run(cluster, state, { kind: "hook", name: "config-changed" }));
    relation.remoteAppData = { ...relation.remoteAppData, model: '"testing"' };
    ok0(await run(cluster, state, { kind: "relation", name: "changed", relationId: 1 }));
    const service = { spec: serviceSpec(cluster, SERVICE) };
    deepStrictEqual(service.spec.selector, { "app.kubernetes.io/name": "web" });
    deepStrictEqual(cluster.objects("EndpointSlice"), []);
  }));

Deno.test("removing the application deletes its EndpointSlices too", () =>
  withCluster(async (cluster) => {
    const state: JujuState = {
      leader: true,
      config: CONFIG,
      relations: [remote(1, { 0: "10.1.2.3" })],
    };
    ok0(await run(cluster, state, { kind: "hook", name: "config-changed" }));
    ok0(
      await run(cluster, { ...state, planned: { appDying: true } }, {
        kind: "hook",
        name: "remove",
      }),
    );
    deepStrictEqual(cluster.objects("EndpointSlice"), []);
    deepStrictEqual(cluster.objects("Service"), []);
  }));
