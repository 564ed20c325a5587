/**
 * Black-box ingress-per-unit in TCP mode: the packed charm against the fake hook tools and the
 * fake Kubernetes API server (which validates the Gateway, TCPRoutes and Services against their
 * CRDs and core schemas). Per unit a TCP listener on its own port, a TCPRoute and a per-pod
 * Service; URL `<address>:<port>`; ports stable across hooks, scale-downs and scale-ups.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { type Cluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { tcpTraefikRoute, unitData } from "./ingress_per_unit_fixtures.ts";
import type { KubeObject } from "../src/k8s/types.ts";
import { withCluster } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const charmDir = await packedCharmDir();
const CONFIG = { "enforce-https": false, "gateway-class": "cilium" };
const CHANGED: HookEvent = { kind: "hook", name: "config-changed" };
const UPDATE: HookEvent = { kind: "hook", name: "update-status" };

const tcpUnit = (unit: string) => unitData(unit, { mode: "tcp", port: "9093" });

function kafka(units: number[]): RelationState {
  return {
    id: 1,
    endpoint: "ingress-per-unit",
    remoteApp: "kafka",
    remoteAppData: {},
    remoteUnits: Object.fromEntries(units.map((n) => [`kafka/${n}`, tcpUnit(`kafka/${n}`)])),
  };
}

async function run(cluster: Cluster, state: JujuState, event: HookEvent = CHANGED) {
  const result = await runHook(charmDir, state, event, { env: cluster.env });
  strictEqual(result.exitCode, 0, `exit ${result.exitCode}: ${result.stderr}`);
  return result;
}

/** The Gateway exists (created by a first hook) and its controller gave it an address. */
async function addressed(cluster: Cluster): Promise<void> {
  await run(cluster, { leader: true, config: CONFIG });
  cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
}

function urls(result: HookResult): Record<string, string> | undefined {
  const raw = result.state.relations?.find((r) => r.id === 1)?.localAppData?.ingress;
  if (raw === undefined) return undefined;
  const data = parseYaml(raw) as Record<string, { url: string }>;
  return Object.fromEntries(Object.entries(data).map(([unit, { url }]) => [unit, url]));
}

const names = (objects: KubeObject[]) => objects.map((object) => object.metadata.name).sort();
const tcpListeners = (cluster: Cluster) =>
  (cluster.objects("Gateway")[0].spec as { listeners: Record<string, unknown>[] }).listeners
    .filter((listener) => listener.protocol === "TCP")
    .map((listener) => `${listener.name}=${listener.port}`).sort();

function withUnits(state: JujuState, units: number[]): JujuState {
  return {
    ...state,
    relations: state.relations!.map((r) =>
      r.id === 1
        ? {
          ...r,
          remoteUnits: Object.fromEntries(units.map((n) => [`kafka/${n}`, tcpUnit(`kafka/${n}`)])),
        }
        : r
    ),
  };
}

Deno.test("TCP per unit: a listener on its own port, a TCPRoute to its pod's Service, host:port", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    const result = await run(cluster, { leader: true, config: CONFIG, relations: [kafka([0, 1])] });
    deepStrictEqual(tcpListeners(cluster), [
      `${APP}-kafka-0-tcp-20000=20000`,
      `${APP}-kafka-1-tcp-20001=20001`,
    ]);
    deepStrictEqual(names(cluster.objects("TCPRoute")), [
      `${APP}-kafka-0-tcp`,
      `${APP}-kafka-1-tcp`,
    ]);
    const route = cluster.objects("TCPRoute").find((r) =>
      r.metadata.name === `${APP}-kafka-1-tcp`
    )!;
    const spec = route.spec as {
      parentRefs: { sectionName: string }[];
      rules: { backendRefs: { name: string; port: number }[] }[];
    };
    deepStrictEqual(spec.parentRefs.map((ref) => ref.sectionName), [`${APP}-kafka-1-tcp-20001`]);
    deepStrictEqual(
      spec.rules[0].backendRefs.map((ref) => [ref.name, ref.port]),
      [[`${APP}-kafka-1-service`, 9093]],
    );
    const service = cluster.objects("Service").find((s) =>
      s.metadata.name === `${APP}-kafka-1-service`
    )!;
    deepStrictEqual((service.spec as { selector: unknown }).selector, {
      "statefulset.kubernetes.io/pod-name": "kafka-1",
    });
    deepStrictEqual(cluster.objects("HTTPRoute"), [], "no HTTP route for a TCP unit");
    deepStrictEqual(urls(result), { "kafka/0": "10.0.0.9:20000", "kafka/1": "10.0.0.9:20001" });
    strictEqual(
      result.state.relations![0].localAppData!.ingress,
      "kafka/0:\n  url: 10.0.0.9:20000\nkafka/1:\n  url: 10.0.0.9:20001\n",
    );
    strictEqual(result.state.unitStatus?.status, "active");

    cluster.server.resetLog();
    const again = await run(cluster, result.state, UPDATE);
    deepStrictEqual(
      cluster.server.resourceRequests().filter((request) => request.method !== "GET"),
      [],
      "a steady state writes nothing",
    );
    ok(!again.toolCalls.some((call) => call.tool === "relation-set"));
  }));

Deno.test("TCP ports are stable: a unit keeps its port when others depart and join in one hook", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    const first = await run(cluster, {
      leader: true,
      config: CONFIG,
      relations: [kafka([0, 1, 2])],
    });
    deepStrictEqual(urls(first), {
      "kafka/0": "10.0.0.9:20000",
      "kafka/1": "10.0.0.9:20001",
      "kafka/2": "10.0.0.9:20002",
    });
    // kafka/1 departs while kafka/3 and kafka/4 have joined: one hook sees it all.
    const changed = await run(cluster, withUnits(first.state, [0, 2, 3, 4]), {
      kind: "relation",
      name: "departed",
      relationId: 1,
      remoteUnit: "kafka/1",
      departingUnit: "kafka/1",
    });
    deepStrictEqual(urls(changed), {
      "kafka/0": "10.0.0.9:20000",
      "kafka/2": "10.0.0.9:20002",
      "kafka/3": "10.0.0.9:20001",
      "kafka/4": "10.0.0.9:20003",
    });
    deepStrictEqual(tcpListeners(cluster), [
      `${APP}-kafka-0-tcp-20000=20000`,
      `${APP}-kafka-2-tcp-20002=20002`,
      `${APP}-kafka-3-tcp-20001=20001`,
      `${APP}-kafka-4-tcp-20003=20003`,
    ]);
    deepStrictEqual(names(cluster.objects("TCPRoute")), [
      `${APP}-kafka-0-tcp`,
      `${APP}-kafka-2-tcp`,
      `${APP}-kafka-3-tcp`,
      `${APP}-kafka-4-tcp`,
    ]);
    ok(!names(cluster.objects("Service")).includes(`${APP}-kafka-1-service`));

    // All go: the listeners, routes and Services go with them.
    const gone = await run(cluster, withUnits(changed.state, []), UPDATE);
    strictEqual(urls(gone), undefined);
    deepStrictEqual(tcpListeners(cluster), []);
    deepStrictEqual(cluster.objects("TCPRoute"), []);
    deepStrictEqual(cluster.objects("Service"), []);
  }));

Deno.test("the port range bounds TCP units: a full range and a bad range are Blocked by unit", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    const http: RelationState = {
      id: 2,
      endpoint: "ingress-per-unit",
      remoteApp: "prometheus",
      remoteAppData: {},
      remoteUnits: { "prometheus/0": unitData("prometheus/0") },
    };
    const config = { ...CONFIG, "ingress-per-unit-tcp-ports": "20000-20001" };
    const full = await run(cluster, { leader: true, config, relations: [kafka([0, 1, 2]), http] });
    deepStrictEqual(urls(full), { "kafka/0": "10.0.0.9:20000", "kafka/1": "10.0.0.9:20001" });
    deepStrictEqual(full.state.unitStatus, {
      status: "blocked",
      message: "Invalid ingress-per-unit data: unit kafka/2: no free port left in " +
        "ingress-per-unit-tcp-ports 20000-20001",
    });

    const bad = await run(cluster, {
      ...full.state,
      config: { ...CONFIG, "ingress-per-unit-tcp-ports": "many" },
    });
    strictEqual(urls(bad), undefined, "the TCP units lose their URLs");
    deepStrictEqual(tcpListeners(cluster), []);
    ok(
      bad.state.unitStatus!.message.includes(
        'Invalid ingress-per-unit-tcp-ports "many": not a port range',
      ),
    );
    const http2 = bad.state.relations!.find((r) => r.id === 2)!.localAppData!.ingress;
    strictEqual(
      http2,
      "prometheus/0:\n  url: http://10.0.0.9/testing-prometheus-0\n",
      "HTTP units stay",
    );

    // A new range moves the units into it.
    const moved = await run(cluster, {
      ...bad.state,
      config: { ...CONFIG, "ingress-per-unit-tcp-ports": "30000-30009" },
    });
    deepStrictEqual(urls(moved), {
      "kafka/0": "10.0.0.9:30000",
      "kafka/1": "10.0.0.9:30001",
      "kafka/2": "10.0.0.9:30002",
    });
    // Writing the Gateway's spec brought back the CRD's pending conditions (issue 15): Active
    // once the Gateway controller has taken the new listeners.
    deepStrictEqual(moved.state.unitStatus, {
      status: "waiting",
      message: "Waiting for the Gateway controller",
    });
    await cluster.acceptAll(APP);
    const settled = await run(cluster, moved.state, { kind: "hook", name: "update-status" });
    strictEqual(settled.state.unitStatus?.status, "active");
  }));

Deno.test("a unit switching from HTTP to TCP mode trades its HTTP route for a listener", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    const relation = kafka([0]);
    relation.remoteUnits!["kafka/0"] = unitData("kafka/0", { port: "9093" });
    const http = await run(cluster, { leader: true, config: CONFIG, relations: [relation] });
    deepStrictEqual(urls(http), { "kafka/0": "http://10.0.0.9/testing-kafka-0" });
    const tcp = await run(cluster, withUnits(http.state, [0]));
    deepStrictEqual(urls(tcp), { "kafka/0": "10.0.0.9:20000" });
    deepStrictEqual(cluster.objects("HTTPRoute"), []);
    deepStrictEqual(names(cluster.objects("TCPRoute")), [`${APP}-kafka-0-tcp`]);
  }));

Deno.test("a port two endpoints want: the holder keeps it, the other is Blocked naming both", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    // A traefik-route requirer holds 20000: a new TCP unit gets the next port.
    const first = await run(cluster, {
      leader: true,
      config: CONFIG,
      relations: [tcpTraefikRoute(2, "hockeypuck", 20000), kafka([0])],
    });
    deepStrictEqual(urls(first), { "kafka/0": "10.0.0.9:20001" });
    strictEqual(first.state.unitStatus?.status, "active");

    // Another traefik-route requirer now asks for the unit's port: it is refused, naming both.
    const second = await run(cluster, {
      ...first.state,
      relations: [...first.state.relations!, tcpTraefikRoute(3, "keyserver", 20001)],
    });
    deepStrictEqual(urls(second), { "kafka/0": "10.0.0.9:20001" });
    deepStrictEqual(second.state.unitStatus?.status, "blocked");
    ok(
      second.state.unitStatus!.message.includes(
        "traefik-route keyserver: port 20001/TCP is already taken by ingress-per-unit kafka/0",
      ),
      second.state.unitStatus!.message,
    );
    deepStrictEqual(tcpListeners(cluster), [
      `${APP}-hockeypuck-tcp-20000=20000`,
      `${APP}-kafka-0-tcp-20001=20001`,
    ]);
  }));

Deno.test("a listener added after a TCP one settles: the next hooks write nothing and are Active", () =>
  withCluster(async (cluster) => {
    // Server-side apply keeps a list-map's live order: the new HTTP listener of x.example.com
    // lands after the TCP listener, while the charm wants it before. Order means nothing there.
    const config = { ...CONFIG, "external-hostname": "gw.example.com" };
    const first = await run(cluster, {
      leader: true,
      config: { ...config, "additional-hostnames": "a.example.com" },
      relations: [kafka([0])],
    });
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    await cluster.acceptAll(APP);
    const moved = await run(cluster, {
      ...first.state,
      config: { ...config, "additional-hostnames": "x.example.com" },
    });
    await cluster.acceptAll(APP);
    const settled = await run(cluster, moved.state, UPDATE);
    cluster.server.resetLog();
    const again = await run(cluster, settled.state, UPDATE);
    deepStrictEqual(
      cluster.server.resourceRequests().filter((request) => request.method !== "GET"),
      [],
    );
    deepStrictEqual(again.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9 (enforce-https is set to false)",
    });
  }));
