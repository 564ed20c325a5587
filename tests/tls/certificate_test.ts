/** Tests for certificate parsing, chain ordering, PEM helpers, key matching and renewal time. */
import assert from "node:assert/strict";
import {
  keyMatches,
  parseCertificate,
  samePem,
  splitPemBlocks,
  TlsError,
  verifyIssuedBy,
} from "../../src/tls/certificate.ts";
import { leafFirstChain, renewalTime } from "../../src/tls/chain.ts";
import { createCsr, parseCsr } from "../../src/tls/csr.ts";
import { generatePrivateKey, publicKeyOf } from "../../src/tls/keys.ts";
import { derToPem, pemToDer } from "../../src/tls/pem.ts";
import { createTestCa } from "../harness/tls_ca.ts";
import { EXAMPLE_CA, EXAMPLE_CSR_DNS, EXAMPLE_LEAF } from "./examples.ts";

const KEY = await generatePrivateKey();
const CA = await createTestCa({ commonName: "unit-test-ca" });
const CSR = await createCsr(KEY, {
  commonName: "gw.example.com",
  dnsNames: ["gw.example.com"],
  ipAddresses: ["10.0.0.7"],
});
const NOT_BEFORE = new Date("2026-03-01T12:00:00Z");
const LEAF = await CA.sign(CSR, { notBefore: NOT_BEFORE, validityDays: 30 });

/** The same PEM re-wrapped: 76-column lines, CRLF and a trailing newline. */
function rewrap(pem: string): string {
  const { der, label } = pemToDer(pem, ["CERTIFICATE"]);
  const body = btoa(String.fromCharCode(...der)).match(/.{1,76}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...body, `-----END ${label}-----`, ""].join("\r\n");
}

Deno.test("parseCertificate: a leaf from the test CA", async () => {
  const leaf = await parseCertificate(LEAF);
  assert.equal(leaf.commonName, "gw.example.com");
  assert.deepEqual(leaf.dnsNames, ["gw.example.com"]);
  assert.deepEqual(leaf.ipAddresses, ["10.0.0.7"]);
  assert.equal(leaf.isCa, false);
  assert.equal(leaf.notBefore.toISOString(), "2026-03-01T12:00:00.000Z");
  assert.equal(leaf.notAfter.toISOString(), "2026-03-31T12:00:00.000Z");
  assert.match(leaf.serialNumber, /^[0-9a-f]{32}$/);
  assert.equal(leaf.issuerCommonName, "unit-test-ca");
  assert.equal(leaf.signatureAlgorithm, "1.2.840.113549.1.1.11");
  assert.deepEqual(leaf.publicKey, await publicKeyOf(KEY));
  // The test CA copies the CSR's subject, unique id included, like the real provider.
  assert.deepEqual(leaf.subject, (await parseCsr(CSR)).subject);
  assert.equal(await verifyIssuedBy(LEAF, CA.caPem), true);
  assert.equal(await verifyIssuedBy(LEAF, LEAF), false);
});

Deno.test("parseCertificate: the test CA's own certificate is a CA", async () => {
  const ca = await parseCertificate(CA.caPem);
  assert.equal(ca.isCa, true);
  assert.equal(ca.commonName, "unit-test-ca");
  assert.equal(await verifyIssuedBy(CA.caPem, CA.caPem), true);
});

Deno.test("parseCertificate: the provider's leaf and CA from the example databag", async () => {
  const leaf = await parseCertificate(EXAMPLE_LEAF);
  assert.equal(leaf.commonName, "gw.example.com");
  assert.deepEqual(leaf.dnsNames, ["gw.example.com"]);
  assert.deepEqual(leaf.ipAddresses, []);
  assert.equal(leaf.isCa, false);
  assert.equal(leaf.notBefore.toISOString(), "2026-11-23T19:27:38.000Z");
  assert.equal(leaf.notAfter.toISOString(), "2027-02-21T19:27:38.000Z");
  assert.equal(leaf.serialNumber, "4aed350399413ab86d65b44408574509eb281066");
  assert.equal(leaf.issuerCommonName, "self-signed-certificates-operator");
  assert.deepEqual(leaf.publicKey, (await parseCsr(EXAMPLE_CSR_DNS)).publicKey);
  const ca = await parseCertificate(EXAMPLE_CA);
  assert.equal(ca.isCa, true);
  assert.equal(ca.commonName, "self-signed-certificates-operator");
  assert.equal(ca.serialNumber, "37e02a1f5fb7bece1463abe9ca5883b1788e0740");
  assert.equal(await verifyIssuedBy(EXAMPLE_LEAF, EXAMPLE_CA), true);
  assert.equal(await verifyIssuedBy(EXAMPLE_LEAF, CA.caPem), false);
});

Deno.test("parseCertificate: reads the first CERTIFICATE block of a bundle", async () => {
  const parsed = await parseCertificate(`${rewrap(EXAMPLE_LEAF)}\n\n${EXAMPLE_CA}`);
  assert.equal(parsed.commonName, "gw.example.com");
});

Deno.test("parseCertificate: TlsError for what is not a certificate", async () => {
  const der = pemToDer(EXAMPLE_LEAF, ["CERTIFICATE"]).der;
  const cases: [string, string][] = [
    ["empty", ""],
    ["garbage", "-----BEGIN CERTIFICATE-----\ngarbage!\n-----END CERTIFICATE-----"],
    ["a CSR", EXAMPLE_CSR_DNS],
    ["a key", KEY],
    ["truncated", derToPem(der.subarray(0, der.length - 10), "CERTIFICATE")],
    ["empty SEQUENCE", derToPem(new Uint8Array([0x30, 0]), "CERTIFICATE")],
    ["an INTEGER", derToPem(new Uint8Array([2, 1, 5]), "CERTIFICATE")],
  ];
  for (const [what, pem] of cases) {
    await assert.rejects(parseCertificate(pem), TlsError, what);
  }
});

Deno.test("leafFirstChain: orders the provider's chain leaf first", async () => {
  const mid = await CA.intermediate();
  const leaf2 = await mid.sign(CSR);
  const [, midPem, rootPem] = mid.chainFor(leaf2);
  const table: [string, string, string[], string, string[]][] = [
    ["leaf-first kept", LEAF, [LEAF, CA.caPem], CA.caPem, [LEAF, CA.caPem]],
    ["root-first reversed", LEAF, [CA.caPem, LEAF], CA.caPem, [LEAF, CA.caPem]],
    ["empty → [leaf, ca]", LEAF, [], CA.caPem, [LEAF, CA.caPem]],
    ["empty, no ca → [leaf]", LEAF, [], "", [LEAF]],
    ["leaf only", LEAF, [LEAF], CA.caPem, [LEAF]],
    ["re-wrapped leaf still found", LEAF, [rewrap(LEAF), CA.caPem], CA.caPem, [
      rewrap(LEAF),
      CA.caPem,
    ]],
    [
      "three, leaf first",
      leaf2,
      [leaf2, midPem, rootPem],
      midPem,
      [leaf2, midPem, rootPem],
    ],
    [
      "three, root first",
      leaf2,
      [rootPem, midPem, leaf2],
      midPem,
      [leaf2, midPem, rootPem],
    ],
    ["leaf in the middle: once, in front", leaf2, [midPem, leaf2, rootPem], midPem, [
      leaf2,
      midPem,
      rootPem,
    ]],
    ["the CA is the leaf, empty chain → [leaf]", LEAF, [], LEAF, [LEAF]],
    ["chain without the leaf gets it in front", leaf2, [midPem, rootPem], midPem, [
      leaf2,
      midPem,
      rootPem,
    ]],
    ["example databag", EXAMPLE_LEAF, [EXAMPLE_LEAF, EXAMPLE_CA], EXAMPLE_CA, [
      EXAMPLE_LEAF,
      EXAMPLE_CA,
    ]],
  ];
  for (const [what, leaf, chain, ca, expected] of table) {
    const input = [...chain];
    assert.deepEqual(leafFirstChain(leaf, input, ca), expected, what);
    assert.deepEqual(input, chain, `${what}: input untouched`);
  }
});

Deno.test("samePem / splitPemBlocks", () => {
  assert.equal(samePem(LEAF, rewrap(LEAF)), true);
  assert.equal(samePem(`\n  ${LEAF}\n`, LEAF), true);
  assert.equal(samePem(LEAF, CA.caPem), false);
  assert.equal(samePem(`${LEAF}\n${CA.caPem}`, LEAF), false);
  // Same DER under another label is another thing.
  assert.equal(samePem(LEAF, LEAF.replaceAll("CERTIFICATE", "X509 CRL")), false);
  assert.equal(samePem("garbage", " garbage\n"), true);
  assert.equal(samePem("garbage", LEAF), false);
  const bundle = [LEAF, CA.caPem].join("\n\n");
  assert.deepEqual(splitPemBlocks(bundle), [LEAF, CA.caPem]);
  assert.deepEqual(splitPemBlocks(`junk\n${rewrap(LEAF)}junk`), [rewrap(LEAF).trimEnd()]);
  assert.deepEqual(splitPemBlocks("no pem here"), []);
});

Deno.test("keyMatches: our key against CSRs and certificates", async () => {
  const other = await generatePrivateKey();
  assert.equal(await keyMatches(KEY, (await parseCertificate(LEAF)).publicKey), true);
  assert.equal(await keyMatches(other, (await parseCertificate(LEAF)).publicKey), false);
  assert.equal(await keyMatches(KEY, (await parseCertificate(CA.caPem)).publicKey), false);
  assert.equal(await keyMatches(KEY, new Uint8Array([1, 2, 3])), false);
  await assert.rejects(keyMatches("not a key", await publicKeyOf(KEY)), TlsError);
});

Deno.test("renewalTime: now + (notAfter − now) × ratio", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const notAfter = new Date("2026-04-11T00:00:00Z"); // 100 days later
  assert.equal(renewalTime(now, notAfter).toISOString(), "2026-04-01T00:00:00.000Z");
  assert.equal(renewalTime(now, notAfter, 1).toISOString(), notAfter.toISOString());
  assert.equal(renewalTime(now, notAfter, 0.75).toISOString(), "2026-03-17T00:00:00.000Z");
  // Already expired: due in the past, so it is renewed at once.
  assert.ok(renewalTime(now, new Date("2025-12-01T00:00:00Z")) < now);
  for (const ratio of [0.5, 0, 1.01, Number.NaN]) {
    assert.throws(() => renewalTime(now, notAfter, ratio), TlsError, String(ratio));
  }
});

Deno.test("test CA: issue gives the provider's relation entry, chain leaf first", async () => {
  const entry = await CA.issue(CSR, { validityDays: 1 });
  assert.equal(entry.ca, CA.caPem);
  assert.equal(entry.certificate_signing_request, CSR);
  assert.deepEqual(entry.chain, [entry.certificate, CA.caPem]);
  const parsed = await parseCertificate(entry.certificate);
  assert.equal(parsed.notAfter.getTime() - parsed.notBefore.getTime(), 86_400_000);
  // A CSR whose signature fails is refused, as a provider would.
  const der = new Uint8Array(pemToDer(CSR, ["CERTIFICATE REQUEST"]).der);
  der[der.length - 1] ^= 1;
  await assert.rejects(CA.sign(derToPem(der, "CERTIFICATE REQUEST")), TlsError);
});
