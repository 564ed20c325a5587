/**
 * The tls-certificates v1 wire format, requirer side in application mode: our CSR databag against
 * the published JSON schema and the libraries' own example databags, and the provider databag
 * rules of the v4/charmlibs data models (which fields are required, lax booleans, whole-databag
 * failure).
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- test-only dependency, kept out of deno.json
import { Ajv2020 } from "npm:ajv@8.17.1/dist/2020.js";
import {
  parseOwnRequests,
  parseProviderCertificates,
  type ProvidedCertificate,
} from "../../src/interfaces/tls_certificates.ts";
import {
  renderCertificateRequests,
  sameCsr,
} from "../../src/interfaces/tls_certificate_requests.ts";

const DATA = new URL("../../../shared/reference/data/interfaces/", import.meta.url);
const readJson = async (path: string): Promise<unknown> =>
  JSON.parse(await Deno.readTextFile(new URL(path, DATA)));

type Databag = Record<string, string>;

function asDatabag(value: unknown): Databag {
  ok(typeof value === "object" && value !== null && !Array.isArray(value), "not an object");
  for (const item of Object.values(value)) strictEqual(typeof item, "string");
  return value as Databag;
}

const EXAMPLES = await readJson("_examples/tls_certificates_v1.json") as Record<string, unknown>;
const example = (key: string): Databag => asDatabag(EXAMPLES[key]);

interface WireCsr {
  certificate_signing_request: string;
  ca: boolean;
}
interface WireCertificate {
  ca: string;
  certificate_signing_request: string;
  certificate: string;
  chain?: string[];
  revoked?: boolean;
}

const OUR_REQUESTS = example("requirer_app_mode_APP");
const OUR_CSRS = (JSON.parse(OUR_REQUESTS.certificate_signing_requests) as WireCsr[])
  .map((entry) => entry.certificate_signing_request);

// The published JSON schemas describe JSON-in-a-string values with contentMediaType and
// contentSchema, which JSON Schema only annotates: decoded values are validated separately.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(await readJson("tls_certificates/v1/json_schemas/requirer.json") as object, "req");
ajv.addSchema(await readJson("tls_certificates/v1/json_schemas/provider.json") as object, "prov");

function schemaErrors(ref: string, value: unknown): string[] {
  const validate = ajv.getSchema(ref);
  ok(validate, `no schema at ${ref}`);
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Errors of a databag against a schema `$defs` model, JSON-in-string fields decoded. */
function databagErrors(schema: "req" | "prov", model: string, databag: Databag): string[] {
  const errors = schemaErrors(`${schema}#/$defs/${model}`, databag);
  for (const [key, raw] of Object.entries(databag)) {
    const content = `${schema}#/$defs/${model}/properties/${key}/contentSchema`;
    if (ajv.getSchema(content)) errors.push(...schemaErrors(content, JSON.parse(raw)));
  }
  return errors;
}

const PEM_CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----";

// --- rendering our requests ---

Deno.test("rendered requests carry each stripped CSR with ca false", () => {
  const rendered = renderCertificateRequests([`${PEM_CSR}\n`, `  \n${OUR_CSRS[0]}\n\n`]);
  deepStrictEqual(Object.keys(rendered), ["certificate_signing_requests"]);
  deepStrictEqual(JSON.parse(rendered.certificate_signing_requests), [
    { certificate_signing_request: PEM_CSR, ca: false },
    { certificate_signing_request: OUR_CSRS[0], ca: false },
  ]);
});

Deno.test("rendered requests decode to the library's own databag for the same CSRs", () => {
  const rendered = renderCertificateRequests(OUR_CSRS);
  deepStrictEqual(
    JSON.parse(rendered.certificate_signing_requests),
    JSON.parse(OUR_REQUESTS.certificate_signing_requests),
  );
});

Deno.test("no requests delete the key", () => {
  deepStrictEqual(renderCertificateRequests([]), { certificate_signing_requests: "" });
});

Deno.test("rendered requests validate against the published requirer schema", () => {
  const rendered = renderCertificateRequests(OUR_CSRS);
  deepStrictEqual(databagErrors("req", "RequirerData", rendered), []);
  deepStrictEqual(schemaErrors("req", { unit: rendered, app: rendered }), []);
});

Deno.test("the requirer schema check catches an entry without ca", () => {
  const withoutCa = {
    certificate_signing_requests: JSON.stringify([{ certificate_signing_request: PEM_CSR }]),
  };
  deepStrictEqual(databagErrors("req", "RequirerData", withoutCa), [
    "/0 must have required property 'ca'",
  ]);
});

// --- reading our requests back ---

Deno.test("our requests read back: the example, a round trip, and nothing written", () => {
  deepStrictEqual(parseOwnRequests(OUR_REQUESTS), { value: OUR_CSRS, skipped: [] });
  strictEqual(OUR_CSRS.length, 2);
  deepStrictEqual(parseOwnRequests(renderCertificateRequests([`${PEM_CSR}\n`])).value, [PEM_CSR]);
  deepStrictEqual(parseOwnRequests({}), { value: [], skipped: [] });
  deepStrictEqual(parseOwnRequests(renderCertificateRequests([])), { value: [], skipped: [] });
  deepStrictEqual(parseOwnRequests({ certificate_signing_requests: "[]", other: "not json" }), {
    value: [],
    skipped: [],
  });
});

const OWN_CASES: [string, Databag, string[] | RegExp][] = [
  [
    "ca null is accepted (Optional[bool])",
    { certificate_signing_requests: `[{"certificate_signing_request": "A", "ca": null}]` },
    ["A"],
  ],
  [
    "ca as a lax boolean string",
    { certificate_signing_requests: `[{"certificate_signing_request": "A", "ca": "no"}]` },
    ["A"],
  ],
  [
    "unknown entry keys are ignored",
    { certificate_signing_requests: `[{"certificate_signing_request": "A", "ca": true, "x": 1}]` },
    ["A"],
  ],
  [
    "not JSON",
    { certificate_signing_requests: "-----BEGIN CERTIFICATE REQUEST-----" },
    /^requirer application field "certificate_signing_requests" is not JSON: /,
  ],
  [
    "ca missing",
    { certificate_signing_requests: `[{"certificate_signing_request": "A"}]` },
    /field "certificate_signing_requests\[0\]\.ca" is missing$/,
  ],
  [
    "CSR missing",
    { certificate_signing_requests: `[{"ca": false}]` },
    /field "certificate_signing_requests\[0\]\.certificate_signing_request" is missing$/,
  ],
  [
    "CSR not a string",
    { certificate_signing_requests: `[{"certificate_signing_request": 1, "ca": false}]` },
    /field "certificate_signing_requests\[0\]\.certificate_signing_request" must be a string$/,
  ],
  [
    "ca not a boolean",
    { certificate_signing_requests: `[{"certificate_signing_request": "A", "ca": 2}]` },
    /field "certificate_signing_requests\[0\]\.ca" must be a boolean/,
  ],
  [
    "not a list",
    { certificate_signing_requests: `{"certificate_signing_request": "A", "ca": false}` },
    /field "certificate_signing_requests" must be a list$/,
  ],
  [
    "null",
    { certificate_signing_requests: "null" },
    /field "certificate_signing_requests" must be a list$/,
  ],
];
for (const [name, data, expected] of OWN_CASES) {
  Deno.test(`our requests: ${name}`, () => {
    const parsed = parseOwnRequests(data);
    if (Array.isArray(expected)) {
      deepStrictEqual(parsed, { value: expected, skipped: [] });
    } else {
      // Never a failure: the entry is skipped with a message naming the field.
      deepStrictEqual(parsed.value, []);
      strictEqual(parsed.skipped.length, 1, JSON.stringify(parsed.skipped));
      ok(expected.test(parsed.skipped[0]), parsed.skipped[0]);
    }
  });
}

// --- the provider databag ---

function expectedCertificates(databag: Databag): ProvidedCertificate[] {
  return (JSON.parse(databag.certificates) as WireCertificate[]).map((entry) => ({
    certificate: entry.certificate,
    csr: entry.certificate_signing_request,
    ca: entry.ca,
    chain: entry.chain ?? [],
    revoked: entry.revoked ?? false,
  }));
}

Deno.test("example: v4 provider databag", () => {
  const databag = example("provider_app_v4");
  const parsed = parseProviderCertificates(databag);
  deepStrictEqual(parsed, {
    certificates: expectedCertificates(databag),
    errors: [],
    skipped: [],
  });
  strictEqual(parsed.certificates.length, 1);
  strictEqual(parsed.certificates[0].revoked, false);
  strictEqual(parsed.certificates[0].chain.length, 2);
  ok(sameCsr(parsed.certificates[0].csr, OUR_CSRS[0]));
});

Deno.test("example: v4 provider databag with the certificate revoked", () => {
  const databag = example("provider_app_v4_revoked");
  const parsed = parseProviderCertificates(databag);
  deepStrictEqual(parsed, {
    certificates: expectedCertificates(databag),
    errors: [],
    skipped: [],
  });
  strictEqual(parsed.certificates[0].revoked, true);
});

Deno.test("example: v3-style provider databag (recommended_expiry_notification_time: null)", () => {
  const databag = example("provider_app_v3_style");
  ok(databag.certificates.includes('"recommended_expiry_notification_time": null'));
  const parsed = parseProviderCertificates(databag);
  deepStrictEqual(parsed, {
    certificates: expectedCertificates(databag),
    errors: [],
    skipped: [],
  });
  strictEqual(parsed.certificates[0].revoked, false);
});

Deno.test("example: charmlibs provider databag with request_errors", () => {
  const databag = example("provider_app_charmlibs_with_request_errors_HAND_BUILT");
  const parsed = parseProviderCertificates(databag);
  deepStrictEqual(parsed.certificates, expectedCertificates(databag));
  strictEqual(parsed.errors.length, 1);
  const [error] = parsed.errors;
  deepStrictEqual({ ...error, csr: "" }, {
    csr: "",
    code: 101,
    name: "IP_NOT_ALLOWED",
    message: "IP addresses are not allowed",
  });
  ok(sameCsr(error.csr, OUR_CSRS[1]));
  ok(!sameCsr(error.csr, OUR_CSRS[0]));
});

Deno.test("example: v4 provider databag with no certificates", () => {
  deepStrictEqual(parseProviderCertificates(example("provider_app_when_no_certificates_v4")), {
    certificates: [],
    errors: [],
    skipped: [],
  });
});

Deno.test("every example databag of the file is covered above", () => {
  const covered = [
    "_note",
    "requirer_app_mode_APP",
    "requirer_unit_mode_UNIT_same_format",
    "provider_app_v4",
    "provider_app_v4_revoked",
    "provider_app_v3_style",
    "provider_app_charmlibs_with_request_errors_HAND_BUILT",
    "provider_app_when_no_certificates_v4",
    "requirer_private_key_secret_content",
    "requirer_certificate_secret_content",
  ];
  deepStrictEqual(Object.keys(EXAMPLES).sort(), covered.sort());
});

Deno.test("the CRI provider schema wrongly requires fields the libraries leave out", () => {
  // interfaces.md §3: chain, recommended_expiry_notification_time and revoked are "required" in
  // the generated schema (a pydantic v2 artefact); the v4 library's own databag lacks them.
  const errors = databagErrors("prov", "ProviderApplicationData", example("provider_app_v4"));
  deepStrictEqual(errors, [
    "/0 must have required property 'recommended_expiry_notification_time'",
    "/0 must have required property 'revoked'",
  ]);
  strictEqual(parseProviderCertificates(example("provider_app_v4")).certificates.length, 1);
});

const ENTRY = { ca: "CA", certificate_signing_request: "CSR", certificate: "CERT" };
const certificates = (...entries: unknown[]) => ({ certificates: JSON.stringify(entries) });
const requestErrors = (...entries: unknown[]) => ({ request_errors: JSON.stringify(entries) });
const ERROR = { code: 102, name: "DOMAIN_NOT_ALLOWED", message: "no" };

const PROVIDER_CASES: [string, Databag, Partial<ProvidedCertificate> | RegExp][] = [
  ["minimal entry: chain [] and not revoked", certificates(ENTRY), { chain: [], revoked: false }],
  ["chain null", certificates({ ...ENTRY, chain: null }), { chain: [] }],
  ["chain kept in order", certificates({ ...ENTRY, chain: ["B", "A"] }), { chain: ["B", "A"] }],
  ["revoked true", certificates({ ...ENTRY, revoked: true }), { revoked: true }],
  ["revoked false", certificates({ ...ENTRY, revoked: false }), { revoked: false }],
  ["revoked null", certificates({ ...ENTRY, revoked: null }), { revoked: false }],
  ["revoked as lax string", certificates({ ...ENTRY, revoked: "Yes" }), { revoked: true }],
  ["revoked as 1", certificates({ ...ENTRY, revoked: 1 }), { revoked: true }],
  ["unknown keys ignored", { ...certificates({ ...ENTRY, x: 1 }), capabilities: "{}" }, {
    certificate: "CERT",
    csr: "CSR",
    ca: "CA",
  }],
  [
    "certificates not JSON",
    { certificates: "[{ca: 1}]" },
    /^provider application field "certificates" is not JSON: "\[\{ca: 1\}\]"$/,
  ],
  [
    "ca missing",
    certificates({ ...ENTRY, ca: undefined }),
    /field "certificates\[0\]\.ca" is missing$/,
  ],
  [
    "CSR missing",
    certificates(ENTRY, { ...ENTRY, certificate_signing_request: undefined }),
    /field "certificates\[1\]\.certificate_signing_request" is missing$/,
  ],
  [
    "certificate missing",
    certificates({ ...ENTRY, certificate: undefined }),
    /field "certificates\[0\]\.certificate" is missing$/,
  ],
  [
    "ca not a string",
    certificates({ ...ENTRY, ca: 5 }),
    /field "certificates\[0\]\.ca" must be a string$/,
  ],
  [
    "chain not a list",
    certificates({ ...ENTRY, chain: "A" }),
    /field "certificates\[0\]\.chain" must be a list of strings$/,
  ],
  [
    "chain item not a string",
    certificates({ ...ENTRY, chain: ["A", 2] }),
    /field "certificates\[0\]\.chain\[1\]" must be a string$/,
  ],
  [
    "revoked 2",
    certificates({ ...ENTRY, revoked: 2 }),
    /field "certificates\[0\]\.revoked" must be a boolean/,
  ],
  [
    "revoked empty string",
    certificates({ ...ENTRY, revoked: "" }),
    /"certificates\[0\]\.revoked" must be a boolean/,
  ],
  ["certificates null", { certificates: "null" }, /field "certificates" must be a list$/],
  [
    "certificates an object",
    { certificates: JSON.stringify(ENTRY) },
    /field "certificates" must be a list$/,
  ],
  ["entry not an object", certificates("CERT"), /field "certificates\[0\]" must be an object$/],
  ["request_errors not JSON", { request_errors: "oops" }, /field "request_errors" is not JSON/],
  [
    "request_errors entry keyed certificate_signing_request (CL schema.py) instead of csr",
    requestErrors({ certificate_signing_request: "CSR", error: ERROR }),
    /field "request_errors\[0\]\.csr" is missing$/,
  ],
  [
    "request_errors error missing",
    requestErrors({ csr: "CSR" }),
    /"request_errors\[0\]\.error" is missing$/,
  ],
  [
    "request_errors code not an integer",
    requestErrors({ csr: "CSR", error: { ...ERROR, code: 1.5 } }),
    /"request_errors\[0\]\.error\.code" must be an integer/,
  ],
  [
    "request_errors name missing",
    requestErrors({ csr: "CSR", error: { ...ERROR, name: undefined } }),
    /"request_errors\[0\]\.error\.name" is missing$/,
  ],
  [
    "request_errors reason not a string",
    requestErrors({ csr: "CSR", error: { ...ERROR, reason: 3 } }),
    /"request_errors\[0\]\.error\.reason" must be a string or null$/,
  ],
];
for (const [name, data, expected] of PROVIDER_CASES) {
  Deno.test(`provider certificates: ${name}`, () => {
    if (expected instanceof RegExp) {
      // Never a failure: the unusable part is skipped with a message naming the field, and the
      // valid entries beside it are kept.
      const parsed = parseProviderCertificates(data);
      strictEqual(parsed.skipped.length, 1, JSON.stringify(parsed.skipped));
      ok(expected.test(parsed.skipped[0]), parsed.skipped[0]);
      const listed = (key: string) => {
        try {
          const value: unknown = JSON.parse(data[key] ?? "[]");
          return Array.isArray(value) ? value.length : 0;
        } catch {
          return 0;
        }
      };
      // A whole field skipped keeps nothing; a skipped entry keeps the others of its list.
      const wholeField = /field "\w+" /.test(parsed.skipped[0]);
      const total = listed("certificates") + listed("request_errors");
      strictEqual(parsed.certificates.length + parsed.errors.length, wholeField ? 0 : total - 1);
      return;
    }
    const { certificates, errors, skipped } = parseProviderCertificates(data);
    deepStrictEqual(skipped, []);
    strictEqual(certificates.length, JSON.parse(data.certificates).length);
    deepStrictEqual({ ...certificates.at(-1), ...expected }, certificates.at(-1));
    deepStrictEqual(errors, []);
  });
}

Deno.test("an invalid entry is skipped and the valid ones beside it are used", () => {
  const data = {
    ...certificates({ ...ENTRY, ca: undefined }, { ...ENTRY, certificate: "OTHER" }),
    ...requestErrors({ csr: "CSR" }, { csr: "CSR2", error: ERROR }),
  };
  const parsed = parseProviderCertificates(data);
  deepStrictEqual(parsed.certificates.map((entry) => entry.certificate), ["OTHER"]);
  deepStrictEqual(parsed.errors.map((entry) => entry.csr), ["CSR2"]);
  deepStrictEqual(parsed.skipped, [
    'provider application field "certificates[0].ca" is missing',
    'provider application field "request_errors[0].error" is missing',
  ]);
});

Deno.test("a certificates value that is not JSON does not hide valid request errors", () => {
  const parsed = parseProviderCertificates({
    certificates: "not json",
    ...requestErrors({ csr: "CSR", error: ERROR }),
  });
  deepStrictEqual(parsed.certificates, []);
  strictEqual(parsed.errors.length, 1);
  deepStrictEqual(parsed.skipped, [
    'provider application field "certificates" is not JSON: "not json"',
  ]);
});

Deno.test("request_errors: lax code, optional details, and certificates alongside", () => {
  const data = {
    ...certificates(ENTRY),
    ...requestErrors(
      { csr: "A", error: { ...ERROR, code: "102", reason: null, provider: "ca", extra: 1 } },
      { csr: "B", error: { ...ERROR, code: 999.0, endpoint: "certificates" } },
    ),
  };
  const parsed = parseProviderCertificates(data);
  strictEqual(parsed.certificates.length, 1);
  deepStrictEqual(parsed.errors, [
    { csr: "A", code: 102, name: "DOMAIN_NOT_ALLOWED", message: "no" },
    { csr: "B", code: 999, name: "DOMAIN_NOT_ALLOWED", message: "no" },
  ]);
});

Deno.test("an absent or deleted key reads as none", () => {
  deepStrictEqual(parseProviderCertificates({ certificates: "", request_errors: "" }), {
    certificates: [],
    errors: [],
    skipped: [],
  });
});

// --- CSR comparison ---

const SAME: [string, string, boolean][] = [
  [PEM_CSR, PEM_CSR, true],
  [PEM_CSR, `${PEM_CSR}\n`, true],
  [`\n  ${PEM_CSR}\r\n`, PEM_CSR, true],
  [PEM_CSR, PEM_CSR.replace("MIIB", "MIIC"), false],
  [PEM_CSR, PEM_CSR.replace("\nMIIB\n", "\nMI IB\n"), false],
  [OUR_CSRS[0], OUR_CSRS[1], false],
  ["", PEM_CSR, false],
];
for (const [i, [a, b, same]] of SAME.entries()) {
  Deno.test(`sameCsr case ${i}: ${same ? "same" : "different"}`, () => {
    strictEqual(sameCsr(a, b), same);
    strictEqual(sameCsr(b, a), same);
  });
}
