/**
 * A status that tells the truth (issue 15), against the packed charm: the test writes the
 * conditions of the Gateway, its listeners and the routes through the fake API server's status
 * subresource, as a Gateway controller would, and each hook's status and URLs follow them.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Cluster, type ConditionSpec, CONTROLLER } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { unitData } from "./ingress_per_unit_fixtures.ts";
import { createTestCa } from "./harness/tls_ca.ts";
import {
  APP,
  assertClean,
  certificates,
  CERTS_ID,
  CHANGED,
  ENFORCED,
  HOST,
  HTTP,
  ingress,
  relation,
  run,
  UPDATE,
  url,
  withCluster,
  withRelation,
} from "./hostile.ts";

const ADDRESS = "10.0.0.9";
const ACTION: HookEvent = { kind: "action", name: "show-proxied-endpoints" };
const ACTIVE = { status: "active", message: `Gateway addresses: ${ADDRESS}` };
const ACTIVE_HTTP = {
  status: "active",
  message: `Gateway addresses: ${ADDRESS} (enforce-https is set to false)`,
};
const WAITING = { status: "waiting", message: "Waiting for the Gateway controller" };
const HTTP_LISTENER = `${APP}-http-gw-example-com`;
const HTTPS_LISTENER = `${APP}-https-gw-example-com`;
const webRoute = `${APP}-web-http`;
const apiRoute = `${APP}-api-http`;

const condition = (
  type: string,
  status: ConditionSpec["status"],
  reason: string,
  message = "",
): ConditionSpec => ({ type, status, reason, message });
const GATEWAY_OK = [
  condition("Accepted", "True", "Accepted"),
  condition("Programmed", "True", "Programmed"),
];
const ROUTE_OK = [
  condition("Accepted", "True", "Accepted"),
  condition("ResolvedRefs", "True", "ResolvedRefs"),
];
/** The CRD's default, as the API server writes it on a new Gateway. */
const CRD_DEFAULT = ["Accepted", "Programmed"].map((type) => ({
  type,
  status: "Unknown" as const,
  reason: "Pending",
  message: "Waiting for controller",
  lastTransitionTime: "1970-01-01T00:00:00Z",
}));

const TWO: JujuState = {
  leader: true,
  config: HTTP,
  relations: [ingress(1, "web"), ingress(2, "api")],
};

/** Two requirers over HTTP, the Gateway addressed and everything accepted: Active. */
async function accepted(cluster: Cluster): Promise<HookResult> {
  const first = await run(cluster, TWO, CHANGED);
  cluster.setGatewayAddresses(APP, [{ value: ADDRESS }]);
  await cluster.acceptAll(APP);
  const ready = await run(cluster, first.state, UPDATE);
  deepStrictEqual(ready.state.unitStatus, ACTIVE_HTTP);
  strictEqual(url(ready, 1), `http://${HOST}/testing-web`);
  strictEqual(url(ready, 2), `http://${HOST}/testing-api`);
  return ready;
}

const warnings = (result: HookResult) =>
  result.logs.filter((log) => log.level === "WARNING").map((log) => log.message);

Deno.test("a new Gateway carries the CRD's pending conditions: Waiting for the Gateway controller, URLs kept", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, TWO, CHANGED);
    const created = cluster.objects("Gateway")[0].status as { conditions: unknown[] };
    deepStrictEqual(
      created.conditions,
      CRD_DEFAULT,
      "the fake API server defaults the status as the CRD says",
    );
    cluster.setGatewayAddresses(APP, [{ value: ADDRESS }]);
    cluster.server.setStatus("Gateway", "testing", APP, {
      ...(cluster.objects("Gateway")[0].status as object),
      conditions: CRD_DEFAULT,
    });
    const waiting = await run(cluster, first.state, UPDATE);
    deepStrictEqual(waiting.state.unitStatus, WAITING);
    strictEqual(url(waiting, 1), `http://${HOST}/testing-web`, "a pending route keeps its URL");

    await cluster.acceptAll(APP);
    const ready = await run(cluster, waiting.state, UPDATE);
    deepStrictEqual(ready.state.unitStatus, ACTIVE_HTTP);
  }));

Deno.test("a Gateway the controller refuses is Blocked with its reason; pending reasons wait", async (t) => {
  await withCluster(async (cluster) => {
    const ready = await accepted(cluster);
    const cases: [ConditionSpec[], { status: string; message: string }][] = [
      [[condition("Accepted", "False", "Invalid", "unsupported parameters"), GATEWAY_OK[1]], {
        status: "blocked",
        message: "Gateway not accepted: Invalid: unsupported parameters",
      }],
      [[condition("Accepted", "False", "UnsupportedAddress", "no IPv6 here"), GATEWAY_OK[1]], {
        status: "blocked",
        message: "Gateway not accepted: UnsupportedAddress: no IPv6 here",
      }],
      [[condition("Accepted", "False", "ListenersNotValid", "all listeners invalid")], {
        status: "blocked",
        message: "Gateway not accepted: ListenersNotValid: all listeners invalid",
      }],
      [[GATEWAY_OK[0], condition("Programmed", "False", "Invalid", "cannot program")], {
        status: "blocked",
        message: "Gateway not programmed: Invalid: cannot program",
      }],
      [[GATEWAY_OK[0], condition("Programmed", "False", "NoResources", "no IP left in pool")], {
        status: "waiting",
        message:
          "Waiting for the Gateway controller: Gateway not programmed yet: NoResources: no IP left in pool",
      }],
      [[GATEWAY_OK[0], condition("Programmed", "False", "Pending", "")], {
        status: "waiting",
        message: "Waiting for the Gateway controller: Gateway not programmed yet: Pending",
      }],
      [
        [condition("Accepted", "Unknown", "Pending", "Waiting for controller"), GATEWAY_OK[1]],
        WAITING,
      ],
      [GATEWAY_OK, ACTIVE_HTTP],
    ];
    for (const [conditions, status] of cases) {
      await t.step(`${conditions.map((c) => `${c.type}=${c.status}/${c.reason}`)}`, async () => {
        await cluster.setGatewayConditions(APP, conditions);
        const result = await run(cluster, ready.state, UPDATE);
        deepStrictEqual(result.state.unitStatus, status);
        if (status.status === "blocked") {
          ok(warnings(result).some((line) => line.startsWith("Gateway not")), warnings(result)[0]);
        }
        // Only a refused route costs a URL; a refused Gateway is named, its routes stay.
        strictEqual(url(result, 1), `http://${HOST}/testing-web`);
        assertClean(result);
      });
    }
  });
});

Deno.test("a listener not accepted, conflicted or not programmed is Blocked naming its hostname and port", async (t) => {
  await withCluster(async (cluster) => {
    const ready = await accepted(cluster);
    const cases: [ConditionSpec[], string][] = [
      [
        [condition("Accepted", "False", "PortUnavailable", "port 80 is taken")],
        `Gateway listener ${HOST}:80 not accepted: PortUnavailable: port 80 is taken`,
      ],
      [
        [condition("Conflicted", "True", "HostnameConflict", "another Gateway has it")],
        `Gateway listener ${HOST}:80 conflicted: HostnameConflict: another Gateway has it`,
      ],
      [
        [condition("Accepted", "True", "Accepted"), condition("Programmed", "False", "Invalid")],
        `Gateway listener ${HOST}:80 not programmed: Invalid`,
      ],
    ];
    for (const [conditions, message] of cases) {
      await t.step(message, async () => {
        await cluster.setGatewayConditions(APP, GATEWAY_OK, { [HTTP_LISTENER]: conditions });
        const result = await run(cluster, ready.state, UPDATE);
        deepStrictEqual(result.state.unitStatus, { status: "blocked", message });
        assertClean(result);
      });
    }
    await cluster.setGatewayConditions(APP, GATEWAY_OK, {
      [HTTP_LISTENER]: [condition("Programmed", "False", "Pending", "being programmed")],
    });
    const pending = await run(cluster, ready.state, UPDATE);
    deepStrictEqual(pending.state.unitStatus, {
      status: "waiting",
      message:
        `Waiting for the Gateway controller: Gateway listener ${HOST}:80 not programmed yet: ` +
        "Pending: being programmed",
    });
  });
});

Deno.test("an HTTPS listener whose certificate the controller cannot use is Blocked naming it", () =>
  withCluster(async (cluster) => {
    const ca = await createTestCa();
    const state: JujuState = {
      leader: true,
      config: ENFORCED,
      relations: [ingress(1, "web"), certificates()],
    };
    const first = await run(cluster, state, CHANGED);
    const csrs = JSON.parse(
      relation(first.state, CERTS_ID).localAppData!.certificate_signing_requests,
    ) as { certificate_signing_request: string }[];
    const issued = [];
    for (const { certificate_signing_request: csr } of csrs) {
      const certificate = await ca.sign(csr);
      issued.push({
        ca: ca.caPem,
        certificate_signing_request: csr,
        certificate,
        chain: [certificate, ca.caPem],
      });
    }
    const served = await run(
      cluster,
      withRelation(first.state, certificates({ certificates: JSON.stringify(issued) })),
      { kind: "relation", name: "changed", relationId: CERTS_ID },
    );
    cluster.setGatewayAddresses(APP, [{ value: ADDRESS }]);
    await cluster.acceptAll(APP);
    const ready = await run(cluster, served.state, UPDATE);
    deepStrictEqual(ready.state.unitStatus, ACTIVE);

    await cluster.setGatewayConditions(APP, GATEWAY_OK, {
      [HTTP_LISTENER]: [condition("Accepted", "True", "Accepted")],
      [HTTPS_LISTENER]: [
        condition("ResolvedRefs", "False", "InvalidCertificateRef", "secret has no tls.crt"),
      ],
    });
    const blocked = await run(cluster, ready.state, UPDATE);
    deepStrictEqual(blocked.state.unitStatus, {
      status: "blocked",
      message: `Gateway listener ${HOST}:443 has unresolved references: InvalidCertificateRef: ` +
        "secret has no tls.crt",
    });
  }));

Deno.test("a route the controller refuses withdraws that requirer's URL and names it; accepted again, it comes back", () =>
  withCluster(async (cluster) => {
    const ready = await accepted(cluster);
    await cluster.setRouteConditions("HTTPRoute", apiRoute, [
      condition("Accepted", "False", "NoMatchingListenerHostname", "no listener for this host"),
      ROUTE_OK[1],
    ]);
    const refused = await run(cluster, ready.state, UPDATE);
    deepStrictEqual(refused.state.unitStatus, {
      status: "blocked",
      message: "Route of api not accepted: NoMatchingListenerHostname: no listener for this host",
    });
    strictEqual(url(refused, 2), undefined, "the refused requirer's URL is withdrawn");
    strictEqual(url(refused, 1), `http://${HOST}/testing-web`, "the other keeps its URL");
    ok(cluster.server.get("HTTPRoute", "testing", apiRoute), "its route stays for the controller");
    ok(warnings(refused).some((line) => line.includes("Route of api not accepted")));

    const still = await run(cluster, refused.state, UPDATE);
    strictEqual(url(still, 2), undefined, "nothing flaps while the refusal stands");

    await cluster.setRouteConditions("HTTPRoute", apiRoute, ROUTE_OK);
    const back = await run(cluster, still.state, UPDATE);
    deepStrictEqual(back.state.unitStatus, ACTIVE_HTTP);
    strictEqual(url(back, 2), `http://${HOST}/testing-api`, "published again once accepted");
  }));

Deno.test("a route with unresolved references is named but keeps its URL; a pending route waits", () =>
  withCluster(async (cluster) => {
    const ready = await accepted(cluster);
    await cluster.setRouteConditions("HTTPRoute", webRoute, [
      ROUTE_OK[0],
      condition("ResolvedRefs", "False", "BackendNotFound", "service not found"),
    ]);
    const unresolved = await run(cluster, ready.state, UPDATE);
    deepStrictEqual(unresolved.state.unitStatus, {
      status: "blocked",
      message: "Route of web has unresolved references: BackendNotFound: service not found",
    });
    strictEqual(url(unresolved, 1), `http://${HOST}/testing-web`);

    await cluster.setRouteConditions("HTTPRoute", webRoute, [
      condition("Accepted", "Unknown", "Pending", "queued"),
    ]);
    const pending = await run(cluster, unresolved.state, UPDATE);
    deepStrictEqual(pending.state.unitStatus, {
      status: "waiting",
      message: "Waiting for the Gateway controller: Route of web not accepted yet: Pending: queued",
    });
    strictEqual(url(pending, 1), `http://${HOST}/testing-web`, "a pending route keeps its URL");
  }));

Deno.test("only the Gateway class's controller speaks for our routes", () =>
  withCluster(async (cluster) => {
    const ready = await accepted(cluster);
    await cluster.setRouteConditions(
      "HTTPRoute",
      apiRoute,
      [condition("Accepted", "False", "NotAllowedByListeners", "not mine")],
      "other.example.com/controller",
    );
    const result = await run(cluster, ready.state, UPDATE);
    deepStrictEqual(result.state.unitStatus, ACTIVE_HTTP);
    strictEqual(url(result, 2), `http://${HOST}/testing-api`);
    const parents = (cluster.server.get("HTTPRoute", "testing", apiRoute)!.status as {
      parents: { controllerName: string }[];
    }).parents.map((parent) => parent.controllerName).sort();
    deepStrictEqual(parents, [CONTROLLER, "other.example.com/controller"]);
  }));

Deno.test("conditions about an older generation are pending, not facts", () =>
  withCluster(async (cluster) => {
    const ready = await accepted(cluster);
    // The controller refused the Gateway and api's route as they were (generation 1) ...
    await cluster.setGatewayConditions(APP, [
      condition("Accepted", "False", "Invalid", "bad listener"),
    ]);
    await cluster.setRouteConditions("HTTPRoute", apiRoute, [
      condition("Accepted", "False", "NotAllowedByListeners", "no"),
    ]);
    const refused = await run(cluster, ready.state, UPDATE);
    strictEqual(refused.state.unitStatus?.status, "blocked");
    strictEqual(url(refused, 2), undefined);

    // ... then the operator changes the hostname: this hook writes generation 2 of both.
    const changed = {
      ...refused.state,
      config: { ...HTTP, "external-hostname": "new.example.com" },
    };
    const applying = await run(cluster, changed, CHANGED);
    deepStrictEqual(applying.state.unitStatus, WAITING, "what we apply now is not judged yet");
    const generation = (kind: string, name: string) =>
      cluster.objects(kind).find((object) => object.metadata.name === name)?.metadata.generation;
    strictEqual(generation("Gateway", APP), 2);
    strictEqual(generation("HTTPRoute", apiRoute), 2);
    strictEqual(url(applying, 2), undefined, "a refused route stays withdrawn while pending");
    strictEqual(url(applying, 1), "http://new.example.com/testing-web");

    // The controller has not caught up: its refusals name generation 1.
    const stale = await run(cluster, applying.state, UPDATE);
    deepStrictEqual(stale.state.unitStatus, WAITING);
    ok(
      stale.logs.some((log) => log.message.includes("is about generation 1, not 2")),
      JSON.stringify(stale.logs),
    );

    await cluster.acceptAll(APP);
    const caughtUp = await run(cluster, stale.state, UPDATE);
    deepStrictEqual(caughtUp.state.unitStatus, ACTIVE_HTTP);
    strictEqual(url(caughtUp, 2), "http://new.example.com/testing-api");
  }));

Deno.test("a new requirer's route waits for the controller's word once the controller reports", () =>
  withCluster(async (cluster) => {
    const ready = await accepted(cluster);
    const third = await run(cluster, withRelation(ready.state, ingress(3, "admin")), {
      kind: "relation",
      name: "changed",
      relationId: 3,
      remoteUnit: "admin/0",
    });
    deepStrictEqual(third.state.unitStatus, WAITING);
    strictEqual(url(third, 3), `http://${HOST}/testing-admin`, "its URL is published as before");
    await cluster.acceptAll(APP);
    const ready3 = await run(cluster, third.state, UPDATE);
    deepStrictEqual(ready3.state.unitStatus, ACTIVE_HTTP);
  }));

Deno.test("conditions text from the cluster is one bounded line in the status, escaped", () =>
  withCluster(async (cluster) => {
    const ready = await accepted(cluster);
    const hostile = "line one\nline two\r\n\tthen\u0007bell \u202eevil\u202c " + "x".repeat(30000);
    await cluster.setGatewayConditions(APP, [
      condition("Accepted", "False", "Invalid", hostile),
      GATEWAY_OK[1],
    ]);
    await cluster.setRouteConditions("HTTPRoute", apiRoute, [
      condition("Accepted", "False", "NoMatchingParent", hostile),
    ]);
    const result = await run(cluster, ready.state, UPDATE);
    const message = result.state.unitStatus!.message;
    strictEqual(result.state.unitStatus!.status, "blocked");
    // deno-lint-ignore no-control-regex
    ok(!/[\n\r\t\u0007\u202e]/.test(message), JSON.stringify(message.slice(0, 200)));
    ok(
      message.startsWith(
        "Gateway not accepted: Invalid: line one line two then\\u0007bell \\u202eevil\\u202c xxx",
      ),
      message.slice(0, 200),
    );
    ok(message.includes("; Route of api not accepted: NoMatchingParent: line one"), message);
    ok(message.length <= 500, `${message.length}`);
    for (const line of result.logs) ok(line.message.length <= 2000, `${line.message.length}`);
    assertClean(result);
  }));

Deno.test("reading the conditions costs no request: a steady hook lists each kind once and writes nothing", () =>
  withCluster(async (cluster) => {
    const ready = await accepted(cluster);
    cluster.server.resetLog();
    const again = await run(cluster, ready.state, UPDATE);
    deepStrictEqual(again.state.unitStatus, ACTIVE_HTTP);
    const requests = cluster.server.resourceRequests();
    deepStrictEqual(
      requests.map((request) => `${request.verb} ${request.resource}`).sort(),
      [
        "list gatewayclasses",
        "list gateways",
        "list httproutes",
        "list secrets",
        "list services",
      ],
    );
  }));

Deno.test("no address yet: the wait names what the controller said of the Gateway", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, TWO, CHANGED);
    await cluster.setGatewayConditions(APP, [
      GATEWAY_OK[0],
      condition("Programmed", "False", "AddressNotAssigned", "no address pool for this class"),
    ]);
    const waiting = await run(cluster, first.state, UPDATE);
    deepStrictEqual(waiting.state.unitStatus, {
      status: "waiting",
      message: "Waiting for gateway address: Gateway not programmed yet: AddressNotAssigned: " +
        "no address pool for this class",
    });
    await cluster.setGatewayConditions(APP, [condition("Accepted", "False", "Invalid", "no")]);
    const blocked = await run(cluster, waiting.state, UPDATE);
    deepStrictEqual(blocked.state.unitStatus, {
      status: "blocked",
      message: "Gateway not accepted: Invalid: no",
    });
  }));

Deno.test("show-proxied-endpoints shows what the controller says of the Gateway, each app and unit", () =>
  withCluster(async (cluster) => {
    const units: RelationState = {
      id: 4,
      endpoint: "ingress-per-unit",
      remoteApp: "kafka",
      remoteAppData: {},
      remoteUnits: {
        "kafka/0": unitData("kafka/0", { mode: "tcp", port: "9093" }),
        "kafka/1": unitData("kafka/1"),
      },
    };
    const state: JujuState = { ...TWO, relations: [...TWO.relations!, units] };
    const first = await run(cluster, state, CHANGED);
    cluster.setGatewayAddresses(APP, [{ value: ADDRESS }]);
    const addressed = await run(cluster, first.state, UPDATE);
    const show = async (current: JujuState) => {
      const result = await run(cluster, current, ACTION);
      strictEqual(result.action?.status, "completed", JSON.stringify(result.action));
      return JSON.parse((result.action!.results as Record<string, string>)["proxied-endpoints"]);
    };
    const urls = {
      [APP]: { url: `http://${HOST}` },
      web: { url: `http://${HOST}/testing-web` },
      api: { url: `http://${HOST}/testing-api` },
      "kafka/0": { url: `${ADDRESS}:20000` },
      "kafka/1": { url: `http://${HOST}/testing-kafka-1` },
    };
    deepStrictEqual(await show(addressed.state), urls, "no conditions reported: none shown");

    await cluster.acceptAll(APP);
    await cluster.setRouteConditions("HTTPRoute", webRoute, [
      ROUTE_OK[0],
      condition("ResolvedRefs", "False", "BackendNotFound", "no such service"),
    ]);
    await cluster.setRouteConditions("TCPRoute", `${APP}-kafka-0-tcp`, [
      condition("Accepted", "Unknown", "Pending", "queued"),
    ]);
    const shown = await show(addressed.state);
    deepStrictEqual(shown, {
      [APP]: { ...urls[APP], condition: "accepted" },
      web: {
        ...urls.web,
        condition:
          "refused: Route of web has unresolved references: BackendNotFound: no such service",
      },
      api: { ...urls.api, condition: "accepted" },
      "kafka/0": {
        ...urls["kafka/0"],
        condition: "pending: Route of kafka/0 not accepted yet: Pending: queued",
      },
      "kafka/1": { ...urls["kafka/1"], condition: "accepted" },
    });
  }));
