/**
 * End-to-end tests of the fake API server through the real @kubernetes/client-node
 * (KubernetesObjectApi with server-side apply, CustomObjectsApi, CoreV1Api) over HTTP:
 * discovery, CRUD, label selectors, server-side apply semantics (field removal, no-op applies,
 * conflicts and force), the status subresource, validation errors, RBAC denials and faults.
 */

import assert from "node:assert/strict";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { kubeConfigFor } from "./client.ts";
import { isObject, type JsonObject, type StatusBody } from "./errors.ts";
import { type FakeApiServer, type FakeApiServerOptions, startFakeApiServer } from "./server.ts";

const NS = "testns";
const GROUP = "gateway.networking.k8s.io";
const GW_API = `${GROUP}/v1`;
const LABEL = "gateway-api-integrator.charm.juju.is/managed-by";

type J = Record<string, unknown>;

/** client-node keeps pooled connections and timers alive; the server's close() ends them. */
const sanitize = { sanitizeOps: false, sanitizeResources: false };

async function withServer(
  fn: (s: FakeApiServer, kc: KubeConfig) => Promise<void>,
  opts: FakeApiServerOptions = {},
): Promise<void> {
  const s = await startFakeApiServer({ namespaces: [NS], ...opts });
  try {
    await fn(s, kubeConfigFor(s, NS));
  } finally {
    await s.close();
  }
}

function test(name: string, fn: (s: FakeApiServer, kc: KubeConfig) => Promise<void>) {
  Deno.test({ name, ...sanitize, fn: () => withServer(fn) });
}

/** Runs `p`, expecting an ApiException; returns its code and the parsed Status. */
async function apiError(p: Promise<unknown>): Promise<{ code: number; status: StatusBody }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      let body: unknown = e.body;
      if (typeof body === "string") {
        try {
          body = JSON.parse(body);
        } catch {
          // Non-JSON bodies (e.g. "404 page not found") carry no Status.
          body = {};
        }
      }
      return { code: e.code, status: body as StatusBody };
    }
    throw e;
  }
  assert.fail("expected an ApiException");
}

async function raw(
  s: FakeApiServer,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<{ status: number; body: J; headers: Headers }> {
  const res = await fetch(s.url + path, {
    method,
    headers: { Authorization: `Bearer ${s.token}`, "Content-Type": contentType },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: J;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

function listener(name: string, port: number, o: J = {}): J {
  return { name, port, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } }, ...o };
}

function gateway(listeners: J[], extra: J = {}): KubernetesObject & J {
  return {
    apiVersion: GW_API,
    kind: "Gateway",
    metadata: { name: "gw", labels: { [LABEL]: "gw" } },
    spec: { gatewayClassName: "cilium", listeners },
    ...extra,
  };
}

function route(filters: J[], name = "gw-http"): KubernetesObject & J {
  return {
    apiVersion: GW_API,
    kind: "HTTPRoute",
    metadata: { name, labels: { [LABEL]: "gw" } },
    spec: {
      parentRefs: [{ name: "gw", namespace: NS, sectionName: "gw-http" }],
      rules: [{
        matches: [{ path: { type: "PathPrefix", value: `/${NS}-app` } }],
        filters,
        backendRefs: [{ name: "gw-app-service", port: 8080 }],
      }],
    },
  };
}

function service(ports: J[], name = "gw-app-service"): KubernetesObject & J {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, labels: { [LABEL]: "gw" } },
    spec: { ports, selector: { "app.kubernetes.io/name": "app" } },
  };
}

const urlRewrite = {
  type: "URLRewrite",
  urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
};
const hsts = {
  type: "ResponseHeaderModifier",
  responseHeaderModifier: { add: [{ name: "Strict-Transport-Security", value: "max-age=300" }] },
};

function apply(api: KubernetesObjectApi, obj: KubernetesObject, manager = "gw", force = true) {
  return api.patch(
    structuredClone(obj),
    undefined,
    undefined,
    manager,
    force,
    PatchStrategy.ServerSideApply,
  );
}

function spec(o: unknown): J {
  assert.ok(isObject(o) && isObject(o.spec));
  return o.spec as J;
}

function rv(o: KubernetesObject | JsonObject | undefined): string {
  const m = o?.metadata;
  assert.ok(isObject(m));
  return String(m.resourceVersion);
}

// ---------------------------------------------------------------------------------------------

test("discovery documents", async (s) => {
  const core = await raw(s, "GET", "/api/v1");
  const svc = (core.body.resources as J[]).find((r) => r.name === "services");
  assert.deepEqual(svc && { ...svc, shortNames: undefined, categories: undefined }, {
    name: "services",
    singularName: "service",
    namespaced: true,
    kind: "Service",
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    shortNames: undefined,
    categories: undefined,
  });
  const gw = await raw(s, "GET", `/apis/${GROUP}/v1`);
  const names = (gw.body.resources as J[]).map((r) => `${r.name}:${r.namespaced}`);
  for (
    const n of [
      "gatewayclasses:false",
      "gatewayclasses/status:false",
      "gateways:true",
      "gateways/status:true",
      "httproutes:true",
      "grpcroutes:true",
      "referencegrants:true",
    ]
  ) assert.ok(names.includes(n), n);
  const groups = await raw(s, "GET", "/apis");
  const g = (groups.body.groups as J[]).find((x) => x.name === GROUP);
  assert.deepEqual(g?.preferredVersion, { groupVersion: GW_API, version: "v1" });
  const slices = await raw(s, "GET", "/apis/discovery.k8s.io/v1");
  assert.equal((slices.body.resources as J[])[0].name, "endpointslices");
  assert.equal((await raw(s, "GET", `/apis/${GROUP}/v1beta1`)).status, 200);
  assert.ok(s.requests.every((r) => r.discovery));
});

test("client-node discovers once per apiVersion; discovery is marked in the log", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await api.list(GW_API, "Gateway", NS);
  await api.list(GW_API, "HTTPRoute", NS);
  assert.deepEqual(
    s.requests.map((r) => [r.method, r.path, r.discovery]),
    [
      ["GET", `/apis/${GROUP}/v1`, true],
      ["GET", `/apis/${GROUP}/v1/namespaces/${NS}/gateways`, false],
      ["GET", `/apis/${GROUP}/v1/namespaces/${NS}/httproutes`, false],
    ],
  );
  assert.equal(s.resourceRequests({ verb: "list" }).length, 2);
});

Deno.test({
  name: "without the Gateway API CRDs client-node reports 404 from discovery",
  ...sanitize,
  fn: () =>
    withServer(async (_s, kc) => {
      const api = KubernetesObjectApi.makeApiClient(kc);
      const { code } = await apiError(api.list(GW_API, "Gateway", NS));
      assert.equal(code, 404);
    }, { gatewayApi: false }),
});

test("create, read, list by label, delete", async (_s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const created = await api.create(route([]));
  assert.equal(created.metadata?.namespace, NS);
  assert.equal(created.metadata?.generation, 1);
  assert.ok(created.metadata?.uid);
  const again = await apiError(api.create(route([])));
  assert.equal(again.code, 409);
  assert.equal(again.status.reason, "AlreadyExists");
  assert.equal(again.status.message, `httproutes.${GROUP} "gw-http" already exists`);

  await api.create(route([], "other"));
  const unlabelled = route([], "unlabelled");
  unlabelled.metadata = { name: "unlabelled" };
  await api.create(unlabelled);
  const listed = await api.list(
    GW_API,
    "HTTPRoute",
    NS,
    undefined,
    undefined,
    undefined,
    undefined,
    `${LABEL}=gw`,
  );
  assert.deepEqual(listed.items.map((i) => i.metadata?.name), ["gw-http", "other"]);

  const read = await api.read({
    apiVersion: GW_API,
    kind: "HTTPRoute",
    metadata: { name: "gw-http", namespace: NS },
  });
  assert.deepEqual(spec(read).parentRefs, [
    { group: GROUP, kind: "Gateway", name: "gw", namespace: NS, sectionName: "gw-http" },
  ]);

  const del = await api.delete({
    apiVersion: GW_API,
    kind: "HTTPRoute",
    metadata: { name: "gw-http", namespace: NS },
  });
  assert.equal(del.status, "Success");
  const missing = await apiError(
    api.read({
      apiVersion: GW_API,
      kind: "HTTPRoute",
      metadata: { name: "gw-http", namespace: NS },
    }),
  );
  assert.equal(missing.code, 404);
  assert.equal(missing.status.reason, "NotFound");
  assert.equal(missing.status.message, `httproutes.${GROUP} "gw-http" not found`);
  assert.deepEqual(missing.status.details, { name: "gw-http", group: GROUP, kind: "httproutes" });
  const gone = await apiError(
    api.delete({
      apiVersion: GW_API,
      kind: "HTTPRoute",
      metadata: { name: "gw-http", namespace: NS },
    }),
  );
  assert.equal(gone.code, 404);
});

test("label selector operators", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const mk = (name: string, labels: J) =>
    api.create(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels } } as KubernetesObject,
    );
  await mk("a", { app: "x", tier: "web" });
  await mk("b", { app: "y" });
  await mk("c", {});
  const names = async (sel: string) =>
    (await api.list("v1", "ConfigMap", NS, undefined, undefined, undefined, undefined, sel)).items
      .map((i) => i.metadata?.name);
  assert.deepEqual(await names("app=x"), ["a"]);
  assert.deepEqual(await names("app==y"), ["b"]);
  assert.deepEqual(await names("app!=x"), ["b", "c"]);
  assert.deepEqual(await names("app"), ["a", "b"]);
  assert.deepEqual(await names("!app"), ["c"]);
  assert.deepEqual(await names("app in (x, y),tier"), ["a"]);
  assert.deepEqual(await names("app notin (x)"), ["b", "c"]);
  assert.equal(s.resourceRequests({ verb: "list" }).at(-1)?.query.labelSelector, "app notin (x)");
  const bad = await apiError(names("app in ("));
  assert.equal(bad.code, 400);
});

test("SSA: a listener dropped from the applied config is removed", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const first = await apply(api, gateway([listener("gw-http", 80), listener("gw-http-2", 8080)]));
  assert.equal(s.requests.at(-1)?.status, 201);
  assert.equal(s.requests.at(-1)?.contentType, "application/apply-patch+yaml");
  assert.equal((spec(first).listeners as J[]).length, 2);
  const second = await apply(api, gateway([listener("gw-http", 80)]));
  assert.deepEqual((spec(second).listeners as J[]).map((l) => l.name), ["gw-http"]);
  const live = s.get("Gateway", NS, "gw");
  assert.deepEqual((spec(live).listeners as J[]).map((l) => l.name), ["gw-http"]);
  assert.equal(live?.metadata && (live.metadata as J).generation, 2);
  const mf = (live?.metadata as J).managedFields as J[];
  assert.deepEqual(mf.map((e) => [e.manager, e.operation]), [["gw", "Apply"]]);
  assert.deepEqual(Object.keys(((mf[0].fieldsV1 as J)["f:spec"] as J)["f:listeners"] as J), [
    'k:{"name":"gw-http"}',
  ]);
});

test("SSA: a label dropped from the applied config is removed", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const gw = gateway([listener("gw-http", 80)]);
  (gw.metadata as J).labels = { [LABEL]: "gw", extra: "1" };
  await apply(api, gw);
  await apply(api, gateway([listener("gw-http", 80)]));
  assert.deepEqual((s.get("Gateway", NS, "gw")?.metadata as J).labels, { [LABEL]: "gw" });
});

test("SSA: a Service port dropped from the applied config is removed", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await apply(
    api,
    service([{ name: "tcp-8080", port: 8080, targetPort: 8080 }, { name: "tcp-9090", port: 9090 }]),
  );
  const applied = await apply(api, service([{ name: "tcp-8080", port: 8080, targetPort: 8080 }]));
  assert.deepEqual(JSON.parse(JSON.stringify(spec(applied).ports)), [
    { name: "tcp-8080", port: 8080, protocol: "TCP", targetPort: 8080 },
  ]);
  const live = s.get("Service", NS, "gw-app-service");
  assert.match(String(spec(live).clusterIP), /^10\.96\./);
  const fields = ((live?.metadata as J).managedFields as J[])[0].fieldsV1 as J;
  assert.ok(
    Object.hasOwn((fields["f:spec"] as J)["f:ports"] as J, 'k:{"port":8080,"protocol":"TCP"}'),
  );
});

test("SSA: an HTTPRoute filter dropped from the applied config is removed", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await apply(api, route([urlRewrite, hsts]));
  const applied = await apply(api, route([urlRewrite]));
  const rules = spec(applied).rules as J[];
  assert.deepEqual(rules[0].filters, [urlRewrite]);
  assert.deepEqual((spec(s.get("HTTPRoute", NS, "gw-http")).rules as J[])[0].filters, [urlRewrite]);
});

test("SSA: a no-op apply keeps resourceVersion; a change bumps it", async (_s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const gw = gateway([listener("gw-http", 80)]);
  const a = await apply(api, gw);
  const b = await apply(api, gw);
  assert.equal(rv(b), rv(a));
  assert.deepEqual(b.metadata?.managedFields, a.metadata?.managedFields);
  const r1 = await apply(api, route([urlRewrite]));
  const r2 = await apply(api, route([urlRewrite]));
  assert.equal(rv(r2), rv(r1), "atomic lists with defaulted fields are still a no-op");
  const c = await apply(api, gateway([listener("gw-http", 81)]));
  assert.notEqual(rv(c), rv(a));
  assert.equal(c.metadata?.generation, 2);
  const labelled = gateway([listener("gw-http", 81)]);
  (labelled.metadata as J).labels = { [LABEL]: "gw", more: "x" };
  const d = await apply(api, labelled);
  assert.notEqual(rv(d), rv(c));
  assert.equal(d.metadata?.generation, 2, "metadata changes do not bump generation");
});

test("SSA: conflicts without force, ownership moves with force", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await apply(api, gateway([listener("gw-http", 80)]), "gw");
  const other = gateway([listener("gw-http", 80)]);
  (other.spec as J).gatewayClassName = "istio";
  const err = await apiError(apply(api, other, "someone-else", false));
  assert.equal(err.code, 409);
  assert.equal(err.status.reason, "Conflict");
  assert.equal(
    err.status.message,
    'Apply failed with 1 conflict: conflict with "gw": .spec.gatewayClassName',
  );
  assert.deepEqual(err.status.details?.causes, [
    {
      reason: "FieldManagerConflict",
      message: 'conflict with "gw"',
      field: ".spec.gatewayClassName",
    },
  ]);
  // Same values are shared without conflict.
  await apply(api, gateway([listener("gw-http", 80)]), "someone-else", false);
  const forced = await apply(api, other, "someone-else", true);
  assert.equal(spec(forced).gatewayClassName, "istio");
  const mf = forced.metadata?.managedFields ?? [];
  const owns = (m: string) =>
    Object.hasOwn(
      ((mf.find((e) => e.manager === m)?.fieldsV1 as J)["f:spec"] as J) ?? {},
      "f:gatewayClassName",
    );
  assert.equal(owns("someone-else"), true);
  assert.equal(owns("gw"), false);
  // "gw" no longer owns the class name, so leaving it out does not remove it; the listener is
  // shared with "someone-else" and stays too.
  const gwOnly = gateway([listener("gw-http", 80)]);
  delete (gwOnly.spec as J).gatewayClassName;
  await apply(api, gwOnly, "gw");
  assert.equal(spec(s.get("Gateway", NS, "gw")).gatewayClassName, "istio");
});

test(
  "SSA after create: the creating manager's fields conflict (migration caveat)",
  async (_s, kc) => {
    const api = KubernetesObjectApi.makeApiClient(kc);
    await api.create(gateway([listener("gw-http", 80)]), undefined, undefined, "gw");
    const changed = gateway([listener("gw-http", 8080)]);
    const err = await apiError(apply(api, changed, "gw", false));
    assert.equal(err.code, 409);
    assert.match(
      String(err.status.message),
      /conflict with "gw" using gateway\.networking\.k8s\.io\/v1/,
    );
  },
);

test("merge patch replaces lists; force and strategic merge are rejected", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await api.create(gateway([listener("a", 80), listener("b", 81)]), undefined, undefined, "gw");
  const patched = await api.patch(
    gateway([listener("a", 80)]),
    undefined,
    undefined,
    "gw",
    undefined,
    PatchStrategy.MergePatch,
  );
  assert.deepEqual((spec(patched).listeners as J[]).map((l) => l.name), ["a"]);
  const forced = await apiError(
    api.patch(
      gateway([listener("a", 80)]),
      undefined,
      undefined,
      "gw",
      true,
      PatchStrategy.MergePatch,
    ),
  );
  assert.equal(forced.code, 422);
  assert.equal(
    forced.status.message,
    'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
  );
  const smp = await apiError(api.patch(gateway([listener("a", 80)])));
  assert.equal(smp.code, 415);
  assert.equal(smp.status.reason, "UnsupportedMediaType");
  const noManager = await raw(
    s,
    "PATCH",
    `/apis/${GROUP}/v1/namespaces/${NS}/gateways/gw`,
    gateway([listener("a", 80)]),
    "application/apply-patch+yaml",
  );
  assert.equal(noManager.status, 422);
  assert.equal(
    noManager.body.message,
    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
  );
});

test("JSON patch and apply with a YAML body", async (s) => {
  const base = `/apis/${GROUP}/v1/namespaces/${NS}/gateways/gw`;
  const yaml = [
    `apiVersion: ${GW_API}`,
    "kind: Gateway",
    "metadata:",
    "  name: gw",
    "spec:",
    "  gatewayClassName: cilium",
    "  listeners:",
    "  - {name: a, port: 80, protocol: HTTP}",
  ].join("\n");
  const created = await raw(
    s,
    "PATCH",
    `${base}?fieldManager=yaml`,
    yaml,
    "application/apply-patch+yaml",
  );
  assert.equal(created.status, 201);
  const jp = await raw(
    s,
    "PATCH",
    base,
    [{ op: "replace", path: "/spec/listeners/0/port", value: 8080 }],
    "application/json-patch+json",
  );
  assert.equal(jp.status, 200);
  assert.equal((spec(jp.body).listeners as J[])[0].port, 8080);
  const failed = await raw(
    s,
    "PATCH",
    base,
    [{ op: "test", path: "/spec/gatewayClassName", value: "other" }],
    "application/json-patch+json",
  );
  assert.equal(failed.status, 422);
});

test("PUT: stale resourceVersion conflicts; CRDs require one", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const created = await api.create(gateway([listener("a", 80)]));
  const updated = await api.replace(
    { ...created, spec: { ...spec(created), gatewayClassName: "x" } } as KubernetesObject,
  );
  assert.notEqual(rv(updated), rv(created));
  const stale = await apiError(api.replace(created));
  assert.equal(stale.code, 409);
  assert.equal(
    stale.status.message,
    `Operation cannot be fulfilled on gateways.${GROUP} "gw": the object has been modified; please apply your changes to the latest version and try again`,
  );
  const noRv = structuredClone(created);
  delete noRv.metadata?.resourceVersion;
  const missing = await apiError(api.replace(noRv));
  assert.equal(missing.code, 422);
  assert.equal(s.objects("Gateway").length, 1);
});

test("status subresource: only status changes; main writes ignore status", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const co = kc.makeApiClient(CustomObjectsApi);
  const gw = gateway([listener("gw-http", 80)], { status: { addresses: [{ value: "1.2.3.4" }] } });
  const created = await apply(api, gw);
  assert.equal((created as J).status && ((created as J).status as J).addresses, undefined);
  const st = { addresses: [{ type: "IPAddress", value: "10.1.1.1" }] };
  const patched = await co.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: "v1",
      namespace: NS,
      plural: "gateways",
      name: "gw",
      body: { status: st, spec: { gatewayClassName: "ignored" } },
    },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
  assert.deepEqual((patched.status as J).addresses, st.addresses);
  assert.equal(spec(patched).gatewayClassName, "cilium");
  assert.equal(patched.metadata.generation, 1);
  assert.equal(s.requests.at(-1)?.path, `/apis/${GROUP}/v1/namespaces/${NS}/gateways/gw/status`);
  const again = await apply(api, gateway([listener("gw-http", 80)], { status: { addresses: [] } }));
  assert.deepEqual(((again as J).status as J).addresses, st.addresses);
  const read = await co.getNamespacedCustomObjectStatus({
    group: GROUP,
    version: "v1",
    namespace: NS,
    plural: "gateways",
    name: "gw",
  });
  assert.deepEqual(read.status.addresses, st.addresses);
  const mf = s.get("Gateway", NS, "gw")?.metadata as J;
  assert.ok((mf.managedFields as J[]).some((e) => e.subresource === "status"));
  // A controller can also set status directly.
  s.setStatus("Gateway", NS, "gw", { addresses: [{ type: "IPAddress", value: "10.9.9.9" }] });
  const fresh = await api.read({
    apiVersion: GW_API,
    kind: "Gateway",
    metadata: { name: "gw", namespace: NS },
  });
  assert.deepEqual(((fresh as J).status as J).addresses, [{
    type: "IPAddress",
    value: "10.9.9.9",
  }]);
});

test("CustomObjectsApi: apply with setHeaderOptions, list by label, delete", async (s, kc) => {
  const co = kc.makeApiClient(CustomObjectsApi);
  const body = route([urlRewrite]);
  (body.metadata as J).namespace = NS;
  const applied = await co.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: "v1",
      namespace: NS,
      plural: "httproutes",
      name: "gw-http",
      body,
      fieldManager: "gw",
      force: true,
    },
    setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
  );
  assert.equal(applied.metadata.name, "gw-http");
  const list = await co.listNamespacedCustomObject({
    group: GROUP,
    version: "v1",
    namespace: NS,
    plural: "httproutes",
    labelSelector: `${LABEL}=gw`,
  });
  assert.equal(list.items.length, 1);
  assert.equal(list.kind, "HTTPRouteList");
  const del = await co.deleteNamespacedCustomObject({
    group: GROUP,
    version: "v1",
    namespace: NS,
    plural: "httproutes",
    name: "gw-http",
  });
  assert.equal(del.status, "Success");
  assert.equal(s.objects("HTTPRoute").length, 0);
  const missing = await apiError(
    co.getNamespacedCustomObject({
      group: GROUP,
      version: "v1",
      namespace: NS,
      plural: "httproutes",
      name: "gw-http",
    }),
  );
  assert.equal(missing.code, 404);
  assert.equal(missing.status.reason, "NotFound");
});

test(
  "CoreV1Api: secrets fold stringData; services validate names; delete returns the object",
  async (s, kc) => {
    const core = kc.makeApiClient(CoreV1Api);
    const sec = await core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: { name: "gw-secret-example.com" },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": "CERT", "tls.key": "KEY" },
      },
    });
    assert.deepEqual(sec.data, { "tls.crt": btoa("CERT"), "tls.key": btoa("KEY") });
    assert.equal(sec.stringData, undefined);
    const bad = await apiError(core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: { name: "bad" },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": "CERT" },
      },
    }));
    assert.equal(bad.code, 422);
    assert.equal(bad.status.message, 'Secret "bad" is invalid: data[tls.key]: Required value');

    const longName = `${"gateway-api-integrator-".repeat(3)}service`;
    const tooLong = await apiError(core.createNamespacedService({
      namespace: NS,
      body: { metadata: { name: longName }, spec: { ports: [{ port: 80 }] } },
    }));
    assert.equal(tooLong.code, 422);
    assert.equal(tooLong.status.reason, "Invalid");
    assert.equal(
      tooLong.status.message,
      `Service "${longName}" is invalid: metadata.name: Invalid value: "${longName}": must be no more than 63 characters`,
    );
    assert.deepEqual(tooLong.status.details?.causes?.[0].field, "metadata.name");

    const svc = await core.patchNamespacedService(
      {
        name: "svc",
        namespace: NS,
        body: service([{ name: "p", port: 80 }], "svc"),
        fieldManager: "gw",
        force: true,
      },
      setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
    );
    assert.equal(svc.spec?.type, "ClusterIP");
    const removed = await core.deleteNamespacedService({ name: "svc", namespace: NS });
    assert.equal(removed.metadata?.name, "svc");
    assert.equal(s.objects("Service").length, 0);
  },
);

test("unknown fields: pruned with a warning by default, 400 with fieldValidation=Strict", async (s) => {
  const path = `/apis/${GROUP}/v1/namespaces/${NS}/gateways`;
  const body = gateway([listener("a", 80, { bogus: 1 })]);
  const strict = await raw(s, "POST", `${path}?fieldValidation=Strict`, body);
  assert.equal(strict.status, 400);
  assert.equal(
    strict.body.message,
    'Gateway in version "v1" cannot be handled as a Gateway: strict decoding error: unknown field "spec.listeners[0].bogus"',
  );
  const warn = await raw(s, "POST", path, body);
  assert.equal(warn.status, 201);
  assert.equal(warn.headers.get("warning"), '299 - "unknown field \\"spec.listeners[0].bogus\\""');
  assert.equal((spec(warn.body).listeners as J[])[0].bogus, undefined);
});

test("invalid objects get 422 with per-field causes", async (_s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const err = await apiError(
    apply(
      api,
      gateway([
        listener("Bad_Name", 80),
        listener("ok", 80, { tls: { certificateRefs: [{ name: "s" }] } }),
      ]),
    ),
  );
  assert.equal(err.code, 422);
  assert.equal(err.status.reason, "Invalid");
  assert.match(
    String(err.status.message),
    /^Gateway\.gateway\.networking\.k8s\.io "gw" is invalid: \[/,
  );
  const causes = err.status.details?.causes ?? [];
  assert.ok(
    causes.some((c) => c.field === "spec.listeners[0].name" && c.message.includes("should match")),
  );
  assert.ok(
    causes.some((c) =>
      c.field === "spec.listeners" && c.message.includes("tls must not be specified")
    ),
  );
  assert.deepEqual(
    {
      name: err.status.details?.name,
      group: err.status.details?.group,
      kind: err.status.details?.kind,
    },
    { name: "gw", group: GROUP, kind: "Gateway" },
  );
});

test("writes to a missing namespace get 404", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const gw = gateway([listener("a", 80)]);
  (gw.metadata as J).namespace = "nowhere";
  const err = await apiError(api.create(gw));
  assert.equal(err.code, 404);
  assert.equal(err.status.message, 'namespaces "nowhere" not found');
  s.addNamespace("nowhere");
  await api.create(
    gateway([listener("a", 80)], { metadata: { name: "gw", namespace: "nowhere" } }),
  );
});

test("deny(): 403 Forbidden with the apiserver's message", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  s.deny({ verb: "create", resource: "services" });
  s.deny({ verb: ["patch"], resource: "gateways", group: GROUP });
  const err = await apiError(api.create(service([{ port: 80 }])));
  assert.equal(err.code, 403);
  assert.equal(err.status.reason, "Forbidden");
  assert.equal(
    err.status.message,
    `services is forbidden: User "system:serviceaccount:default:fake-client" cannot create resource "services" in API group "" in the namespace "${NS}"`,
  );
  const patch = await apiError(apply(api, gateway([listener("a", 80)])));
  assert.equal(
    patch.status.message,
    `gateways.${GROUP} "gw" is forbidden: User "system:serviceaccount:default:fake-client" cannot patch resource "gateways" in API group "${GROUP}" in the namespace "${NS}"`,
  );
  assert.deepEqual(patch.status.details, { name: "gw", group: GROUP, kind: "gateways" });
  await api.list("v1", "Service", NS);
  s.deny({ verb: "list", resource: "gatewayclasses" });
  const cluster = await apiError(api.list(GW_API, "GatewayClass"));
  assert.match(
    String(cluster.status.message),
    /cannot list resource "gatewayclasses" in API group "gateway\.networking\.k8s\.io" at the cluster scope$/,
  );
  s.clearRules();
  await api.create(service([{ port: 80 }]));
});

test("fault(): 5xx and 409 with Status bodies, limited by times", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await api.list(GW_API, "Gateway", NS);
  s.fault({ verb: "list", resource: "gateways", status: 500, times: 1 });
  const e500 = await apiError(api.list(GW_API, "Gateway", NS));
  assert.equal(e500.code, 500);
  assert.equal(e500.status.reason, "InternalError");
  await api.list(GW_API, "Gateway", NS);
  s.fault({
    method: "PATCH",
    pathIncludes: "/gateways/gw",
    status: 503,
    retryAfterSeconds: 1,
    times: 2,
  });
  const e503 = await apiError(apply(api, gateway([listener("a", 80)])));
  assert.equal(e503.code, 503);
  assert.equal(e503.status.reason, "ServiceUnavailable");
  await apiError(apply(api, gateway([listener("a", 80)])));
  await apply(api, gateway([listener("a", 80)]));
  s.fault({ verb: "patch", status: 409 });
  const e409 = await apiError(apply(api, gateway([listener("a", 81)])));
  assert.equal(e409.code, 409);
  assert.equal(e409.status.reason, "Conflict");
  s.clearRules();
  assert.equal(
    s.resourceRequests({ verb: "patch" }).map((r) => r.status).join(","),
    "503,503,201,409",
  );
});

test("fault(): a held request ends when the client aborts", async (s) => {
  s.fault({ verb: "get", resource: "gateways", timeout: true });
  const ac = new AbortController();
  const pending = fetch(`${s.url}/apis/${GROUP}/v1/namespaces/${NS}/gateways/gw`, {
    headers: { Authorization: `Bearer ${s.token}` },
    signal: ac.signal,
  });
  const held = await s.waitForRequest((r) => r.verb === "get");
  assert.equal(held.hung, true);
  ac.abort();
  await assert.rejects(pending, (e: unknown) => e instanceof Error && e.name === "AbortError");
});

test("fault(): close() does not wait for held requests", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await api.list(GW_API, "Gateway", NS);
  s.fault({ verb: "list", timeout: true });
  const pending = api.list(GW_API, "Gateway", NS);
  await s.waitForRequest((r) => r.hung === true);
  // Expect the rejection before closing: it may come while close() is awaited, and a rejection
  // nothing handles yet fails the whole test module.
  const rejected = assert.rejects(pending);
  await s.close();
  await rejected;
});

test("fault({ reset }): the connection is closed without an answer", async (s) => {
  s.fault({ verb: "get", resource: "gateways", reset: true, times: 1 });
  const path = `${s.url}/apis/${GROUP}/v1/namespaces/${NS}/gateways/gw`;
  const headers = { Authorization: `Bearer ${s.token}` };
  await assert.rejects(fetch(path, { headers }), (e: unknown) => e instanceof TypeError);
  const dropped = s.resourceRequests({ verb: "get" });
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0].reset, true);
  assert.equal(dropped[0].fault, "reset");
  assert.equal(dropped[0].status, 0);
  // The rule is spent: the next request is served (404: there is no such Gateway).
  const served = await fetch(path, { headers });
  assert.equal(served.status, 404);
  await served.body?.cancel();
});

/** `count` GETs of a missing Service; returns the faults the server recorded, in order. */
async function drawFaults(s: FakeApiServer, count: number): Promise<string[]> {
  const headers = { Authorization: `Bearer ${s.token}` };
  for (let i = 0; i < count; i++) {
    try {
      const res = await fetch(`${s.url}/api/v1/namespaces/${NS}/services/none`, { headers });
      await res.body?.cancel();
    } catch {
      // A reset: the request log has it.
    }
  }
  return s.resourceRequests().map((r) => r.fault ?? "-");
}

test("faultRandomly(): the rate is kept, candidates are picked among those that match", async (s) => {
  s.faultRandomly({
    rate: 0.3,
    seed: 42,
    faults: [
      { status: 503, retryAfterSeconds: 1 },
      { status: 500 },
      { reset: true },
      { method: "PATCH", status: 409 }, // never matches a GET
    ],
  });
  const faults = await drawFaults(s, 400);
  const injected = faults.filter((f) => f !== "-");
  // 400 draws at 30%: 120 expected; a binomial deviation beyond ±40 has odds below 1e-7.
  assert.ok(injected.length > 80 && injected.length < 160, `${injected.length} faults`);
  assert.deepEqual([...new Set(injected)].sort(), ["500", "503", "reset"]);
  s.clearRules();
  const after = s.resourceRequests().length;
  await drawFaults(s, 20);
  assert.ok(s.resourceRequests().slice(after).every((r) => r.fault === undefined));
});

test("faultRandomly(): 429 and 503 carry Retry-After; the same seed injects the same faults", async (s) => {
  const spec = { rate: 0.5, seed: 7, faults: [{ status: 429, retryAfterSeconds: 2 }] };
  s.faultRandomly(spec);
  const first = await drawFaults(s, 40);
  assert.ok(first.includes("429") && first.includes("-"), first.join(","));
  s.faultRandomly({ ...spec, rate: 1 });
  const res = await raw(s, "GET", `/api/v1/namespaces/${NS}/services/none`);
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "2");
  s.resetLog();
  s.faultRandomly(spec);
  const again = await drawFaults(s, 40);
  assert.deepEqual(again, first);
  s.resetLog();
  s.faultRandomly({ ...spec, seed: 8 });
  assert.notDeepEqual(await drawFaults(s, 40), first);
});

test("unauthenticated requests get 401", async (s) => {
  const res = await fetch(`${s.url}/api/v1/namespaces/${NS}/services`);
  assert.equal(res.status, 401);
  assert.equal((await res.json()).reason, "Unauthorized");
});

test("finalizers delay deletion until they are removed", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await api.create(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm", finalizers: ["x/y"] },
    } as KubernetesObject,
  );
  await api.delete({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cm", namespace: NS },
  });
  assert.ok((s.get("ConfigMap", NS, "cm")?.metadata as J).deletionTimestamp);
  await api.patch(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm", namespace: NS, finalizers: null },
    } as unknown as KubernetesObject,
    undefined,
    undefined,
    undefined,
    undefined,
    PatchStrategy.MergePatch,
  );
  assert.equal(s.get("ConfigMap", NS, "cm"), undefined);
});

test("SSA: duplicate list-map keys in an applied config are refused", async (_s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const err = await apiError(
    apply(api, service([{ name: "a", port: 80 }, { name: "b", port: 80 }])),
  );
  assert.equal(err.code, 500);
  assert.equal(
    err.status.message,
    'failed to create typed patch object (/v1, Kind=Service): .spec.ports: duplicate entries for key [port=80,protocol="TCP"]',
  );
});

test("SSA: Secrets applied with stringData are stable and update data", async (s, kc) => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const secret = (crt: string): KubernetesObject & J => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "gw-secret-example.com", labels: { [LABEL]: "gw" } },
    type: "kubernetes.io/tls",
    stringData: { "tls.crt": crt, "tls.key": "KEY" },
  });
  const a = await apply(api, secret("CERT1"));
  const b = await apply(api, secret("CERT1"));
  assert.equal(rv(b), rv(a));
  await apply(api, secret("CERT2"));
  const live = s.get("Secret", NS, "gw-secret-example.com");
  assert.deepEqual(live?.data, { "tls.crt": btoa("CERT2"), "tls.key": btoa("KEY") });
  assert.equal(live?.stringData, undefined);
});

test("writeKubeconfig: a kubeconfig file client-node can load", async (s) => {
  const path = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await s.writeKubeconfig(path, NS);
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, NS);
    assert.equal(kc.getCurrentCluster()?.server, s.url);
    const core = kc.makeApiClient(CoreV1Api);
    const list = await core.listNamespace();
    assert.deepEqual(
      list.items.map((n) => n.metadata?.name),
      ["default", "kube-node-lease", "kube-public", "kube-system", NS],
    );
  } finally {
    await Deno.remove(path);
  }
});
