/**
 * Table-driven tests of the fake server's admission pipeline on Gateway API and core objects:
 * each schema limit, enum, pattern and CEL rule an integrator can hit is violated once, the
 * charm-shaped manifests are accepted, and schema defaults are applied.
 */

import assert from "node:assert/strict";
import { fieldErrorText, type JsonObject } from "./errors.ts";
import { loadRegistry } from "./registry.ts";

const registry = await loadRegistry();

type J = Record<string, unknown>;
const GW_API = "gateway.networking.k8s.io/v1";

function httpListener(o: J = {}): J {
  return {
    name: "gw-http",
    port: 80,
    protocol: "HTTP",
    allowedRoutes: { namespaces: { from: "All" } },
    ...o,
  };
}

function httpsListener(o: J = {}): J {
  return {
    name: "gw-https-example-com",
    port: 443,
    protocol: "HTTPS",
    hostname: "example.com",
    allowedRoutes: { namespaces: { from: "All" } },
    tls: { certificateRefs: [{ kind: "Secret", name: "gw-secret-example.com" }] },
    ...o,
  };
}

function gateway(spec: J = {}, metadata: J = {}): JsonObject {
  return {
    apiVersion: GW_API,
    kind: "Gateway",
    metadata: { name: "gw", namespace: "testns", ...metadata },
    spec: { gatewayClassName: "cilium", listeners: [httpListener()], ...spec },
  };
}

function rule(o: J = {}): J {
  return {
    matches: [{ path: { type: "PathPrefix", value: "/model-app" } }],
    backendRefs: [{ name: "gw-app-service", port: 8080 }],
    ...o,
  };
}

function route(spec: J = {}): JsonObject {
  return {
    apiVersion: GW_API,
    kind: "HTTPRoute",
    metadata: { name: "gw-http", namespace: "testns" },
    spec: {
      parentRefs: [{ name: "gw", namespace: "testns", sectionName: "gw-http" }],
      hostnames: ["example.com"],
      rules: [rule()],
      ...spec,
    },
  };
}

function filter(type: string, body: J = {}): J {
  return { type, ...body };
}

const urlRewritePrefix = filter("URLRewrite", {
  urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
});
const redirect = filter("RequestRedirect", {
  requestRedirect: { scheme: "https", statusCode: 301 },
});
const hsts = filter("ResponseHeaderModifier", {
  responseHeaderModifier: {
    add: [{ name: "Strict-Transport-Security", value: "max-age=31536000" }],
  },
});

function service(metadata: J = {}, spec: J = {}): JsonObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "gw-app-service", namespace: "testns", ...metadata },
    spec: {
      ports: [{ name: "tcp-8080", port: 8080, targetPort: 8080 }],
      selector: { "app.kubernetes.io/name": "app" },
      ...spec,
    },
  };
}

function secret(o: J = {}): JsonObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "gw-secret-example.com", namespace: "testns" },
    type: "kubernetes.io/tls",
    stringData: { "tls.crt": "CERT", "tls.key": "KEY" },
    ...o,
  };
}

function errorsOf(obj: JsonObject, old?: JsonObject): string[] {
  return registry.validate(obj, old).errors.map(fieldErrorText);
}

// ---------------------------------------------------------------------------------------------
// Valid manifests

const valid: [string, JsonObject][] = [
  ["gateway with one HTTP listener and no hostname", gateway()],
  [
    "charm gateway: HTTP + HTTPS per hostname",
    gateway({
      listeners: [
        httpListener({ name: "gw-http-example-com", hostname: "example.com" }),
        httpsListener(),
      ],
    }),
  ],
  [
    "HTTPS listener for an IP target (no hostname)",
    gateway({
      listeners: [
        httpListener(),
        httpsListener({ name: "gw-https-10-0-0-1", hostname: undefined }),
      ],
    }),
  ],
  [
    "wildcard listener hostname",
    gateway({ listeners: [httpListener({ hostname: "*.example.com" })] }),
  ],
  [
    "TLS passthrough listener",
    gateway({
      listeners: [{ name: "tls", port: 8443, protocol: "TLS", tls: { mode: "Passthrough" } }],
    }),
  ],
  [
    "HTTPS listener with tls options instead of certificateRefs",
    gateway({ listeners: [httpsListener({ tls: { options: { "vendor.io/cert": "x" } } })] }),
  ],
  ["addresses", gateway({ addresses: [{ type: "IPAddress", value: "10.1.2.3" }] })],
  [
    "charm forwarding route with strip-prefix",
    route({ rules: [rule({ filters: [urlRewritePrefix] })] }),
  ],
  [
    "charm redirect route (no matches, default PathPrefix /)",
    route({ hostnames: [], rules: [{ filters: [redirect] }] }),
  ],
  ["HTTPS route with HSTS", route({ rules: [rule({ filters: [urlRewritePrefix, hsts] })] })],
  [
    "strip-prefix without matches uses the default match",
    route({ rules: [{ filters: [urlRewritePrefix], backendRefs: [{ name: "s", port: 80 }] }] }),
  ],
  ["route without hostnames", route({ hostnames: undefined })],
  [
    "Exact path match",
    route({ rules: [rule({ matches: [{ path: { type: "Exact", value: "/a/b" } }] })] }),
  ],
  [
    "regular expression path is not checked by the path CEL rules",
    route({
      rules: [rule({ matches: [{ path: { type: "RegularExpression", value: "^/a//b.*" } }] })],
    }),
  ],
  [
    "two refs to the same gateway with different sections",
    route({
      parentRefs: [{ name: "gw", sectionName: "a" }, { name: "gw", sectionName: "b" }],
    }),
  ],
  [
    "timeouts within limits",
    route({ rules: [rule({ timeouts: { request: "10s", backendRequest: "5s" } })] }),
  ],
  ["service", service()],
  ["service named with 63 characters", service({ name: "a".repeat(63) })],
  ["tls secret from stringData", secret()],
  [
    "opaque secret with base64 data",
    secret({ type: "Opaque", stringData: undefined, data: { k: "dmFsdWU=" } }),
  ],
];

for (const [name, obj] of valid) {
  Deno.test(`valid: ${name}`, () => {
    assert.deepEqual(errorsOf(obj), []);
  });
}

// ---------------------------------------------------------------------------------------------
// Invalid manifests: [description, object, field, message fragment]

const longName = "a".repeat(254);

const invalidCases: [string, JsonObject, string, string][] = [
  // Gateway: schema
  [
    "gatewayClassName missing",
    gateway({ gatewayClassName: undefined }),
    "spec.gatewayClassName",
    "Required value",
  ],
  [
    "gatewayClassName empty",
    gateway({ gatewayClassName: "" }),
    "spec.gatewayClassName",
    "should be at least 1 chars long",
  ],
  ["no listeners", gateway({ listeners: [] }), "spec.listeners", "should have at least 1 items"],
  [
    "65 listeners",
    gateway({
      listeners: Array.from(
        { length: 65 },
        (_, i) => httpListener({ name: `l${i}`, port: 1000 + i }),
      ),
    }),
    "spec.listeners",
    "Too many: 65: must have at most 64 items",
  ],
  [
    "listener name upper case",
    gateway({ listeners: [httpListener({ name: "Gw-http" })] }),
    "spec.listeners[0].name",
    "should match",
  ],
  [
    "listener name with *",
    gateway({ listeners: [httpListener({ name: "gw-http-*-example-com" })] }),
    "spec.listeners[0].name",
    "should match",
  ],
  [
    "listener name with _",
    gateway({ listeners: [httpListener({ name: "gw_http" })] }),
    "spec.listeners[0].name",
    "should match",
  ],
  [
    "listener name too long",
    gateway({ listeners: [httpListener({ name: longName })] }),
    "spec.listeners[0].name",
    "Too long: may not be more than 253",
  ],
  [
    "listener port 0",
    gateway({ listeners: [httpListener({ port: 0 })] }),
    "spec.listeners[0].port",
    "should be greater than or equal to 1",
  ],
  [
    "listener port 65536",
    gateway({ listeners: [httpListener({ port: 65536 })] }),
    "spec.listeners[0].port",
    "should be less than or equal to 65535",
  ],
  [
    "listener port as string",
    gateway({ listeners: [httpListener({ port: "80" })] }),
    "spec.listeners[0].port",
    "must be of type integer",
  ],
  [
    "listener port missing",
    gateway({ listeners: [httpListener({ port: undefined })] }),
    "spec.listeners[0].port",
    "Required value",
  ],
  [
    "listener protocol bad",
    gateway({ listeners: [httpListener({ protocol: "HT TP" })] }),
    "spec.listeners[0].protocol",
    "should match",
  ],
  [
    "listener hostname upper case",
    gateway({ listeners: [httpListener({ hostname: "Example.com" })] }),
    "spec.listeners[0].hostname",
    "should match",
  ],
  [
    "listener hostname inner wildcard",
    gateway({ listeners: [httpListener({ hostname: "a.*.example.com" })] }),
    "spec.listeners[0].hostname",
    "should match",
  ],
  [
    "tls mode enum",
    gateway({
      listeners: [httpsListener({ tls: { mode: "Reencrypt", certificateRefs: [{ name: "s" }] } })],
    }),
    "spec.listeners[0].tls.mode",
    'Unsupported value: "Reencrypt": supported values: "Terminate", "Passthrough"',
  ],
  [
    "allowedRoutes from enum",
    gateway({
      listeners: [httpListener({ allowedRoutes: { namespaces: { from: "Everywhere" } } })],
    }),
    "spec.listeners[0].allowedRoutes.namespaces.from",
    "Unsupported value",
  ],
  [
    "certificateRef namespace pattern",
    gateway({
      listeners: [
        httpsListener({ tls: { certificateRefs: [{ name: "s", namespace: "Bad_NS" }] } }),
      ],
    }),
    "spec.listeners[0].tls.certificateRefs[0].namespace",
    "should match",
  ],
  [
    "certificateRef without name",
    gateway({ listeners: [httpsListener({ tls: { certificateRefs: [{ kind: "Secret" }] } })] }),
    "spec.listeners[0].tls.certificateRefs[0].name",
    "Required value",
  ],
  [
    "duplicate listener names (list-map key)",
    gateway({ listeners: [httpListener(), httpListener({ port: 81 })] }),
    "spec.listeners[1]",
    'Duplicate value: map[string]interface {}{"name":"gw-http"}',
  ],
  [
    "infrastructure labels over 8",
    gateway({
      infrastructure: {
        labels: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v"])),
      },
    }),
    "spec.infrastructure.labels",
    "Too many: 9: must have at most 8 items",
  ],
  [
    "IPAddress address that is not an IP",
    gateway({ addresses: [{ type: "IPAddress", value: "not-an-ip" }] }),
    "spec.addresses[0]",
    "oneOf",
  ],
  // Gateway: CEL
  [
    "tls on an HTTP listener",
    gateway({ listeners: [httpListener({ tls: { certificateRefs: [{ name: "s" }] } })] }),
    "spec.listeners",
    "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
  ],
  [
    "HTTPS with Passthrough",
    gateway({ listeners: [httpsListener({ tls: { mode: "Passthrough" } })] }),
    "spec.listeners",
    "tls mode must be Terminate for protocol HTTPS",
  ],
  [
    "TLS listener without tls",
    gateway({ listeners: [{ name: "tls", port: 8443, protocol: "TLS" }] }),
    "spec.listeners",
    "tls mode must be set for protocol TLS",
  ],
  [
    "TCP listener with hostname",
    gateway({ listeners: [{ name: "tcp", port: 9000, protocol: "TCP", hostname: "example.com" }] }),
    "spec.listeners",
    "hostname must not be specified for protocols ['TCP', 'UDP']",
  ],
  [
    "duplicate listener names (CEL)",
    gateway({ listeners: [httpListener(), httpListener({ port: 81 })] }),
    "spec.listeners",
    "Listener name must be unique within the Gateway",
  ],
  [
    "two IP-only HTTPS listeners on 443",
    gateway({
      listeners: [
        httpsListener({ name: "a", hostname: undefined }),
        httpsListener({ name: "b", hostname: undefined }),
      ],
    }),
    "spec.listeners",
    "Combination of port, protocol and hostname must be unique for each listener",
  ],
  [
    "Terminate without certificateRefs or options",
    gateway({ listeners: [httpsListener({ tls: {} })] }),
    "spec.listeners[0].tls",
    "certificateRefs or options must be specified when mode is Terminate",
  ],
  [
    "Terminate with empty certificateRefs",
    gateway({ listeners: [httpsListener({ tls: { certificateRefs: [] } })] }),
    "spec.listeners[0].tls",
    "certificateRefs or options must be specified when mode is Terminate",
  ],
  [
    "duplicate IPAddress values",
    gateway({ addresses: [{ value: "10.0.0.1" }, { value: "10.0.0.1" }] }),
    "spec.addresses",
    "IPAddress values must be unique",
  ],
  [
    "bad Hostname address",
    gateway({ addresses: [{ type: "Hostname", value: "Bad_Host" }] }),
    "spec.addresses[0]",
    "Hostname value must be empty or contain only valid characters",
  ],
  [
    "bad infrastructure label key",
    gateway({ infrastructure: { labels: { "-bad": "v" } } }),
    "spec.infrastructure.labels",
    "Label keys must be in the form of an optional DNS subdomain prefix",
  ],
  // Gateway: metadata
  [
    "gateway name upper case",
    gateway({}, { name: "GW" }),
    "metadata.name",
    "a lowercase RFC 1123 subdomain must consist of",
  ],
  [
    "gateway name too long",
    gateway({}, { name: longName }),
    "metadata.name",
    "must be no more than 253 characters",
  ],
  [
    "bad label value",
    gateway({}, { labels: { app: "bad value" } }),
    "metadata.labels",
    "a valid label must be an empty string or consist of",
  ],
  [
    "bad label key",
    gateway({}, { labels: { "bad key": "v" } }),
    "metadata.labels",
    "name part must consist of alphanumeric characters",
  ],
  // HTTPRoute: schema
  [
    "hostname upper case",
    route({ hostnames: ["Example.com"] }),
    "spec.hostnames[0]",
    "should match",
  ],
  [
    "hostname with trailing dot",
    route({ hostnames: ["example.com."] }),
    "spec.hostnames[0]",
    "should match",
  ],
  [
    "17 hostnames",
    route({ hostnames: Array.from({ length: 17 }, (_, i) => `h${i}.example.com`) }),
    "spec.hostnames",
    "Too many: 17: must have at most 16 items",
  ],
  [
    "33 parentRefs",
    route({ parentRefs: Array.from({ length: 33 }, (_, i) => ({ name: `gw${i}` })) }),
    "spec.parentRefs",
    "Too many: 33: must have at most 32 items",
  ],
  [
    "parentRef without name",
    route({ parentRefs: [{ sectionName: "a" }] }),
    "spec.parentRefs[0].name",
    "Required value",
  ],
  [
    "parentRef sectionName pattern",
    route({ parentRefs: [{ name: "gw", sectionName: "Bad_Name" }] }),
    "spec.parentRefs[0].sectionName",
    "should match",
  ],
  [
    "parentRef namespace too long",
    route({ parentRefs: [{ name: "gw", namespace: "a".repeat(64) }] }),
    "spec.parentRefs[0].namespace",
    "Too long",
  ],
  ["no rules", route({ rules: [] }), "spec.rules", "should have at least 1 items"],
  [
    "17 rules",
    route({ rules: Array.from({ length: 17 }, () => rule()) }),
    "spec.rules",
    "Too many: 17: must have at most 16 items",
  ],
  [
    "17 backendRefs",
    route({
      rules: [
        rule({ backendRefs: Array.from({ length: 17 }, (_, i) => ({ name: `s${i}`, port: 80 })) }),
      ],
    }),
    "spec.rules[0].backendRefs",
    "Too many: 17",
  ],
  [
    "17 filters",
    route({
      rules: [rule({
        filters: Array.from(
          { length: 17 },
          () => filter("RequestMirror", { requestMirror: { backendRef: { name: "m", port: 80 } } }),
        ),
      })],
    }),
    "spec.rules[0].filters",
    "Too many: 17",
  ],
  [
    "65 matches in a rule",
    route({
      rules: [
        rule({ matches: Array.from({ length: 65 }, (_, i) => ({ path: { value: `/p${i}` } })) }),
      ],
    }),
    "spec.rules[0].matches",
    "Too many: 65",
  ],
  [
    "redirect statusCode 300",
    route({
      rules: [{ filters: [filter("RequestRedirect", { requestRedirect: { statusCode: 300 } })] }],
    }),
    "spec.rules[0].filters[0].requestRedirect.statusCode",
    "Unsupported value: 300: supported values: 301, 302, 303, 307, 308",
  ],
  [
    "redirect scheme ftp",
    route({
      rules: [{ filters: [filter("RequestRedirect", { requestRedirect: { scheme: "ftp" } })] }],
    }),
    "spec.rules[0].filters[0].requestRedirect.scheme",
    "Unsupported value",
  ],
  [
    "redirect hostname wildcard",
    route({
      rules: [{
        filters: [filter("RequestRedirect", { requestRedirect: { hostname: "*.example.com" } })],
      }],
    }),
    "spec.rules[0].filters[0].requestRedirect.hostname",
    "should match",
  ],
  [
    "filter type unknown",
    route({ rules: [rule({ filters: [filter("StripPrefix")] })] }),
    "spec.rules[0].filters[0].type",
    "Unsupported value",
  ],
  [
    "path type unknown",
    route({ rules: [rule({ matches: [{ path: { type: "Prefix", value: "/" } }] })] }),
    "spec.rules[0].matches[0].path.type",
    "Unsupported value",
  ],
  [
    "path value too long",
    route({ rules: [rule({ matches: [{ path: { value: "/" + "a".repeat(1024) } }] })] }),
    "spec.rules[0].matches[0].path.value",
    "Too long: may not be more than 1024",
  ],
  [
    "method unknown",
    route({ rules: [rule({ matches: [{ method: "FETCH" }] })] }),
    "spec.rules[0].matches[0].method",
    "Unsupported value",
  ],
  [
    "backend weight too big",
    route({ rules: [rule({ backendRefs: [{ name: "s", port: 80, weight: 1000001 }] })] }),
    "spec.rules[0].backendRefs[0].weight",
    "should be less than or equal to 1000000",
  ],
  [
    "backend port 0",
    route({ rules: [rule({ backendRefs: [{ name: "s", port: 0 }] })] }),
    "spec.rules[0].backendRefs[0].port",
    "should be greater than or equal to 1",
  ],
  [
    "timeout pattern",
    route({ rules: [rule({ timeouts: { request: "1d" } })] }),
    "spec.rules[0].timeouts.request",
    "should match",
  ],
  [
    "duplicate header match names",
    route({
      rules: [
        rule({ matches: [{ headers: [{ name: "a", value: "1" }, { name: "a", value: "2" }] }] }),
      ],
    }),
    "spec.rules[0].matches[0].headers[1]",
    "Duplicate value",
  ],
  [
    "header modifier value empty",
    route({
      rules: [
        rule({
          filters: [
            filter("ResponseHeaderModifier", {
              responseHeaderModifier: { add: [{ name: "X", value: "" }] },
            }),
          ],
        }),
      ],
    }),
    "spec.rules[0].filters[0].responseHeaderModifier.add[0].value",
    "should be at least 1 chars long",
  ],
  // HTTPRoute: CEL
  [
    "two refs to the same parent, one without sectionName",
    route({ parentRefs: [{ name: "gw", sectionName: "a" }, { name: "gw" }] }),
    "spec.parentRefs",
    "sectionName must be specified when parentRefs includes 2 or more references to the same parent",
  ],
  [
    "two refs to the same parent and section",
    route({ parentRefs: [{ name: "gw", sectionName: "a" }, { name: "gw", sectionName: "a" }] }),
    "spec.parentRefs",
    "sectionName must be unique when parentRefs includes 2 or more references to the same parent",
  ],
  [
    "more than 128 matches in total",
    route({
      rules: Array.from(
        { length: 3 },
        () =>
          rule({ matches: Array.from({ length: 43 }, (_, i) => ({ path: { value: `/p${i}` } })) }),
      ),
    }),
    "spec.rules",
    "the total number of matches across all rules in a route must be less than 128",
  ],
  [
    "RequestRedirect with backendRefs",
    route({ rules: [rule({ filters: [redirect] })] }),
    "spec.rules[0]",
    "RequestRedirect filter must not be used together with backendRefs",
  ],
  [
    "URLRewrite prefix with two matches",
    route({
      rules: [
        rule({
          matches: [{ path: { value: "/a" } }, { path: { value: "/b" } }],
          filters: [urlRewritePrefix],
        }),
      ],
    }),
    "spec.rules[0]",
    "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
  ],
  [
    "URLRewrite prefix with an Exact match",
    route({
      rules: [
        rule({ matches: [{ path: { type: "Exact", value: "/a" } }], filters: [urlRewritePrefix] }),
      ],
    }),
    "spec.rules[0]",
    "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
  ],
  [
    "RequestRedirect prefix with an Exact match",
    route({
      rules: [{
        matches: [{ path: { type: "Exact", value: "/a" } }],
        filters: [
          filter("RequestRedirect", {
            requestRedirect: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/b" } },
          }),
        ],
      }],
    }),
    "spec.rules[0]",
    "When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
  ],
  [
    "backendRef filter URLRewrite prefix with two matches",
    route({
      rules: [
        rule({
          matches: [{ path: { value: "/a" } }, { path: { value: "/b" } }],
          backendRefs: [{ name: "s", port: 80, filters: [urlRewritePrefix] }],
        }),
      ],
    }),
    "spec.rules[0]",
    "Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
  ],
  [
    "Service backend without port",
    route({ rules: [rule({ backendRefs: [{ name: "s" }] })] }),
    "spec.rules[0].backendRefs[0]",
    "Must have port for Service reference",
  ],
  [
    "mirror backend without port",
    route({
      rules: [
        rule({
          filters: [filter("RequestMirror", { requestMirror: { backendRef: { name: "m" } } })],
        }),
      ],
    }),
    "spec.rules[0].filters[0].requestMirror.backendRef",
    "Must have port for Service reference",
  ],
  [
    "RequestRedirect and URLRewrite together",
    route({ rules: [{ filters: [redirect, urlRewritePrefix] }] }),
    "spec.rules[0].filters",
    "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both",
  ],
  [
    "URLRewrite repeated",
    route({ rules: [rule({ filters: [urlRewritePrefix, urlRewritePrefix] })] }),
    "spec.rules[0].filters",
    "URLRewrite filter cannot be repeated",
  ],
  [
    "ResponseHeaderModifier repeated",
    route({ rules: [rule({ filters: [hsts, hsts] })] }),
    "spec.rules[0].filters",
    "ResponseHeaderModifier filter cannot be repeated",
  ],
  [
    "RequestHeaderModifier repeated",
    route({
      rules: [
        rule({
          filters: [
            filter("RequestHeaderModifier", { requestHeaderModifier: { remove: ["a"] } }),
            filter("RequestHeaderModifier", { requestHeaderModifier: { remove: ["b"] } }),
          ],
        }),
      ],
    }),
    "spec.rules[0].filters",
    "RequestHeaderModifier filter cannot be repeated",
  ],
  [
    "RequestRedirect repeated",
    route({ rules: [{ filters: [redirect, redirect] }] }),
    "spec.rules[0].filters",
    "RequestRedirect filter cannot be repeated",
  ],
  [
    "urlRewrite body on a redirect filter",
    route({
      rules: [{ filters: [filter("RequestRedirect", { urlRewrite: { hostname: "a.b" } })] }],
    }),
    "spec.rules[0].filters[0]",
    "filter.urlRewrite must be nil if the filter.type is not URLRewrite",
  ],
  [
    "URLRewrite without urlRewrite",
    route({ rules: [rule({ filters: [filter("URLRewrite")] })] }),
    "spec.rules[0].filters[0]",
    "filter.urlRewrite must be specified for URLRewrite filter.type",
  ],
  [
    "RequestRedirect without requestRedirect",
    route({ rules: [{ filters: [filter("RequestRedirect")] }] }),
    "spec.rules[0].filters[0]",
    "filter.requestRedirect must be specified for RequestRedirect filter.type",
  ],
  [
    "ReplacePrefixMatch type with replaceFullPath",
    route({
      rules: [
        rule({
          filters: [
            filter("URLRewrite", {
              urlRewrite: { path: { type: "ReplacePrefixMatch", replaceFullPath: "/x" } },
            }),
          ],
        }),
      ],
    }),
    "spec.rules[0].filters[0].urlRewrite.path",
    "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'",
  ],
  [
    "ReplaceFullPath type without replaceFullPath",
    route({
      rules: [
        rule({
          filters: [filter("URLRewrite", { urlRewrite: { path: { type: "ReplaceFullPath" } } })],
        }),
      ],
    }),
    "spec.rules[0].filters[0].urlRewrite.path",
    "replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
  ],
  [
    "replacePrefixMatch with ReplaceFullPath type",
    route({
      rules: [
        rule({
          filters: [
            filter("URLRewrite", {
              urlRewrite: {
                path: { type: "ReplaceFullPath", replaceFullPath: "/a", replacePrefixMatch: "/" },
              },
            }),
          ],
        }),
      ],
    }),
    "spec.rules[0].filters[0].urlRewrite.path",
    "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
  ],
  [
    "path without leading slash",
    route({ rules: [rule({ matches: [{ path: { type: "PathPrefix", value: "model-app" } }] })] }),
    "spec.rules[0].matches[0].path",
    "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
  ],
  [
    "path with //",
    route({ rules: [rule({ matches: [{ path: { value: "/a//b" } }] })] }),
    "spec.rules[0].matches[0].path",
    "must not contain '//' when type one of ['Exact', 'PathPrefix']",
  ],
  [
    "path with /./",
    route({ rules: [rule({ matches: [{ path: { value: "/a/./b" } }] })] }),
    "spec.rules[0].matches[0].path",
    "must not contain '/./'",
  ],
  [
    "path with /../",
    route({ rules: [rule({ matches: [{ path: { value: "/a/../b" } }] })] }),
    "spec.rules[0].matches[0].path",
    "must not contain '/../'",
  ],
  [
    "path with %2f",
    route({ rules: [rule({ matches: [{ path: { value: "/a%2fb" } }] })] }),
    "spec.rules[0].matches[0].path",
    "must not contain '%2f'",
  ],
  [
    "path with %2F",
    route({ rules: [rule({ matches: [{ path: { value: "/a%2Fb" } }] })] }),
    "spec.rules[0].matches[0].path",
    "must not contain '%2F'",
  ],
  [
    "path with #",
    route({ rules: [rule({ matches: [{ path: { value: "/a#b" } }] })] }),
    "spec.rules[0].matches[0].path",
    "must not contain '#'",
  ],
  [
    "path ending in /..",
    route({ rules: [rule({ matches: [{ path: { value: "/a/.." } }] })] }),
    "spec.rules[0].matches[0].path",
    "must not end with '/..'",
  ],
  [
    "path ending in /.",
    route({ rules: [rule({ matches: [{ path: { value: "/a/." } }] })] }),
    "spec.rules[0].matches[0].path",
    "must not end with '/.'",
  ],
  [
    "path with a space",
    route({ rules: [rule({ matches: [{ path: { value: "/a b" } }] })] }),
    "spec.rules[0].matches[0].path",
    "must only contain valid characters",
  ],
  [
    "mirror percent and fraction",
    route({
      rules: [
        rule({
          filters: [
            filter("RequestMirror", {
              requestMirror: {
                backendRef: { name: "m", port: 80 },
                percent: 5,
                fraction: { numerator: 1 },
              },
            }),
          ],
        }),
      ],
    }),
    "spec.rules[0].filters[0].requestMirror",
    "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter",
  ],
  [
    "CORS origins * with others",
    route({
      rules: [
        rule({
          filters: [filter("CORS", { cors: { allowOrigins: ["*", "https://a.example.com"] } })],
        }),
      ],
    }),
    "spec.rules[0].filters[0].cors.allowOrigins",
    "AllowOrigins cannot contain '*' alongside other origins",
  ],
  [
    "backendRequest longer than request",
    route({ rules: [rule({ timeouts: { request: "5s", backendRequest: "10s" } })] }),
    "spec.rules[0].timeouts",
    "backendRequest timeout cannot be longer than request timeout",
  ],
  // Core: Service
  [
    "service name too long",
    service({ name: "a".repeat(64) }),
    "metadata.name",
    "must be no more than 63 characters",
  ],
  [
    "service name with a dot",
    service({ name: "gw-app.service" }),
    "metadata.name",
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character",
  ],
  [
    "service name starting with a digit",
    service({ name: "1app" }),
    "metadata.name",
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?'",
  ],
  ["service without ports", service({}, { ports: [] }), "spec.ports", "Required value"],
  [
    "service port 0",
    service({}, { ports: [{ name: "p", port: 0 }] }),
    "spec.ports[0].port",
    "must be between 1 and 65535, inclusive",
  ],
  [
    "service port 70000",
    service({}, { ports: [{ name: "p", port: 70000 }] }),
    "spec.ports[0].port",
    "must be between 1 and 65535, inclusive",
  ],
  [
    "service two ports without names",
    service({}, { ports: [{ port: 80 }, { port: 81 }] }),
    "spec.ports[0].name",
    "Required value",
  ],
  [
    "service duplicate port names",
    service({}, { ports: [{ name: "a", port: 80 }, { name: "a", port: 81 }] }),
    "spec.ports[1].name",
    "Duplicate value",
  ],
  [
    "service port name upper case",
    service({}, { ports: [{ name: "TCP", port: 80 }] }),
    "spec.ports[0].name",
    "a lowercase RFC 1123 label must consist of",
  ],
  [
    "service duplicate port/protocol",
    service({}, { ports: [{ name: "a", port: 80 }, { name: "b", port: 80 }] }),
    "spec.ports[1]",
    "Duplicate value",
  ],
  [
    "service protocol enum",
    service({}, { ports: [{ name: "a", port: 80, protocol: "HTTP" }] }),
    "spec.ports[0].protocol",
    'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
  ],
  [
    "service named targetPort too long",
    service({}, { ports: [{ name: "a", port: 80, targetPort: "a-very-long-port-name" }] }),
    "spec.ports[0].targetPort",
    "must be no more than 15 characters",
  ],
  [
    "service appProtocol is a qualified name",
    service({}, { ports: [{ name: "a", port: 80, appProtocol: "kubernetes.io/h2c/x" }] }),
    "spec.ports[0].appProtocol",
    "a qualified name must consist of",
  ],
  ["service type enum", service({}, { type: "Ingress" }), "spec.type", "Unsupported value"],
  [
    "service selector value",
    service({}, { selector: { app: "bad value" } }),
    "spec.selector",
    "a valid label must be an empty string",
  ],
  // Core: Secret
  [
    "tls secret without tls.key",
    secret({ stringData: { "tls.crt": "CERT" } }),
    "data[tls.key]",
    "Required value",
  ],
  [
    "secret data key invalid",
    secret({ type: "Opaque", stringData: { "bad key": "x" } }),
    "data[bad key]",
    "a valid config key must consist of alphanumeric characters",
  ],
];

for (const [name, obj, field, fragment] of invalidCases) {
  Deno.test(`invalid: ${name}`, () => {
    const errs = registry.validate(obj).errors;
    assert.ok(
      errs.some((e) => e.field === field && e.message.includes(fragment)),
      `expected "${field}: ...${fragment}...", got:\n${errs.map(fieldErrorText).join("\n")}`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Defaults, pruning and transition rules

Deno.test("defaults: gateway listeners, tls and certificateRefs", () => {
  const { object, errors } = registry.validate(
    gateway({ listeners: [{ name: "a", port: 80, protocol: "HTTP" }, httpsListener()] }),
  );
  assert.deepEqual(errors, []);
  const spec = object.spec as { listeners: J[] };
  assert.deepEqual(spec.listeners[0].allowedRoutes, { namespaces: { from: "Same" } });
  assert.deepEqual(spec.listeners[1].tls, {
    mode: "Terminate",
    certificateRefs: [{ group: "", kind: "Secret", name: "gw-secret-example.com" }],
  });
  const status = object.status as { conditions: J[] };
  assert.deepEqual(status.conditions.map((c) => [c.type, c.status, c.reason]), [
    ["Accepted", "Unknown", "Pending"],
    ["Programmed", "Unknown", "Pending"],
  ]);
});

Deno.test("defaults: HTTPRoute parentRefs, rules, matches, backendRefs, redirect status", () => {
  const { object, errors } = registry.validate({
    apiVersion: GW_API,
    kind: "HTTPRoute",
    metadata: { name: "r", namespace: "ns" },
    spec: {
      parentRefs: [{ name: "gw" }],
      rules: [{ backendRefs: [{ name: "s", port: 80 }] }, {
        filters: [filter("RequestRedirect", { requestRedirect: { scheme: "https" } })],
      }],
    },
  });
  assert.deepEqual(errors, []);
  const spec = object.spec as { parentRefs: J[]; rules: J[] };
  assert.deepEqual(spec.parentRefs[0], {
    group: "gateway.networking.k8s.io",
    kind: "Gateway",
    name: "gw",
  });
  assert.deepEqual(spec.rules[0].matches, [{ path: { type: "PathPrefix", value: "/" } }]);
  assert.deepEqual(spec.rules[0].backendRefs, [
    { group: "", kind: "Service", name: "s", port: 80, weight: 1 },
  ]);
  const f = (spec.rules[1].filters as J[])[0];
  assert.deepEqual(f.requestRedirect, { scheme: "https", statusCode: 302 });
});

Deno.test("defaults: HTTPRoute without rules gets the default rule", () => {
  const { object, errors } = registry.validate({
    apiVersion: GW_API,
    kind: "HTTPRoute",
    metadata: { name: "r", namespace: "ns" },
    spec: { parentRefs: [{ name: "gw" }] },
  });
  assert.deepEqual(errors, []);
  assert.deepEqual((object.spec as J).rules, [{
    matches: [{ path: { type: "PathPrefix", value: "/" } }],
  }]);
});

Deno.test("pruning: unknown fields are dropped and reported", () => {
  const r = registry.validate(
    gateway({ foo: 1, listeners: [httpListener({ bar: true })] }, { bogus: "x" }),
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.unknownFields.sort(), ["metadata.bogus", "spec.foo", "spec.listeners[0].bar"]);
  assert.equal((r.object.spec as J).foo, undefined);
});

Deno.test("service defaults: type, protocol, targetPort, cluster IP", () => {
  const { object, errors } = registry.validate(service({}, { ports: [{ name: "p", port: 8080 }] }));
  assert.deepEqual(errors, []);
  const spec = object.spec as J;
  assert.equal(spec.type, "ClusterIP");
  assert.deepEqual(spec.ports, [{ name: "p", port: 8080, protocol: "TCP", targetPort: 8080 }]);
  assert.match(String(spec.clusterIP), /^10\.96\./);
});

Deno.test("secret: stringData is folded into base64 data", () => {
  const { object } = registry.validate(secret());
  assert.equal(object.stringData, undefined);
  assert.deepEqual(object.data, { "tls.crt": btoa("CERT"), "tls.key": btoa("KEY") });
});

Deno.test("transition rule: GatewayClass controllerName is immutable", () => {
  const gc = (controllerName: string): JsonObject => ({
    apiVersion: GW_API,
    kind: "GatewayClass",
    metadata: { name: "cilium" },
    spec: { controllerName },
  });
  assert.deepEqual(errorsOf(gc("io.cilium/gateway-controller")), []);
  assert.deepEqual(
    errorsOf(gc("example.com/other"), gc("io.cilium/gateway-controller")),
    ['spec.controllerName: Invalid value: "string": Value is immutable'],
  );
});

Deno.test("secret type is immutable", () => {
  const errs = errorsOf(secret({ type: "Opaque" }), secret());
  assert.ok(errs.includes('type: Invalid value: "Opaque": field is immutable'), errs.join("\n"));
});

Deno.test("CEL rules are skipped when there is a type error", () => {
  const errs = errorsOf(
    gateway({
      listeners: [httpListener({ port: "80", tls: { certificateRefs: [{ name: "s" }] } })],
    }),
  );
  assert.ok(errs.some((e) => e.includes("must be of type integer")));
  assert.ok(!errs.some((e) => e.includes("tls must not be specified")));
  assert.ok(errs.some((e) => e.includes("some validation rules were not checked")));
});

Deno.test("v1beta1 is validated against its own schema", () => {
  const obj = gateway({ listeners: [httpListener({ name: "Bad" })] });
  obj.apiVersion = "gateway.networking.k8s.io/v1beta1";
  assert.ok(errorsOf(obj).some((e) => e.startsWith("spec.listeners[0].name: Invalid value")));
});
