/**
 * Hostile data from the other side of the charm's other relations (issue 8): gateway-route
 * requirers beside a valid one, the certificates provider, and the dns-record provider.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { JujuState } from "./harness/juju/state.ts";
import { createTestCa } from "./harness/tls_ca.ts";
import {
  certificates,
  CERTS_ID,
  ENFORCED,
  HOST,
  HTTP,
  HUGE,
  literally,
  relation,
  route,
  table,
  url,
  type Variant,
  WEB,
  withRelation,
} from "./hostile.ts";

const ca = await createTestCa();

// --- gateway-route requirer data ---

const ROUTE_INVALID = "^Invalid gateway-route relation data: bad: requirer application field ";
const GOOD_ROUTE = route(5, "good", { hostname: '"good.example.com"' });
const invalidRoute = (name: string, data: Record<string, string>, field: string): Variant => ({
  name,
  state: (base) => withRelation(base, route(6, "bad", data)),
  status: "blocked",
  message: new RegExp(`${ROUTE_INVALID}"${literally(field)}" `),
  log: new RegExp(`bad: requirer application field "${literally(field)}"`),
});

table("gateway-route requirer data", {
  leader: true,
  config: { "enforce-https": false, "gateway-class": "cilium" },
  relations: [GOOD_ROUTE],
}, [
  invalidRoute("hostname not JSON", { hostname: "bad.example.com" }, "hostname"),
  invalidRoute("hostname a number", { hostname: "42" }, "hostname"),
  invalidRoute("hostname a list", { hostname: '["a.example.com"]' }, "hostname"),
  invalidRoute("hostname with an underscore", { hostname: '"bad.exa_mple"' }, "hostname"),
  invalidRoute("hostname of 254 characters", {
    hostname: JSON.stringify(`${"a".repeat(60)}.`.repeat(4) + "a".repeat(10)),
  }, "hostname"),
  invalidRoute("hostname a wildcard", { hostname: '"*.example.com"' }, "hostname"),
  invalidRoute("hostname an IP", { hostname: '"10.0.0.1"' }, "hostname"),
  invalidRoute("hostname with a NUL", { hostname: '"bad\\u0000.example.com"' }, "hostname"),
  invalidRoute("hostname with a raw NUL", { hostname: "bad\u0000" }, "hostname"),
  invalidRoute("hostname huge", { hostname: JSON.stringify(HUGE) }, "hostname"),
  invalidRoute(
    "additional_hostnames an object",
    { additional_hostnames: "{}" },
    "additional_hostnames",
  ),
  invalidRoute(
    "additional_hostnames null",
    { additional_hostnames: "null" },
    "additional_hostnames",
  ),
  invalidRoute(
    "additional_hostnames with a null",
    { additional_hostnames: '["b.example.com", null]' },
    "additional_hostnames[1]",
  ),
  invalidRoute(
    "additional_hostnames with terminal escapes",
    { additional_hostnames: JSON.stringify(["\u001b[2J.example.com"]) },
    "additional_hostnames[0]",
  ),
  {
    name: "more hostnames than the Gateway has listeners for",
    state: (base) =>
      withRelation(
        base,
        route(6, "bad", {
          additional_hostnames: JSON.stringify(
            Array.from({ length: 64 }, (_, i) => `h${i}.example.com`),
          ),
        }),
      ),
    status: "blocked",
    message:
      /^Invalid gateway-route relation data: bad: asks for 64 hostname\(s\): .* more than the Gateway's listeners can serve \(31\)$/,
    log: /bad: asks for 64 hostname/,
  },
  invalidRoute(
    "hostname with a bidirectional override",
    { hostname: JSON.stringify("bad\u202e.example.com") },
    "hostname",
  ),
  {
    name: "a hostname whose listener name is the valid requirer's",
    state: (base) => withRelation(base, route(6, "bad", { hostname: '"good-example.com"' })),
    status: "blocked",
    message: new RegExp(
      '^Invalid gateway-route relation data: bad: hostname "good-example\\.com" would share ' +
        'its Gateway listener with "good\\.example\\.com", another requirer\'s: ',
    ),
    log: /bad: hostname "good-example\.com" would share its Gateway listener/,
  },
  {
    name: "two hostnames of its own that would share a listener",
    state: (base) =>
      withRelation(
        base,
        route(6, "bad", {
          hostname: '"a-b.example.com"',
          additional_hostnames: '["a.b-example.com"]',
        }),
      ),
    status: "blocked",
    message:
      /^Invalid gateway-route relation data: bad: hostname "a\.b-example\.com" would share its Gateway listener with "a-b\.example\.com": a listener's name has "-" for each "\." of its hostname$/,
    log: /bad: hostname "a\.b-example\.com" would share/,
  },
  {
    name: "a hostname that makes the listener name too long",
    state: (base) =>
      withRelation(
        base,
        route(6, "bad", {
          hostname: JSON.stringify(`${"a".repeat(60)}.`.repeat(3) + "b".repeat(50) + ".com"),
        }),
      ),
    status: "blocked",
    message: /^Invalid gateway-route relation data: bad: hostname ".*" is too long for a listener/,
    log: /bad: hostname ".*" is too long for a listener name/,
  },
], (result, cluster) => {
  // The valid requirer keeps its listener and its provider data.
  const listeners = (cluster.objects("Gateway")[0] as unknown as {
    spec: { listeners: { hostname?: string }[] };
  }).spec.listeners.map((listener) => listener.hostname);
  deepStrictEqual(listeners, ["good.example.com"]);
  strictEqual(relation(result.state, 5).localAppData?.gateway_address, '"10.0.0.9"');
  const bad = result.state.relations!.find((r) => r.id === 6);
  if (bad) deepStrictEqual(bad.localAppData ?? {}, {}, "the invalid requirer gets nothing");
});

// --- certificates provider data ---

/** Our CSR in the base state. */
const ourCsr = (state: JujuState): string =>
  JSON.parse(relation(state, CERTS_ID).localAppData!.certificate_signing_requests)[0]
    .certificate_signing_request;

/** A provider variant whose `certificates` holds `entry` built from our CSR and its signed
 * certificate. */
const providerEntry = (
  name: string,
  entry: (csr: string, certificate: string) => Record<string, unknown>,
  field: string,
): Variant => ({
  name,
  state: async (base) => {
    const csr = ourCsr(base);
    const certificate = await ca.sign(csr);
    return withRelation(
      base,
      certificates({ certificates: JSON.stringify([entry(csr, certificate)]) }),
    );
  },
  status: "waiting",
  message: /^Waiting for TLS certificates to be issued\.$/,
  log: new RegExp(`provider application field "${literally(field)}"`),
});
const providerData = (name: string, data: Record<string, string>, field: string): Variant => ({
  name,
  state: (base) => withRelation(base, certificates(data)),
  status: "waiting",
  message: /^Waiting for TLS certificates to be issued\.$/,
  log: new RegExp(`provider application field "${literally(field)}"`),
});
const full = (csr: string, certificate: string) => ({
  ca: ca.caPem,
  certificate_signing_request: csr,
  certificate,
  chain: [certificate, ca.caPem],
});

table("certificates provider data", {
  leader: true,
  config: ENFORCED,
  relations: [WEB, certificates()],
}, [
  providerEntry(
    "an entry without ca",
    (csr, cert) => ({ ...full(csr, cert), ca: undefined }),
    "certificates[0].ca",
  ),
  providerEntry(
    "an entry without its CSR",
    (csr, cert) => ({ ...full(csr, cert), certificate_signing_request: undefined }),
    "certificates[0].certificate_signing_request",
  ),
  providerEntry(
    "chain not a list",
    (csr, cert) => ({ ...full(csr, cert), chain: cert }),
    "certificates[0].chain",
  ),
  providerEntry(
    "chain with a number",
    (csr, cert) => ({ ...full(csr, cert), chain: [cert, 1] }),
    "certificates[0].chain[1]",
  ),
  providerEntry(
    "revoked 2",
    (csr, cert) => ({ ...full(csr, cert), revoked: 2 }),
    "certificates[0].revoked",
  ),
  providerEntry(
    "revoked a word",
    (csr, cert) => ({ ...full(csr, cert), revoked: "maybe" }),
    "certificates[0].revoked",
  ),
  providerEntry(
    "ca a number",
    (csr, cert) => ({ ...full(csr, cert), ca: 5 }),
    "certificates[0].ca",
  ),
  providerData("certificates not JSON", { certificates: "[{ca: 1}]" }, "certificates"),
  providerData("certificates an object", { certificates: '{"ca": "x"}' }, "certificates"),
  providerData("certificates null", { certificates: "null" }, "certificates"),
  providerData("an entry that is not an object", { certificates: '["PEM"]' }, "certificates[0]"),
  providerData("certificates huge and not JSON", { certificates: HUGE }, "certificates"),
  providerData("certificates with a raw NUL", { certificates: "\u0000" }, "certificates"),
  providerData(
    "request_errors code a word",
    {
      request_errors: JSON.stringify([{ csr: "x", error: { code: "x", name: "n", message: "m" } }]),
    },
    "request_errors[0].error.code",
  ),
  providerData("request_errors not a list", { request_errors: '"oops"' }, "request_errors"),
  {
    name: "a certificate that is not a certificate, in unicode, with control characters",
    state: (base) =>
      withRelation(
        base,
        certificates({
          certificates: JSON.stringify([{
            ca: "ça \u0000",
            certificate_signing_request: ourCsr(base),
            certificate: "-----BEGIN CERTIFICATE-----\u0000é\u001b",
          }]),
        }),
      ),
    status: "waiting",
    message: /^Waiting for TLS certificates to be issued\.$/,
  },
], (result) => strictEqual(url(result, 1), `https://${HOST}/testing-web`));

// --- dns-record provider data (not read by the charm: it can never fail a hook) ---

const DNS_ID = 7;
const dnsProvider = (name: string, data: Record<string, string>): Variant => ({
  name,
  state: (base) =>
    withRelation(base, {
      id: DNS_ID,
      endpoint: "dns-record",
      remoteApp: "bind",
      remoteUnits: { "bind/0": {} },
      remoteAppData: data,
    }),
  status: "active",
  message: /^Gateway addresses: 10\.0\.0\.9 /,
});

table("dns-record provider data", {
  leader: true,
  config: HTTP,
  relations: [WEB, { id: DNS_ID, endpoint: "dns-record", remoteApp: "bind", remoteUnits: {} }],
}, [
  dnsProvider("dns_entries not JSON", { dns_entries: "[{uuid: 1}]" }),
  dnsProvider("dns_entries an object", { dns_entries: '{"uuid": 1}' }),
  dnsProvider("entries not objects", { dns_entries: "[1, null]" }),
  dnsProvider("uuid not a UUID", { dns_entries: '[{"uuid": "x", "status": "approved"}]' }),
  dnsProvider("huge", { dns_entries: HUGE }),
  dnsProvider("control characters and unicode", { dns_entries: "\u0000é\u001b" }),
], (result) => {
  strictEqual(url(result, 1), `http://${HOST}/testing-web`);
  const entries = JSON.parse(relation(result.state, DNS_ID).localAppData!.dns_entries);
  deepStrictEqual(entries.map((e: { domain: string }) => e.domain), [HOST]);
});
