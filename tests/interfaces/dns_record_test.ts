/**
 * The dns_record v0 wire format, requirer side: UUIDv5 record ids against values computed with
 * Python's `uuid.uuid5`, the exact `json.dumps` text the Python charm writes, the published JSON
 * schema, and the provider's status answers.
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- test-only dependency, kept out of deno.json
import { Ajv2020 } from "npm:ajv@8.17.1/dist/2020.js";
import {
  DNS_UUID_NAMESPACE,
  dnsEntryUuid,
  DnsRecordDataError,
  parseDnsProviderStatus,
  renderDnsEntries,
  uuidV5,
} from "../../src/interfaces/dns_record.ts";
import { ipVersion } from "../../src/net.ts";

const DATA = new URL("../../../shared/reference/data/interfaces/", import.meta.url);
const readJson = async (path: string): Promise<unknown> =>
  JSON.parse(await Deno.readTextFile(new URL(path, DATA)));

const EXAMPLES = await readJson("_examples/dns_record_v0.json") as Record<string, unknown>;

function example(key: string): Record<string, string> {
  const value = EXAMPLES[key];
  ok(typeof value === "object" && value !== null && !Array.isArray(value), `${key}: not an object`);
  for (const item of Object.values(value)) strictEqual(typeof item, "string");
  return value as Record<string, string>;
}

// The schemas describe `dns_entries` in its decoded form (a list), so values are decoded first.
// They are not valid JSON Schema 2020-12 themselves (`examples` is a string for the uuid fields),
// so the meta-schema check is off.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
ajv.addFormat("uuid", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
ajv.addFormat("ipvanyaddress", (value: string) => ipVersion(value) !== 0);
const validateRequirer = ajv.compile(
  await readJson("dns_record/v0/json_schemas/requirer.json") as object,
);

Deno.test("the published dns_record schemas are not valid JSON Schema themselves", async () => {
  const strict = new Ajv2020({ strict: false });
  for (const side of ["requirer", "provider"]) {
    const schema = await readJson(`dns_record/v0/json_schemas/${side}.json`) as object;
    strictEqual(strict.validateSchema(schema), false);
    ok(strict.errorsText().includes("examples must be array"), strict.errorsText());
  }
});

function requirerSchemaErrors(databag: Record<string, string>): string[] {
  const decoded = { app: { dns_entries: JSON.parse(databag.dns_entries) } };
  return validateRequirer(decoded)
    ? []
    : (validateRequirer.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

// --- UUIDv5 ---

// Expected values computed with CPython 3.11 `uuid.uuid5`, hard-coded.
const UUIDS: [string, string, string][] = [
  ["6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d"],
  [DNS_UUID_NAMESPACE, "example.com 1.2.3.4", "f6cb0ca1-3d64-5afc-9690-af437ff74415"],
  [DNS_UUID_NAMESPACE, "gw.example.com 10.43.45.1", "f5fa1a73-9cea-556e-8249-9e01f079bccc"],
  [DNS_UUID_NAMESPACE, "www.example.com 10.43.45.1", "2af48d16-0d0d-5dad-a54b-5859b2268815"],
  [DNS_UUID_NAMESPACE, "example.com 2001:db8::1", "eec678ea-40d4-5678-8d34-3c678f8c3c59"],
  [DNS_UUID_NAMESPACE, "bücher.example 10.0.0.1", "4bc5bff9-1e53-5102-b351-883e9bf3a99f"],
  [DNS_UUID_NAMESPACE, "", "a86aaaf2-a670-5e0b-adff-0bef4fd5a9ce"],
  // The namespace in another spelling Python's UUID() accepts gives the same result.
  [
    "{F8F206DA-A7F8-4206-B044-30BE3724A09D}",
    "example.com 1.2.3.4",
    "f6cb0ca1-3d64-5afc-9690-af437ff74415",
  ],
];
for (const [namespace, name, expected] of UUIDS) {
  Deno.test(`uuidV5(${namespace.slice(0, 8)}…, ${JSON.stringify(name)})`, async () => {
    strictEqual(await uuidV5(namespace, name), expected);
  });
}

Deno.test("dnsEntryUuid joins hostname and address with one space", async () => {
  strictEqual(await dnsEntryUuid("example.com", "1.2.3.4"), "f6cb0ca1-3d64-5afc-9690-af437ff74415");
  strictEqual(
    await dnsEntryUuid("a.example.com", "192.168.0.1"),
    "d341dafa-c333-5121-8e9a-16a8f83ecc7a",
  );
});

Deno.test("uuidV5 refuses a namespace that is not a UUID", () => {
  for (
    const namespace of [
      "",
      "f8f206da",
      "f8f206daa7f8-4206-b044-30be3724a09d",
      "g8f206da-a7f8-4206-b044-30be3724a09d",
    ]
  ) {
    throws(() => uuidV5(namespace, "x"), DnsRecordDataError, `accepted ${namespace}`);
  }
});

// --- rendering our entries ---

Deno.test("the exact serialisation of anchor-charm §7.3", async () => {
  deepStrictEqual(await renderDnsEntries([{ hostname: "example.com", address: "1.2.3.4" }]), {
    dns_entries:
      '[{"domain": "example.com", "host_label": "@", "ttl": 600, "record_class": "IN", "record_type": "A", "record_data": "1.2.3.4", "uuid": "f6cb0ca1-3d64-5afc-9690-af437ff74415"}]',
  });
});

Deno.test("example: the requirer databag, byte for byte", async () => {
  deepStrictEqual(
    await renderDnsEntries([{ hostname: "gw.example.com", address: "10.43.45.1" }]),
    example("requirer_app"),
  );
});

// Expected texts from CPython's json.dumps of the same records, hard-coded.
const RENDERED: [string, { hostname: string; address: string }[], string][] = [
  [
    "hostnames sorted, repeats dropped",
    [
      { hostname: "b.example.com", address: "10.0.0.1" },
      { hostname: "a.example.com", address: "10.0.0.1" },
      { hostname: "b.example.com", address: "10.0.0.1" },
    ],
    '[{"domain": "a.example.com", "host_label": "@", "ttl": 600, "record_class": "IN", "record_type": "A", "record_data": "10.0.0.1", "uuid": "4af73625-2625-550c-83d9-c62050244ad0"}, {"domain": "b.example.com", "host_label": "@", "ttl": 600, "record_class": "IN", "record_type": "A", "record_data": "10.0.0.1", "uuid": "4e9c9683-ed08-54c3-88fd-2bfbda499b78"}]',
  ],
  [
    "IPv6: AAAA, address compressed and lower-cased",
    [{ hostname: "example.com", address: "2001:DB8:0:0::1" }],
    '[{"domain": "example.com", "host_label": "@", "ttl": 600, "record_class": "IN", "record_type": "AAAA", "record_data": "2001:db8::1", "uuid": "eec678ea-40d4-5678-8d34-3c678f8c3c59"}]',
  ],
  [
    "non-ASCII escaped as ensure_ascii does",
    [{ hostname: "bücher.example", address: "10.0.0.1" }],
    '[{"domain": "b\\u00fccher.example", "host_label": "@", "ttl": 600, "record_class": "IN", "record_type": "A", "record_data": "10.0.0.1", "uuid": "4bc5bff9-1e53-5102-b351-883e9bf3a99f"}]',
  ],
];
for (const [name, entries, expected] of RENDERED) {
  Deno.test(`rendered entries: ${name}`, async () => {
    deepStrictEqual(await renderDnsEntries(entries), { dns_entries: expected });
  });
}

Deno.test("no entries delete the key", async () => {
  deepStrictEqual(await renderDnsEntries([]), { dns_entries: "" });
});

Deno.test("rendered entries validate against the published requirer schema", async () => {
  const rendered = await renderDnsEntries([
    { hostname: "a.example.com", address: "10.0.0.1" },
    { hostname: "b.example.com", address: "2001:db8::1" },
  ]);
  deepStrictEqual(requirerSchemaErrors(rendered), []);
  deepStrictEqual(requirerSchemaErrors(example("requirer_app")), []);
});

Deno.test("the requirer schema check catches a bad record", () => {
  const entry = {
    domain: "a.example.com",
    host_label: "@",
    record_data: "a.example.com",
    uuid: "x",
  };
  deepStrictEqual(requirerSchemaErrors({ dns_entries: JSON.stringify([entry]) }).sort(), [
    '/app/dns_entries/0/record_data must match format "ipvanyaddress"',
    '/app/dns_entries/0/uuid must match format "uuid"',
  ]);
});

const BAD_ENTRIES: [string, { hostname: string; address: string }, RegExp][] = [
  [
    "a hostname as address",
    { hostname: "a.example.com", address: "gw.example.com" },
    /"gw\.example\.com" is not an IP address/,
  ],
  [
    "an empty address",
    { hostname: "a.example.com", address: "" },
    /"a\.example\.com": address "" is not/,
  ],
  [
    "an IPv4 with a leading zero",
    { hostname: "a.example.com", address: "10.0.0.01" },
    /"10\.0\.0\.01" is not/,
  ],
  ["an empty hostname", { hostname: "", address: "10.0.0.1" }, /hostname is empty/],
];
for (const [name, entry, message] of BAD_ENTRIES) {
  Deno.test(`rendered entries refuse ${name}`, () => {
    throws(
      () => renderDnsEntries([{ hostname: "ok.example.com", address: "10.0.0.1" }, entry]),
      (error: unknown) => error instanceof DnsRecordDataError && message.test(error.message),
    );
  });
}

// --- the provider's answer ---

const UUID = "f5fa1a73-9cea-556e-8249-9e01f079bccc";

Deno.test("example: provider approved", () => {
  deepStrictEqual(parseDnsProviderStatus(example("provider_app_approved")).value, [
    { uuid: UUID, status: "approved" },
  ]);
});

Deno.test("example: provider denied, with a description", () => {
  deepStrictEqual(parseDnsProviderStatus(example("provider_app_denied")).value, [
    { uuid: UUID, status: "permission_denied", description: "domain not allowed" },
  ]);
});

Deno.test("every example databag of the file is covered", () => {
  deepStrictEqual(Object.keys(EXAMPLES).sort(), [
    "_note",
    "provider_app_approved",
    "provider_app_denied",
    "requirer_app",
  ]);
});

const entries = (...values: unknown[]) => ({ dns_entries: JSON.stringify(values) });

const STATUSES: [string, Record<string, string>, unknown[]][] = [
  ["no answer yet", {}, []],
  ["deleted key", { dns_entries: "" }, []],
  ["empty list", { dns_entries: "[]" }, []],
  [
    "every known status",
    entries(
      ...["approved", "permission_denied", "conflict", "invalid_data", "failure", "pending"].map((
        status,
      ) => ({ uuid: UUID, status })),
    ),
    ["approved", "permission_denied", "conflict", "invalid_data", "failure", "pending"].map((
      status,
    ) => ({ uuid: UUID, status })),
  ],
  ["an unknown status", entries({ uuid: UUID, status: "exploded" }), [{
    uuid: UUID,
    status: "unknown",
  }]],
  ["status in upper case", entries({ uuid: UUID, status: "APPROVED" }), [{
    uuid: UUID,
    status: "unknown",
  }]],
  ["status not a string", entries({ uuid: UUID, status: 3 }), [{ uuid: UUID, status: "unknown" }]],
  ["status null", entries({ uuid: UUID, status: null }), [{ uuid: UUID, status: "unknown" }]],
  ["description null", entries({ uuid: UUID, status: "pending", description: null }), [
    { uuid: UUID, status: "pending" },
  ]],
  ["uuid in upper case", entries({ uuid: UUID.toUpperCase(), status: "approved" }), [
    { uuid: UUID, status: "approved" },
  ]],
  ["uuid without hyphens", entries({ uuid: UUID.replaceAll("-", ""), status: "approved" }), [
    { uuid: UUID, status: "approved" },
  ]],
  ["uuid as a URN", entries({ uuid: `urn:uuid:${UUID}`, status: "approved" }), [
    { uuid: UUID, status: "approved" },
  ]],
  ["unknown keys ignored", { ...entries({ uuid: UUID, status: "approved", x: 1 }), other: "?" }, [
    { uuid: UUID, status: "approved" },
  ]],
];
for (const [name, data, expected] of STATUSES) {
  Deno.test(`provider status: ${name}`, () => {
    deepStrictEqual(parseDnsProviderStatus(data), { value: expected, skipped: [] });
  });
}

const BAD_STATUSES: [string, Record<string, string>, string][] = [
  ["not JSON", { dns_entries: "[{uuid: 1}]" }, 'field "dns_entries" is not JSON: "[{uuid: 1}]"'],
  ["null", { dns_entries: "null" }, 'field "dns_entries" must be a list'],
  [
    "an object",
    { dns_entries: JSON.stringify({ uuid: UUID, status: "approved" }) },
    'field "dns_entries" must be a list',
  ],
  ["an entry not an object", entries("approved"), 'field "dns_entries[0]" must be an object'],
  [
    "uuid missing",
    entries({ uuid: UUID, status: "approved" }, { status: "approved" }),
    'field "dns_entries[1].uuid" is missing',
  ],
  ["status missing", entries({ uuid: UUID }), 'field "dns_entries[0].status" is missing'],
  [
    "uuid not a UUID",
    entries({ uuid: "f5fa1a73", status: "approved" }),
    'field "dns_entries[0].uuid" is not a UUID: "f5fa1a73"',
  ],
  [
    "uuid with misplaced hyphens",
    entries({ uuid: "f5-fa1a73-9cea-556e-8249-9e01f079bccc", status: "approved" }),
    'field "dns_entries[0].uuid" is not a UUID: "f5-fa1a73-9cea-556e-8249-9e01f079bccc"',
  ],
  [
    "uuid a number",
    entries({ uuid: 7, status: "approved" }),
    'field "dns_entries[0].uuid" must be a string',
  ],
  [
    "description a number",
    entries({ uuid: UUID, status: "failure", description: 5 }),
    'field "dns_entries[0].description" must be a string or null',
  ],
];
for (const [name, data, message] of BAD_STATUSES) {
  Deno.test(`provider status invalid: ${name}`, () => {
    // Never a failure: the unusable part is skipped with a message naming the field.
    const parsed = parseDnsProviderStatus(data);
    deepStrictEqual(parsed.skipped, [`provider application ${message}`]);
    const listed: unknown = (() => {
      try {
        return JSON.parse(data.dns_entries);
      } catch {
        return null;
      }
    })();
    const valid = Array.isArray(listed) ? listed.length - 1 : 0;
    strictEqual(parsed.value.length, valid);
  });
}
