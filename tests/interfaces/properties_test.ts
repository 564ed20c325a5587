/**
 * Every wire-format parser and the config parser fed generated databags (fast-check): arbitrary
 * and near-valid ones — wrong JSON types, missing keys, values that are not JSON, huge, unicode
 * and control-character strings, numbers out of range. A parser either returns, or throws only
 * its own typed data error; every message names the field it is about; the lenient readers never
 * throw at all.
 */
import { ok } from "node:assert/strict";
import { parseConfig } from "../../src/config.ts";
import { parseDnsProviderStatus } from "../../src/interfaces/dns_record.ts";
import {
  GatewayRouteDataError,
  parseGatewayRouteRequest,
} from "../../src/interfaces/gateway_route.ts";
import { IngressDataError, parseIngressRequest } from "../../src/interfaces/ingress.ts";
import {
  parseOwnRequests,
  parseProviderCertificates,
} from "../../src/interfaces/tls_certificates.ts";
import { validateBeforeCluster } from "../../src/validation.ts";
import { check, fc } from "../properties.ts";

const EXAMPLES = new URL("../../../shared/reference/data/interfaces/_examples/", import.meta.url);
const example = async (name: string) =>
  JSON.parse(await Deno.readTextFile(new URL(name, EXAMPLES))) as Record<string, unknown>;

// --- generated values ---

// deno-lint-ignore no-control-regex
const controls = fc.stringMatching(/^[\u0000-\u001f\u007f-\u009f]{1,5}$/);
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  controls,
  fc.constantFrom("", "null", "[]", "{}", '""', "1e400", "-0", "NaN", "true", "\u0000"),
  fc.integer({ min: 1000, max: 300_000 }).map((n) => "x".repeat(n)),
);
const jsonText = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.oneof(
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 65535, 65536, 2 ** 53, 1.5),
  ).map(String),
  hostile.map((value) => JSON.stringify(value)),
  hostile,
);
/** A databag: the interface's own keys (some of them) plus others, any values. */
const databag = (keys: readonly string[]) =>
  fc.dictionary(
    fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 12 })),
    jsonText,
    { maxKeys: keys.length + 2 },
  );
/** A valid databag with one of its values replaced or removed. */
const nearValid = (valid: Record<string, string>) =>
  fc.record({
    key: fc.constantFrom(...Object.keys(valid)),
    value: fc.option(jsonText, { nil: undefined }),
  }).map(({ key, value }) => {
    const copy: Record<string, string> = { ...valid };
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  });

/** The field a message names (`field "certificates[0].ca"` → `certificates`). */
const namedField = (message: string) => /field "([^".[]+)/.exec(message)?.[1] ?? null;

function expectTyped(error: unknown, type: new (...args: never[]) => Error): Error {
  ok(error instanceof type, `threw ${error instanceof Error ? error.name : typeof error}`);
  return error;
}

// --- ingress (v2, provider side) ---

const INGRESS = await example("ingress_v2.json") as {
  requirer_app_all_optional_fields: Record<string, string>;
  requirer_units: Record<string, Record<string, string>>;
};
const INGRESS_APP_KEYS = ["model", "name", "port", "scheme", "strip-prefix", "redirect-https"];
const INGRESS_OTHER_KEYS = ["healthcheck_params", "is_port_open", "host", "ip"];

Deno.test("property: the ingress parser returns, or throws IngressDataError naming a field", async () => {
  const app = fc.oneof(
    databag(INGRESS_APP_KEYS),
    nearValid(INGRESS.requirer_app_all_optional_fields),
  );
  const unit = fc.oneof(
    databag(["host", "ip"]),
    nearValid(Object.values(INGRESS.requirer_units)[0]),
  );
  await check(
    fc.property(app, fc.dictionary(fc.constantFrom("web/0", "web/1"), unit), (appData, units) => {
      try {
        const request = parseIngressRequest(appData, units);
        ok(request.name.length <= 63 && request.port >= 1 && request.port <= 65535);
      } catch (error) {
        const { message } = expectTyped(error, IngressDataError);
        const field = namedField(message);
        // A field of the interface (one that is missing is named too), or the databag itself.
        ok(
          field !== null
            ? [...INGRESS_APP_KEYS, ...INGRESS_OTHER_KEYS].includes(field)
            : /data is empty|ingress v1|application data|unit .* data/.test(message),
          `message names no field of the interface: ${message}`,
        );
      }
    }),
    2500,
  );
});

// --- gateway-route ---

const ROUTE = await example("gateway_route_v1.json") as { requirer_app: Record<string, string> };

Deno.test("property: the gateway-route parser returns, or throws GatewayRouteDataError naming a field", async () => {
  const app = fc.oneof(
    databag(["hostname", "additional_hostnames"]),
    nearValid(ROUTE.requirer_app),
  );
  await check(
    fc.property(app, (appData) => {
      try {
        const { hostnames } = parseGatewayRouteRequest(appData);
        ok(hostnames.every((hostname) => hostname.length <= 253));
      } catch (error) {
        const { message } = expectTyped(error, GatewayRouteDataError);
        const field = namedField(message);
        ok(["hostname", "additional_hostnames"].includes(field ?? ""), message);
      }
    }),
    1500,
  );
});

// --- tls-certificates (lenient: never throws) ---

const TLS = await example("tls_certificates_v1.json") as {
  provider_app_charmlibs_with_request_errors_HAND_BUILT: Record<string, string>;
  requirer_app_mode_APP: Record<string, string>;
};

Deno.test("property: the certificates readers never throw and name the field of what they skip", async () => {
  const provider = fc.oneof(
    databag(["certificates", "request_errors"]),
    nearValid(TLS.provider_app_charmlibs_with_request_errors_HAND_BUILT),
  );
  const own = fc.oneof(
    databag(["certificate_signing_requests"]),
    nearValid(TLS.requirer_app_mode_APP),
  );
  await check(
    fc.property(provider, own, (providerData, ownData) => {
      const provided = parseProviderCertificates(providerData);
      for (const message of provided.skipped) {
        ok(["certificates", "request_errors"].includes(namedField(message) ?? ""), message);
      }
      for (const entry of provided.certificates) {
        ok(typeof entry.certificate === "string" && typeof entry.ca === "string");
      }
      const requests = parseOwnRequests(ownData);
      for (const message of requests.skipped) {
        ok(namedField(message) === "certificate_signing_requests", message);
      }
    }),
    2000,
  );
});

// --- dns-record (lenient) ---

const DNS = await example("dns_record_v0.json") as {
  provider_app_approved: Record<string, string>;
};

Deno.test("property: the dns-record status reader never throws and names the field it skips", async () => {
  const provider = fc.oneof(databag(["dns_entries"]), nearValid(DNS.provider_app_approved));
  await check(
    fc.property(provider, (data) => {
      for (const message of parseDnsProviderStatus(data).skipped) {
        ok(namedField(message) === "dns_entries", message);
      }
    }),
    1000,
  );
});

// --- config ---

Deno.test("property: the config parser and the checks on it never throw; errors name the option", async () => {
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    hostile,
    fc.double(),
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  );
  const raw = fc.dictionary(
    fc.oneof(
      fc.constantFrom("external-hostname", "gateway-class", "enforce-https", "hsts-max-age"),
      fc.string({ maxLength: 10 }),
    ),
    value,
  );
  const integrations = fc.record({
    ingress: fc.boolean(),
    gatewayRoute: fc.boolean(),
    certificates: fc.boolean(),
  });
  await check(
    fc.property(raw, integrations, (config, related) => {
      const parsed = parseConfig(config);
      if ("message" in parsed) {
        for (const option of parsed.option.split(",")) ok(option in config, parsed.message);
        return;
      }
      const message = validateBeforeCluster(parsed, related, "gateway-api-integrator");
      ok(message === null || message.length > 0);
    }),
    1500,
  );
});
