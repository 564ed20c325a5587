/** Tests for CSR creation and parsing: content, uniqueness, signature, real examples, errors. */
import assert from "node:assert/strict";
import { childrenOf, type Der, readDer } from "../../src/tls/der.ts";
import { TlsError } from "../../src/tls/errors.ts";
import { keyMatches } from "../../src/tls/certificate.ts";
import { createCsr, parseCsr } from "../../src/tls/csr.ts";
import { generatePrivateKey, publicKeyOf } from "../../src/tls/keys.ts";
import { derToPem, pemToDer } from "../../src/tls/pem.ts";
import { EXAMPLE_CSR_DNS, EXAMPLE_CSR_IP } from "./examples.ts";

const KEY = await generatePrivateKey();
const OTHER_KEY = await generatePrivateKey();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";

Deno.test("createCsr: hostname request parses back to what was asked, signed SHA-256", async () => {
  const pem = await createCsr(KEY, { commonName: "gw.example.com", dnsNames: ["gw.example.com"] });
  assert.match(
    pem,
    /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----$/,
  );
  const csr = await parseCsr(pem);
  assert.equal(csr.commonName, "gw.example.com");
  assert.deepEqual(csr.dnsNames, ["gw.example.com"]);
  assert.deepEqual(csr.ipAddresses, []);
  assert.equal(csr.hasUniqueId, true);
  assert.match(csr.uniqueId ?? "", UUID_V4);
  // Subject order as the library writes it: CN, then x500UniqueIdentifier.
  assert.deepEqual(csr.subject.map((attribute) => attribute.oid), ["2.5.4.3", "2.5.4.45"]);
  assert.equal(csr.signatureAlgorithm, SHA256_WITH_RSA);
  assert.equal(csr.signatureValid, true);
  assert.deepEqual(csr.publicKey, await publicKeyOf(KEY));
  assert.equal(await keyMatches(KEY, csr.publicKey), true);
  assert.equal(await keyMatches(OTHER_KEY, csr.publicKey), false);
});

Deno.test("createCsr: IP request (IPv4 and IPv6) carries iPAddress SANs", async () => {
  const csr = await parseCsr(
    await createCsr(KEY, {
      commonName: "10.43.45.1",
      ipAddresses: ["10.43.45.1", "2001:DB8:0::1"],
    }),
  );
  assert.equal(csr.commonName, "10.43.45.1");
  assert.deepEqual(csr.ipAddresses, ["10.43.45.1", "2001:db8::1"]);
  assert.deepEqual(csr.dnsNames, []);
  assert.equal(csr.signatureValid, true);
});

Deno.test("createCsr: without SANs there is no extension request", async () => {
  const pem = await createCsr(KEY, { commonName: "only-cn.example" });
  const csr = await parseCsr(pem);
  assert.equal(csr.commonName, "only-cn.example");
  assert.deepEqual([csr.dnsNames, csr.ipAddresses], [[], []]);
  assert.equal(csr.signatureValid, true);
  // No extensionRequest OID (1.2.840.113549.1.9.14) anywhere in the DER.
  const der = pemToDer(pem, ["CERTIFICATE REQUEST"]).der;
  const oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e];
  assert.equal(
    der.some((_, i) => oid.every((byte, j) => der[i + j] === byte)),
    false,
  );
});

Deno.test("createCsr: two CSRs for the same request differ (fresh unique id)", async () => {
  const request = { commonName: "gw.example.com", dnsNames: ["gw.example.com"] };
  const [a, b] = await Promise.all([createCsr(KEY, request), createCsr(KEY, request)]);
  assert.notEqual(a, b);
  const [pa, pb] = await Promise.all([parseCsr(a), parseCsr(b)]);
  assert.notEqual(pa.uniqueId, pb.uniqueId);
  assert.equal(pa.commonName, pb.commonName);
  assert.deepEqual(pa.publicKey, pb.publicKey);
});

Deno.test("parseCsr: a tampered CSR still parses but its signature fails", async () => {
  const pem = await createCsr(KEY, { commonName: "gw.example.com", dnsNames: ["gw.example.com"] });
  const der = new Uint8Array(pemToDer(pem, ["CERTIFICATE REQUEST"]).der);
  const at = new TextDecoder("latin1").decode(der).indexOf("gw.example.com");
  der[at + 1] = "x".charCodeAt(0);
  const csr = await parseCsr(derToPem(der, "CERTIFICATE REQUEST"));
  assert.equal(csr.commonName, "gx.example.com");
  assert.equal(csr.signatureValid, false);
});

Deno.test("parseCsr: the Python library's CSRs (example databag)", async () => {
  const dns = await parseCsr(EXAMPLE_CSR_DNS);
  assert.equal(dns.commonName, "gw.example.com");
  assert.deepEqual(dns.dnsNames, ["gw.example.com"]);
  assert.deepEqual(dns.ipAddresses, []);
  assert.equal(dns.uniqueId, "3e907d9b-6659-41ad-b84f-df54356677fd");
  assert.equal(dns.signatureAlgorithm, SHA256_WITH_RSA);
  assert.equal(dns.signatureValid, true);
  const ip = await parseCsr(EXAMPLE_CSR_IP);
  assert.equal(ip.commonName, "10.43.45.1");
  assert.deepEqual(ip.ipAddresses, ["10.43.45.1"]);
  assert.deepEqual(ip.dnsNames, []);
  assert.equal(ip.hasUniqueId, true);
  assert.equal(ip.signatureValid, true);
  // Application mode: one key for every CSR.
  assert.deepEqual(ip.publicKey, dns.publicKey);
  assert.equal(await keyMatches(KEY, dns.publicKey), false);
});

Deno.test("parseCsr: same structure as the Python library's CSR, apart from values", async () => {
  // Tag and nesting of every element, ignoring contents: ours and the library's must agree.
  const walk = (node: Der): string =>
    node.tag & 0x20
      ? `${node.tag.toString(16)}(${childrenOf(node).map(walk).join(",")})`
      : node.tag.toString(16);
  const shape = (der: Uint8Array) => walk(readDer(der));
  const ours = await createCsr(KEY, { commonName: "gw.example.com", dnsNames: ["gw.example.com"] });
  assert.equal(
    shape(pemToDer(ours, ["CERTIFICATE REQUEST"]).der),
    shape(pemToDer(EXAMPLE_CSR_DNS, ["CERTIFICATE REQUEST"]).der),
  );
});

Deno.test("createCsr: refuses requests no provider could sign", async () => {
  const cases: [string, Parameters<typeof createCsr>[1], RegExp][] = [
    ["empty CN", { commonName: "" }, /common name must be 1 to 64 bytes/],
    ["CN over 64 bytes", { commonName: `${"a".repeat(60)}.example` }, /1 to 64 bytes/],
    ["bad IP", { commonName: "x", ipAddresses: ["10.0.0.256"] }, /not an IP address/],
    ["IP with leading zero", { commonName: "x", ipAddresses: ["10.0.0.01"] }, /not an IP address/],
    ["non-ASCII DNS name", { commonName: "x", dnsNames: ["bücher.example"] }, /not an ASCII/],
  ];
  for (const [what, request, message] of cases) {
    await assert.rejects(createCsr(KEY, request), (error: unknown) => {
      assert.ok(error instanceof TlsError, what);
      assert.match(error.message, message, what);
      return true;
    });
  }
  await assert.rejects(createCsr("garbage", { commonName: "x" }), TlsError);
});

Deno.test("parseCsr: TlsError for what is not a CSR", async () => {
  const valid = pemToDer(EXAMPLE_CSR_DNS, ["CERTIFICATE REQUEST"]).der;
  const cases: [string, string][] = [
    ["empty", ""],
    ["garbage", "hello"],
    ["a key", KEY],
    ["truncated", derToPem(valid.subarray(0, 200), "CERTIFICATE REQUEST")],
    ["trailing bytes", derToPem(new Uint8Array([...valid, 0]), "CERTIFICATE REQUEST")],
    ["a bare SEQUENCE", derToPem(new Uint8Array([0x30, 0]), "CERTIFICATE REQUEST")],
  ];
  for (const [what, pem] of cases) {
    await assert.rejects(parseCsr(pem), TlsError, what);
  }
});
