/** The routing options: parsing each into its typed value, and each invalid value refused with
 * a message naming the option and the value. */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  DEFAULT_ROUTING,
  durationMs,
  parseRoutingConfig,
  routingConfigProblem,
} from "../src/routing_config.ts";
import { backendTlsNames } from "../src/gateway/routing.ts";

Deno.test("unset and empty routing options are the defaults", () => {
  deepStrictEqual(parseRoutingConfig({}), DEFAULT_ROUTING);
  deepStrictEqual(
    parseRoutingConfig({
      "routing-mode": "",
      "additional-hostnames": " , ",
      "request-timeout": "",
      "gateway-labels": "",
    }),
    DEFAULT_ROUTING,
  );
});

Deno.test("routing options are parsed into typed values", () => {
  deepStrictEqual(
    parseRoutingConfig({
      "routing-mode": "subdomain",
      "additional-hostnames": "WWW.Example.org, b.example.com,www.example.org, bücher.example",
      "request-timeout": "1m30s",
      "backend-request-timeout": "500ms",
      "gateway-annotations": "a.example/x=1, y = two=2 ,",
      "gateway-labels": "pool=public,example.com/zone=",
    }),
    {
      mode: "subdomain",
      additionalHostnames: ["www.example.org", "b.example.com", "xn--bcher-kva.example"],
      requestTimeout: "1m30s",
      backendRequestTimeout: "500ms",
      gatewayAnnotations: { "a.example/x": "1", y: "two=2" },
      gatewayLabels: { pool: "public", "example.com/zone": "" },
    },
  );
});

for (
  const [raw, message] of [
    [{ "routing-mode": "Path" }, 'Invalid routing-mode "Path": must be "path" or "subdomain"'],
    [{ "routing-mode": 3 }, 'Invalid routing-mode "3": must be a string'],
    [
      { "additional-hostnames": "a.example.com,10.0.0.1" },
      'Invalid additional-hostnames "10.0.0.1": not a valid domain name',
    ],
    [
      { "additional-hostnames": Array.from({ length: 16 }, (_, i) => `h${i}.example.com`).join() },
      `Invalid additional-hostnames "${
        Array.from({ length: 16 }, (_, i) => `h${i}.example.com`).join().slice(0, 97)
      }...": at most 15 hostnames (a route serves at most 16 with external-hostname)`,
    ],
    [
      { "request-timeout": "1.5s" },
      'Invalid request-timeout "1.5s": not a duration such as "30s", "1m30s" or "500ms"',
    ],
    [
      { "backend-request-timeout": "100000s" },
      'Invalid backend-request-timeout "100000s": not a duration such as "30s", "1m30s" or "500ms"',
    ],
    [
      { "request-timeout": "10s", "backend-request-timeout": "10s1ms" },
      'Invalid backend-request-timeout "10s1ms": longer than request-timeout "10s"',
    ],
    [
      { "gateway-labels": "a=1,a=2" },
      'Invalid gateway-labels "a=1,a=2": key "a" is given twice',
    ],
    [
      { "gateway-labels": Array.from({ length: 9 }, (_, i) => `k${i}=v`).join() },
      'Invalid gateway-labels "k0=v,k1=v,k2=v,k3=v,k4=v,k5=v,k6=v,k7=v,k8=v": the Gateway takes ' +
      "at most 8 labels",
    ],
    [
      { "gateway-annotations": "=x" },
      'Invalid gateway-annotations "=x": entry "=x" is not key=value',
    ],
    [
      { "gateway-annotations": "Bad.Prefix/x=1" },
      'Invalid gateway-annotations "Bad.Prefix/x=1": key "Bad.Prefix/x": keys are an optional ' +
      "DNS subdomain prefix and `/`, then a name of up to 63 letters, digits, `-`, `_` or `.` " +
      "that starts and ends with a letter or digit",
    ],
  ] as const
) {
  Deno.test(`refused: ${JSON.stringify(raw).slice(0, 80)}`, () => {
    const parsed = parseRoutingConfig(raw);
    strictEqual("message" in parsed ? parsed.message : parsed, message);
  });
}

Deno.test("a request timeout of 0s sets no bound on the backend timeout", () => {
  const parsed = parseRoutingConfig({ "request-timeout": "0s", "backend-request-timeout": "1h" });
  strictEqual("message" in parsed, false);
});

Deno.test("durations add their parts", () => {
  strictEqual(durationMs("1h2m3s4ms"), 3_723_004);
  strictEqual(durationMs("0s"), 0);
  strictEqual(durationMs("500ms"), 500);
});

Deno.test("subdomain mode and additional hostnames need external-hostname", () => {
  const sub = { ...DEFAULT_ROUTING, mode: "subdomain" as const };
  strictEqual(routingConfigProblem(sub, "gw.example.com", "gw"), null);
  strictEqual(
    routingConfigProblem(sub, null, "gw"),
    'routing-mode "subdomain" needs external-hostname: requirers are served at <model>-<app>.<external-hostname>',
  );
  const more = { ...DEFAULT_ROUTING, additionalHostnames: ["a.example.com"] };
  strictEqual(
    routingConfigProblem(more, null, "gw"),
    'Invalid additional-hostnames "a.example.com": needs external-hostname',
  );
  const long = { ...DEFAULT_ROUTING, additionalHostnames: [`${"a".repeat(64)}.example.com`] };
  strictEqual(
    routingConfigProblem(long, "gw.example.com", "gw"),
    `Invalid additional-hostnames "${"a".repeat(64)}.example.com": not accepted by the Gateway ` +
      "API: the hostname has a label longer than 63 characters",
  );
});

Deno.test('hostnames that differ only in "." and "-" cannot each have a listener', () => {
  const path = { ...DEFAULT_ROUTING, additionalHostnames: ["a.example.com", "gw-example.com"] };
  strictEqual(
    routingConfigProblem(path, "gw.example.com", "gw"),
    'Invalid additional-hostnames "gw-example.com": it would share its Gateway listener with ' +
      '"gw.example.com": a listener\'s name has "-" for each "." of its hostname',
  );
  const sub = {
    ...path,
    mode: "subdomain" as const,
    additionalHostnames: ["x.a-b.com", "x-a.b.com"],
  };
  strictEqual(
    routingConfigProblem(sub, "gw.example.com", "gw"),
    'Invalid additional-hostnames "x-a.b.com": a requirer\'s subdomains of it and of "x.a-b.com" ' +
      'would share one Gateway listener: a listener\'s name has "-" for each "." of its hostname',
  );
  const apart = { ...path, additionalHostnames: ["a.example.com", "example.com"] };
  strictEqual(routingConfigProblem(apart, "gw.example.com", "gw"), null);
});

const backend = (hosts: string[]) => ({
  model: "m",
  app: "web",
  port: 443,
  stripPrefix: false,
  scheme: "https" as const,
  hosts,
});

Deno.test("a BackendTLSPolicy checks the units' hosts", () => {
  deepStrictEqual(backendTlsNames(backend([])), {
    hostname: "web.m.svc.cluster.local",
    subjectAltNames: [],
  });
  deepStrictEqual(backendTlsNames(backend(["Web-0.web-endpoints.m.svc.cluster.local."])), {
    hostname: "web-0.web-endpoints.m.svc.cluster.local",
    subjectAltNames: [],
  });
  deepStrictEqual(backendTlsNames(backend(["web-0.e.m", "web-1.e.m"])), {
    hostname: "web-0.e.m",
    subjectAltNames: ["web-0.e.m", "web-1.e.m"],
  });
  const six = Array.from({ length: 6 }, (_, i) => `web-${i}.e.m`);
  deepStrictEqual(backendTlsNames(backend(six)), {
    hostname: "web-0.e.m",
    subjectAltNames: ["*.e.m"],
  });
  deepStrictEqual(backendTlsNames(backend(["under_score.e.m"])), {
    error: 'scheme https: unit host "under_score.e.m" is not a DNS name its certificate can be ' +
      "checked against",
  });
});
