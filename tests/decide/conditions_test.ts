/**
 * The judgement of the controller's conditions, with plain values: which conditions are facts
 * (refused, accepted), which are pending (Unknown, pending reasons, a stale observedGeneration, a
 * spec this hook changes), and when nothing is claimed; and cluster text made safe.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { clusterText, judge, type Verdict } from "../../src/decide/conditions.ts";
import { decide } from "../../src/decide/decide.ts";
import {
  type ClusterConditions,
  type Condition,
  readConditions,
} from "../../src/gather/conditions.ts";
import { KINDS, type KubeObject } from "../../src/k8s/types.ts";
import type { IngressRequirer, ReconcileWorld } from "../../src/world.ts";
import { reconcileWorld, rel } from "./worlds.ts";

const c = (
  type: string,
  status: Condition["status"],
  reason: string,
  message = "",
  observedGeneration: number | null = 1,
): Condition => ({ type, status, reason, message, observedGeneration });

const GATEWAY_SPEC = { gatewayClassName: "cilium", listeners: [{ name: "gw-http", port: 80 }] };
const ROUTE_SPEC = { rules: [{ backendRefs: [{ name: "gw-web-service", port: 80 }] }] };
const object = (kind: string, name: string, spec: unknown, generation = 1): KubeObject => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind,
  metadata: { name, generation },
  spec,
});

interface Case {
  readonly name: string;
  readonly gateway?: readonly Condition[] | null;
  readonly listener?: readonly Condition[];
  readonly route?: readonly Condition[] | null;
  readonly routeGeneration?: number;
  readonly changedRoute?: boolean;
  readonly want: { gateway: Verdict["state"]; route: Verdict; withdrawnBefore?: boolean };
}

function run(spec: Case) {
  const gatewayConditions = spec.gateway === null ? [] : spec.gateway ?? [
    c("Accepted", "True", "Accepted"),
    c("Programmed", "True", "Programmed"),
  ];
  const conditions: ClusterConditions = {
    controller: "example.com/cilium",
    gateway: {
      generation: 1,
      conditions: gatewayConditions,
      listeners: spec.listener
        ? [{ name: "gw-http", hostname: null, port: 80, conditions: spec.listener }]
        : [],
    },
    routes: new Map(
      spec.route === null ? [] : [["HTTPRoute/gw-web-http", {
        generation: spec.routeGeneration ?? 1,
        conditions: spec.route ?? [c("Accepted", "True", "Accepted")],
      }]],
    ),
  };
  const desiredRoute = object(
    "HTTPRoute",
    "gw-web-http",
    spec.changedRoute ? { rules: [] } : ROUTE_SPEC,
  );
  return judge({
    gateway: "gw",
    owned: new Map([
      ["Gateway", [object("Gateway", "gw", GATEWAY_SPEC)]],
      ["HTTPRoute", spec.route === null ? [] : [object("HTTPRoute", "gw-web-http", ROUTE_SPEC)]],
    ]),
    conditions,
    desired: [
      { kind: KINDS.gateway, objects: [object("Gateway", "gw", GATEWAY_SPEC)] },
      { kind: KINDS.httpRoute, objects: [desiredRoute] },
    ],
    owners: [{ id: 1, app: "web", routes: ["Service/gw-web-service", "HTTPRoute/gw-web-http"] }],
  });
}

const CASES: Case[] = [
  { name: "everything accepted", want: { gateway: "accepted", route: { state: "accepted" } } },
  {
    name: "no Gateway condition at all: no claim on the Gateway or a route without a word",
    gateway: null,
    route: null,
    want: { gateway: "unknown", route: { state: "unknown" } },
  },
  {
    name: "a route not yet seen by a reporting controller is pending",
    route: [],
    want: { gateway: "accepted", route: { state: "pending", details: [] } },
  },
  {
    name: "a route refused outright is withdrawn",
    route: [c("Accepted", "False", "NotAllowedByListeners", "no")],
    want: {
      gateway: "accepted",
      route: {
        state: "refused",
        details: ["Route of web not accepted: NotAllowedByListeners: no"],
        withdraw: true,
      },
    },
  },
  {
    name: "a route with unresolved references is refused but keeps its URL",
    route: [c("Accepted", "True", "Accepted"), c("ResolvedRefs", "False", "RefNotPermitted")],
    want: {
      gateway: "accepted",
      route: {
        state: "refused",
        details: ["Route of web has unresolved references: RefNotPermitted"],
        withdraw: false,
      },
    },
  },
  {
    name: "a refusal about an older generation is pending, and was a withdrawal",
    route: [c("Accepted", "False", "NotAllowedByListeners", "no", 1)],
    routeGeneration: 2,
    want: {
      gateway: "accepted",
      route: { state: "pending", details: [] },
      withdrawnBefore: true,
    },
  },
  {
    name: "a route this hook changes is pending whatever was said of it",
    route: [c("Accepted", "True", "Accepted")],
    changedRoute: true,
    want: { gateway: "accepted", route: { state: "pending", details: [] } },
  },
  {
    name: "a condition without observedGeneration is taken as current",
    route: [c("Accepted", "False", "NoMatchingParent", "", null)],
    routeGeneration: 7,
    want: {
      gateway: "accepted",
      route: {
        state: "refused",
        details: ["Route of web not accepted: NoMatchingParent"],
        withdraw: true,
      },
    },
  },
  {
    name: "the CRD's default on the Gateway is pending without detail",
    gateway: [c("Accepted", "Unknown", "Pending", "Waiting for controller", null)],
    want: { gateway: "pending", route: { state: "accepted" } },
  },
  {
    name: "a Conflicted listener refuses the Gateway, a Conflicted=False one does not",
    listener: [c("Conflicted", "True", "HostnameConflict"), c("Accepted", "True", "Accepted")],
    want: { gateway: "refused", route: { state: "accepted" } },
  },
  {
    name: "NoConflicts is fine",
    listener: [c("Conflicted", "False", "NoConflicts")],
    want: { gateway: "accepted", route: { state: "accepted" } },
  },
  {
    name: "an unknown condition type is ignored",
    gateway: [c("Accepted", "True", "Accepted"), c("example.com/Fancy", "False", "Broken")],
    want: { gateway: "accepted", route: { state: "accepted" } },
  },
];

for (const spec of CASES) {
  Deno.test(`judge: ${spec.name}`, () => {
    const judged = run(spec);
    strictEqual(judged.gateway.state, spec.want.gateway, JSON.stringify(judged.gateway));
    deepStrictEqual(judged.owners.get(1), spec.want.route);
    if (spec.want.withdrawnBefore) {
      deepStrictEqual(judged.previous.get(1)?.state, "refused");
    }
  });
}

Deno.test("judge: a Gateway this hook changes is pending and its listeners are not judged", () => {
  const judged = judge({
    gateway: "gw",
    owned: new Map([["Gateway", [object("Gateway", "gw", GATEWAY_SPEC)]]]),
    conditions: {
      controller: "example.com/cilium",
      gateway: {
        generation: 1,
        conditions: [c("Accepted", "False", "Invalid")],
        listeners: [{
          name: "gw-http",
          hostname: null,
          port: 80,
          conditions: [c("Accepted", "False", "PortUnavailable")],
        }],
      },
      routes: new Map(),
    },
    desired: [{
      kind: KINDS.gateway,
      objects: [object("Gateway", "gw", { ...GATEWAY_SPEC, gatewayClassName: "other" })],
    }],
    owners: [],
  });
  deepStrictEqual(judged.gateway, { state: "pending", details: [] });
  deepStrictEqual(judged.blockedGateway, []);
  deepStrictEqual(judged.waiting, []);
});

Deno.test("clusterText: one line, controls and bidi escaped, bounded without a cut escape", () => {
  const table: [string, number, string][] = [
    ["plain", 20, "plain"],
    ["a\nb\r\n\tc", 20, "a b c"],
    ["  padded  ", 20, "padded"],
    ["nul\u0000", 20, "nul\\u0000"],
    ["\u202egnp.exe", 20, "\\u202egnp.exe"],
    ["para\u2029graph", 20, "para graph"],
    ["x".repeat(50), 10, "xxxxxxx..."],
    ["abcdef\u0007", 10, "abcdef..."],
  ];
  for (const [text, max, want] of table) {
    const got = clusterText(text, max);
    strictEqual(got, want, JSON.stringify(text));
    ok(got.length <= max);
  }
});

Deno.test("judge: without desired objects (an action) what is live is judged as it is", () => {
  const judged = judge({
    gateway: "gw",
    owned: new Map([
      ["Gateway", [object("Gateway", "gw", GATEWAY_SPEC)]],
      ["HTTPRoute", [object("HTTPRoute", "gw-web-http", ROUTE_SPEC, 2)]],
    ]),
    conditions: {
      controller: "example.com/cilium",
      gateway: { generation: 1, conditions: [c("Accepted", "True", "Accepted")], listeners: [] },
      routes: new Map([["HTTPRoute/gw-web-http", {
        generation: 2,
        conditions: [c("Accepted", "False", "NoMatchingParent", "", 2)],
      }]]),
    },
    desired: null,
    owners: [{ id: 1, app: "web", routes: ["HTTPRoute/gw-web-http", "HTTPRoute/gw-web-https"] }],
  });
  strictEqual(judged.gateway.state, "accepted");
  deepStrictEqual(judged.owners.get(1), {
    state: "refused",
    details: ["Route of web not accepted: NoMatchingParent"],
    withdraw: true,
  });
});

Deno.test("decide: a refused route wipes its requirer's URL and the outcome carries each verdict", () => {
  const config = {
    externalHostname: null,
    gatewayClass: "cilium",
    enforceHttps: false,
    hstsMaxAge: 0,
  };
  const requirer = (id: number, app: string): IngressRequirer => ({
    relation: rel(id),
    app,
    backend: { model: "testing", app, port: 8080, stripPrefix: false },
    error: null,
    pending: false,
    currentUrl: `http://10.0.0.1/testing-${app}`,
    databag: { ingress: JSON.stringify({ url: `http://10.0.0.1/testing-${app}` }) },
  });
  const world = reconcileWorld({
    config,
    ingress: [requirer(1, "web"), requirer(2, "api")],
    addresses: ["10.0.0.1"],
  });
  // The cluster holds what the decision wants, as the controller saw it.
  const sets = decide(world).cluster!.sets;
  const ok = [c("Accepted", "True", "Accepted")];
  const parents = (conditions: Condition[]) => ({
    parents: [{ controllerName: "example.com/cilium", parentRef: { name: "gw" }, conditions }],
  });
  const owned = new Map(sets.map((set) => [
    set.kind.kind,
    set.objects.map((object) => ({
      ...object,
      metadata: { ...object.metadata, generation: 1 },
      status: set.kind === KINDS.gateway
        ? { addresses: [{ value: "10.0.0.1" }], conditions: ok }
        : object.metadata.name === "gw-api-http"
        ? parents([c("Accepted", "False", "NotAllowedByListeners", "not here")])
        : parents(ok),
    })),
  ]));
  const classes = [{
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GatewayClass",
    metadata: { name: "cilium" },
    spec: { controllerName: "example.com/cilium" },
  }];
  const cluster = world.cluster as Exclude<ReconcileWorld["cluster"], { error: unknown }>;
  const outcome = decide({
    ...world,
    cluster: {
      ...cluster,
      owned,
      conditions: readConditions(owned, classes, "gw", "testing"),
    },
  });
  deepStrictEqual(outcome.status, {
    status: "blocked",
    message: "Route of api not accepted: NotAllowedByListeners: not here",
  });
  deepStrictEqual(outcome.writes.map((write) => [write.relation.id, write.data]), [
    [2, { ingress: "" }],
  ]);
  deepStrictEqual(outcome.conditions, {
    gateway: "accepted",
    endpoints: [
      { relation: rel(1), app: "web", state: "accepted", condition: "accepted" },
      {
        relation: rel(2),
        app: "api",
        state: "refused",
        condition: "refused: Route of api not accepted: NotAllowedByListeners: not here",
      },
    ],
  });
});

Deno.test("judge: an L4 owner's TCPRoute is judged like any route, by the owner's name", () => {
  const tcp = object("TCPRoute", "gw-db-5432", { rules: [] });
  const judged = judge({
    gateway: "gw",
    owned: new Map([["Gateway", [object("Gateway", "gw", GATEWAY_SPEC)]], ["TCPRoute", [tcp]]]),
    conditions: {
      controller: "example.com/cilium",
      gateway: { generation: 1, conditions: [c("Accepted", "True", "Accepted")], listeners: [] },
      routes: new Map([["TCPRoute/gw-db-5432", {
        generation: 1,
        conditions: [c("Accepted", "False", "NotAllowedByListeners", "no TCP here")],
      }]]),
    },
    desired: [
      { kind: KINDS.gateway, objects: [object("Gateway", "gw", GATEWAY_SPEC)] },
      {
        kind: {
          apiVersion: "gateway.networking.k8s.io/v1alpha2",
          kind: "TCPRoute",
          plural: "tcproutes",
          namespaced: true,
        },
        objects: [tcp],
      },
    ],
    owners: [{ id: "traefik-route db", app: "traefik-route db", routes: ["TCPRoute/gw-db-5432"] }],
  });
  deepStrictEqual(judged.owners.get("traefik-route db"), {
    state: "refused",
    details: ["Route of traefik-route db not accepted: NotAllowedByListeners: no TCP here"],
    withdraw: true,
  });
  deepStrictEqual(judged.blockedRoutes, [
    "Route of traefik-route db not accepted: NotAllowedByListeners: no TCP here",
  ]);
});

Deno.test("judge: a route of a kind this hook did not list is not judged (no claim)", () => {
  const tcp = object("TCPRoute", "gw-db-5432", { rules: [] });
  const judged = judge({
    gateway: "gw",
    owned: new Map([["Gateway", [object("Gateway", "gw", GATEWAY_SPEC)]]]),
    conditions: {
      controller: "example.com/cilium",
      gateway: { generation: 1, conditions: [c("Accepted", "True", "Accepted")], listeners: [] },
      routes: new Map(),
    },
    desired: [{ kind: KINDS.tcpRoute, objects: [tcp] }],
    owners: [{ id: "db", app: "db", routes: ["TCPRoute/gw-db-5432"] }],
  });
  deepStrictEqual(judged.owners.get("db"), { state: "unknown" });
  strictEqual(judged.waiting, null);
});
