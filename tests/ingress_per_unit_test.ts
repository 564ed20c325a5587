/**
 * Black-box ingress-per-unit scenarios: the packed charm against the fake hook tools and the fake
 * Kubernetes API server (which validates every object against the Gateway API CRDs). Per unit a
 * Service and routes; the URL map in the `ingress` YAML of our application databag, read back as
 * the traefik_k8s requirer library reads it and checked against the library's provider schema.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- test-only dependency, kept out of deno.json
import { Ajv } from "npm:ajv@8.17.1";
import { parse as parseYaml } from "yaml";
import { type Cluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { createTestCa } from "./harness/tls_ca.ts";
import { unitData } from "./ingress_per_unit_fixtures.ts";
import type { KubeObject } from "../src/k8s/types.ts";
import { ok0, withCluster } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const charmDir = await packedCharmDir();
const SCHEMAS = JSON.parse(
  await Deno.readTextFile(new URL("./interfaces/ingress_per_unit_schemas.json", import.meta.url)),
);
const ajv = new Ajv();
const providerSchema = ajv.compile(SCHEMAS.provider_app);

const CONFIG = { "enforce-https": false, "gateway-class": "cilium" };
const CHANGED: HookEvent = { kind: "hook", name: "config-changed" };
const UPDATE: HookEvent = { kind: "hook", name: "update-status" };

function requirer(
  id: number,
  app: string,
  units: number[],
  extra: Record<string, string> = {},
): RelationState {
  return {
    id,
    endpoint: "ingress-per-unit",
    remoteApp: app,
    remoteAppData: {},
    remoteUnits: Object.fromEntries(
      units.map((n) => [`${app}/${n}`, unitData(`${app}/${n}`, extra)]),
    ),
  };
}

function run(cluster: Cluster, state: JujuState, event: HookEvent = CHANGED): Promise<HookResult> {
  return runHook(charmDir, state, event, { env: cluster.env });
}

/** The Gateway exists (created by a first hook) and its controller gave it an address. */
async function addressed(cluster: Cluster): Promise<void> {
  ok0(await run(cluster, { leader: true, config: CONFIG }));
  cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
}

const names = (objects: KubeObject[]) => objects.map((object) => object.metadata.name).sort();
const specOf = <T>(object: KubeObject | undefined): T => (object as unknown as { spec: T }).spec;
const named = (cluster: Cluster, kind: string, name: string) =>
  cluster.objects(kind).find((object) => object.metadata.name === name);

/** The URLs of a relation as the requirer library reads them (`yaml.safe_load` of `ingress`,
 * validated with the library's provider schema); undefined when the key is absent. */
export function unitUrls(
  result: HookResult,
  relationId: number,
): Record<string, string> | undefined {
  const raw = result.state.relations?.find((relation) => relation.id === relationId)?.localAppData
    ?.ingress;
  if (raw === undefined) return undefined;
  const data = parseYaml(raw) as Record<string, { url: string }>;
  ok(providerSchema({ ingress: data }), JSON.stringify(providerSchema.errors));
  return Object.fromEntries(Object.entries(data).map(([unit, value]) => [unit, value.url]));
}

Deno.test("HTTP per unit: a Service selecting each pod, a route on its prefix, its URL", () =>
  withCluster(async (cluster) => {
    const state = { leader: true, config: CONFIG, relations: [requirer(1, "prometheus", [0, 1])] };
    const first = ok0(await run(cluster, state));
    strictEqual(unitUrls(first, 1), undefined, "no URL before the Gateway has an address");
    deepStrictEqual(names(cluster.objects("Service")), [
      `${APP}-prometheus-0-service`,
      `${APP}-prometheus-1-service`,
    ]);
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [
      `${APP}-prometheus-0-http`,
      `${APP}-prometheus-1-http`,
    ]);
    const service = specOf<{ selector: unknown; ports: { port: number }[] }>(
      named(cluster, "Service", `${APP}-prometheus-1-service`),
    );
    deepStrictEqual(service.selector, { "statefulset.kubernetes.io/pod-name": "prometheus-1" });
    deepStrictEqual(service.ports.map((port) => port.port), [9090]);
    const route = specOf<
      { rules: { matches: unknown; filters: unknown[]; backendRefs: unknown }[] }
    >(named(cluster, "HTTPRoute", `${APP}-prometheus-1-http`));
    deepStrictEqual(route.rules[0].matches, [{
      path: { type: "PathPrefix", value: "/testing-prometheus-1" },
    }]);
    deepStrictEqual(route.rules[0].filters, []);
    deepStrictEqual(route.rules[0].backendRefs, [{
      group: "",
      kind: "Service",
      name: `${APP}-prometheus-1-service`,
      port: 9090,
      weight: 1,
    }]);

    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const second = ok0(await run(cluster, first.state, UPDATE));
    deepStrictEqual(unitUrls(second, 1), {
      "prometheus/0": "http://10.0.0.9/testing-prometheus-0",
      "prometheus/1": "http://10.0.0.9/testing-prometheus-1",
    });
    // Byte for byte what the library's `yaml.safe_dump` writes (interfaces.md §2.2).
    strictEqual(
      second.state.relations![0].localAppData!.ingress,
      "prometheus/0:\n  url: http://10.0.0.9/testing-prometheus-0\n" +
        "prometheus/1:\n  url: http://10.0.0.9/testing-prometheus-1\n",
    );
    deepStrictEqual(second.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9 (enforce-https is set to false)",
    });

    cluster.server.resetLog();
    const third = ok0(await run(cluster, second.state, UPDATE));
    deepStrictEqual(
      cluster.server.resourceRequests().filter((request) => request.method !== "GET"),
      [],
      "a steady state writes nothing",
    );
    ok(!third.toolCalls.some((call) => call.tool === "relation-set"), "and sets no relation data");
  }));

Deno.test("HTTP per unit honours strip-prefix; redirect-https without HTTPS served forwards on HTTP", () =>
  withCluster(async (cluster) => {
    const relation = requirer(1, "web", [0], { "strip-prefix": "true", "redirect-https": "true" });
    const config = { ...CONFIG, "external-hostname": "gw.example.com" };
    ok0(await run(cluster, { leader: true, config, relations: [relation] }));
    const route = specOf<{ hostnames: string[]; rules: { filters: unknown[] }[] }>(
      named(cluster, "HTTPRoute", `${APP}-web-0-http`),
    );
    deepStrictEqual(route.hostnames, ["gw.example.com"]);
    // No HTTPS without a certificate: the unit is served on HTTP, its prefix stripped.
    deepStrictEqual(route.rules[0].filters, [{
      type: "URLRewrite",
      urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
    }]);
  }));

Deno.test("redirect-https once HTTPS is served: the unit's HTTP path redirects, HTTPS forwards", () =>
  withCluster(async (cluster) => {
    const ca = await createTestCa();
    const certificates: RelationState = {
      id: 90,
      endpoint: "certificates",
      remoteApp: "ca",
      remoteUnits: { "ca/0": {} },
    };
    const relations = [requirer(1, "web", [0], { "redirect-https": "true" }), certificates];
    const config = { ...CONFIG, "external-hostname": "gw.example.com" };
    const first = ok0(await run(cluster, { leader: true, config, relations }));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const ours = first.state.relations!.find((r) => r.id === 90)!.localAppData!;
    const issued: Record<string, unknown>[] = [];
    for (
      const { certificate_signing_request: csr } of JSON.parse(
        ours.certificate_signing_requests,
      )
    ) {
      const certificate = await ca.sign(csr);
      issued.push({
        ca: ca.caPem,
        certificate_signing_request: csr,
        certificate,
        chain: [certificate, ca.caPem],
      });
    }
    const state = {
      ...first.state,
      relations: first.state.relations!.map((r) =>
        r.id === 90 ? { ...r, remoteAppData: { certificates: JSON.stringify(issued) } } : r
      ),
    };
    const result = ok0(
      await run(cluster, state, { kind: "relation", name: "changed", relationId: 90 }),
    );
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [
      `${APP}-web-0-http`,
      `${APP}-web-0-https`,
    ]);
    const http = specOf<
      { rules: { matches: unknown; filters: unknown[]; backendRefs?: unknown }[] }
    >(
      named(cluster, "HTTPRoute", `${APP}-web-0-http`),
    );
    deepStrictEqual(http.rules[0].matches, [{
      path: { type: "PathPrefix", value: "/testing-web-0" },
    }]);
    deepStrictEqual(http.rules[0].filters, [{
      type: "RequestRedirect",
      requestRedirect: { scheme: "https", statusCode: 301 },
    }]);
    deepStrictEqual(unitUrls(result, 1), { "web/0": "https://gw.example.com/testing-web-0" });
  }));

Deno.test("enforced HTTPS: units are routed on HTTPS with HSTS, HTTP redirects", () =>
  withCluster(async (cluster) => {
    const relations = [requirer(1, "web", [0]), {
      id: 90,
      endpoint: "certificates",
      remoteApp: "ca",
      remoteUnits: { "ca/0": {} },
    }];
    const config = { "gateway-class": "cilium", "external-hostname": "gw.example.com" };
    const result = ok0(await run(cluster, { leader: true, config, relations }));
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [
      `${APP}-http-redirect`,
      `${APP}-web-0-https`,
    ]);
    const https = specOf<{ rules: { filters: { type: string }[] }[] }>(
      named(cluster, "HTTPRoute", `${APP}-web-0-https`),
    );
    deepStrictEqual(https.rules[0].filters.map((filter) => filter.type), [
      "ResponseHeaderModifier",
    ]);
    strictEqual(result.state.unitStatus?.status, "waiting");
  }));

Deno.test("units with invalid data are skipped one by one; the others keep their URLs", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    const relation = requirer(1, "prometheus", [0, 1, 2, 3]);
    relation.remoteUnits!["prometheus/1"] = unitData("prometheus/1", { port: "http" });
    relation.remoteUnits!["prometheus/2"] = unitData("prometheus/2", { name: "prometheus/0" });
    relation.remoteUnits!["prometheus/3"] = {};
    const result = ok0(await run(cluster, { leader: true, config: CONFIG, relations: [relation] }));
    deepStrictEqual(unitUrls(result, 1), {
      "prometheus/0": "http://10.0.0.9/testing-prometheus-0",
    });
    deepStrictEqual(names(cluster.objects("Service")), [`${APP}-prometheus-0-service`]);
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message: 'Invalid ingress-per-unit data: unit prometheus/1: port "http" is not a port ' +
        'number (1-65535); unit prometheus/2: name "prometheus/0" is not the unit\'s name',
    });

    // Fixed data: the unit that had written nothing is waited for.
    relation.remoteUnits!["prometheus/1"] = unitData("prometheus/1");
    relation.remoteUnits!["prometheus/2"] = unitData("prometheus/2");
    const fixed = ok0(await run(cluster, { ...result.state, relations: [relation] }));
    deepStrictEqual(Object.keys(unitUrls(fixed, 1)!), [
      "prometheus/0",
      "prometheus/1",
      "prometheus/2",
    ]);
    deepStrictEqual(fixed.state.unitStatus, {
      status: "waiting",
      message: "Waiting for ingress data from prometheus/3",
    });
  }));

Deno.test("units naming different models withdraw the relation, as the library does", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    const relation = requirer(1, "prometheus", [0, 1]);
    const first = ok0(await run(cluster, { leader: true, config: CONFIG, relations: [relation] }));
    strictEqual(Object.keys(unitUrls(first, 1)!).length, 2);
    relation.remoteUnits!["prometheus/1"] = unitData("prometheus/1", { model: "other" });
    const result = ok0(await run(cluster, { ...first.state, relations: [relation] }));
    strictEqual(unitUrls(result, 1), undefined);
    deepStrictEqual(cluster.objects("Service"), []);
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message:
        "Invalid ingress-per-unit data: prometheus: its units name different models (other, testing)",
    });
  }));

Deno.test("units in another model are refused by name: no Service would select their pods", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    const relation = requirer(1, "prometheus", [0]);
    relation.remoteUnits!["prometheus/0"] = unitData("prometheus/0", { model: "other" });
    const result = ok0(await run(cluster, { leader: true, config: CONFIG, relations: [relation] }));
    strictEqual(unitUrls(result, 1), undefined);
    deepStrictEqual(cluster.objects("Service"), []);
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message: "Invalid ingress-per-unit data: prometheus: its units are in model other: " +
        "per-unit ingress serves units of model testing only",
    });
  }));

Deno.test("scale down and up: a departed unit loses its URL and objects, a new one gets them", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    const relation = requirer(1, "prometheus", [0, 1]);
    const first = ok0(await run(cluster, { leader: true, config: CONFIG, relations: [relation] }));
    strictEqual(Object.keys(unitUrls(first, 1)!).length, 2);

    // prometheus/1 departs: relation-list no longer names it.
    const departed = ok0(
      await run(cluster, first.state, {
        kind: "relation",
        name: "departed",
        relationId: 1,
        remoteUnit: "prometheus/1",
        departingUnit: "prometheus/1",
      }),
    );
    deepStrictEqual(unitUrls(departed, 1), {
      "prometheus/0": "http://10.0.0.9/testing-prometheus-0",
    });
    deepStrictEqual(names(cluster.objects("Service")), [`${APP}-prometheus-0-service`]);
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [`${APP}-prometheus-0-http`]);

    // Two units join at once and write their data: both are served in the same hook.
    const grown = departed.state.relations!.map((r) => ({
      ...r,
      remoteUnits: {
        "prometheus/0": unitData("prometheus/0"),
        "prometheus/2": unitData("prometheus/2"),
        "prometheus/3": unitData("prometheus/3"),
      },
    }));
    const joined = ok0(
      await run(cluster, { ...departed.state, relations: grown }, {
        kind: "relation",
        name: "changed",
        relationId: 1,
        remoteUnit: "prometheus/3",
      }),
    );
    deepStrictEqual(Object.keys(unitUrls(joined, 1)!), [
      "prometheus/0",
      "prometheus/2",
      "prometheus/3",
    ]);
    deepStrictEqual(names(cluster.objects("Service")), [
      `${APP}-prometheus-0-service`,
      `${APP}-prometheus-2-service`,
      `${APP}-prometheus-3-service`,
    ]);

    // The relation is broken: everything of it goes, and the URLs are not rewritten.
    const broken = joined.state.relations!.map((r) => ({ ...r, remoteUnits: {}, dying: true }));
    ok0(
      await run(cluster, { ...joined.state, relations: broken }, {
        kind: "relation",
        name: "broken",
        relationId: 1,
      }),
    );
    deepStrictEqual(cluster.objects("Service"), []);
    deepStrictEqual(cluster.objects("HTTPRoute"), []);
  }));

Deno.test("per-unit and application ingress share the Gateway; gateway-route is refused", () =>
  withCluster(async (cluster) => {
    await addressed(cluster);
    const app: RelationState = {
      id: 2,
      endpoint: "gateway",
      remoteApp: "web",
      remoteAppData: { model: '"testing"', name: '"web"', port: "8080" },
      remoteUnits: { "web/0": { host: '"web-0.web-endpoints.testing.svc.cluster.local"' } },
    };
    const relations = [requirer(1, "prometheus", [0]), app];
    const result = ok0(await run(cluster, { leader: true, config: CONFIG, relations }));
    deepStrictEqual(names(cluster.objects("Service")), [
      `${APP}-prometheus-0-service`,
      `${APP}-web-service`,
    ]);
    deepStrictEqual(unitUrls(result, 1), {
      "prometheus/0": "http://10.0.0.9/testing-prometheus-0",
    });
    strictEqual(result.state.unitStatus?.status, "active");

    const route: RelationState = {
      id: 3,
      endpoint: "gateway-route",
      remoteApp: "hockeypuck",
      remoteAppData: { hostnames: '["keys.example.com"]' },
      remoteUnits: { "hockeypuck/0": {} },
    };
    const both = ok0(
      await run(cluster, { ...result.state, relations: [requirer(1, "prometheus", [0]), route] }),
    );
    deepStrictEqual(both.state.unitStatus, {
      status: "blocked",
      message:
        "Both ingress-per-unit and gateway-route integrations are established. Only one is allowed.",
    });
    strictEqual(unitUrls(both, 1), undefined, "the URLs are withdrawn");
  }));
