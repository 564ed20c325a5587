/** A provider's certificate entry cut to the certificates it holds, within the sizes kept. */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { cleanCertificateTexts, MAX_CHAIN } from "../../src/tls/bundle.ts";
import { createCsr } from "../../src/tls/csr.ts";
import { generatePrivateKey } from "../../src/tls/keys.ts";
import { createTestCa } from "../harness/tls_ca.ts";

const KEY = await generatePrivateKey();
const CA = await createTestCa({ commonName: "bundle-test-ca" });
const CSR = await createCsr(KEY, { commonName: "gw.example.com", dnsNames: ["gw.example.com"] });
const LEAF = await CA.sign(CSR);
const entry = (fields: { certificate?: string; ca?: string; chain?: string[] }) => ({
  csr: CSR,
  revoked: false,
  certificate: fields.certificate ?? LEAF,
  ca: fields.ca ?? CA.caPem,
  chain: fields.chain ?? [LEAF, CA.caPem],
});

Deno.test("a clean entry goes through as it is, nothing said", async () => {
  const cleaned = await cleanCertificateTexts(entry({}));
  deepStrictEqual(cleaned, { entry: entry({}), dropped: [] });
});

Deno.test("the certificate field keeps its first certificate only", async () => {
  const cleaned = await cleanCertificateTexts(
    entry({ certificate: `${LEAF}\n${LEAF}\n${CA.caPem}\n`.repeat(4) }),
  );
  ok("entry" in cleaned);
  strictEqual(cleaned.entry.certificate, LEAF.trim());
  deepStrictEqual(cleaned.dropped, []);
});

Deno.test("what is not a certificate in the CA and chain is left out and said", async () => {
  const cleaned = await cleanCertificateTexts(entry({
    ca: CSR,
    chain: [
      LEAF,
      "not a certificate \u0000",
      `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----`,
      CA.caPem,
      CA.caPem,
    ],
  }));
  ok("entry" in cleaned);
  strictEqual(cleaned.entry.ca, "", "a CSR is no CA");
  deepStrictEqual(cleaned.entry.chain, [LEAF.trim(), CA.caPem.trim()], "each certificate once");
  strictEqual(cleaned.dropped.length, 3, JSON.stringify(cleaned.dropped));
  ok(cleaned.dropped[0].startsWith("ca: a CERTIFICATE REQUEST block is not a certificate"));
  ok(cleaned.dropped[1].startsWith("chain[1]: no PEM block"));
  ok(cleaned.dropped[2].startsWith("chain[2]: invalid certificate"), cleaned.dropped[2]);
});

Deno.test("a certificate field without a certificate is left for the decision to refuse", async () => {
  const bad = entry({ certificate: "garbage" });
  deepStrictEqual(await cleanCertificateTexts(bad), { entry: bad, dropped: [] });
});

Deno.test("a chain past the limit, or an entry past the sizes kept, is refused", async () => {
  const cas = await Promise.all(
    Array.from({ length: MAX_CHAIN + 1 }, (_, i) => createTestCa({ commonName: `ca-${i}` })),
  );
  const long = await cleanCertificateTexts(entry({ chain: cas.map((ca) => ca.caPem) }));
  deepStrictEqual(long, { error: `its chain holds ${MAX_CHAIN + 1} certificates, more than 10` });
  // Ten distinct certificates, each padded with 7 KiB of text between blocks: over 64 KiB.
  const padded = cas.slice(0, MAX_CHAIN).map((ca) => `${"x".repeat(7000)}\n${ca.caPem}`);
  const cleaned = await cleanCertificateTexts(entry({ chain: padded }));
  ok("entry" in cleaned, "text between blocks is not kept, so it is not counted");
  const bytes = cleaned.entry.chain.reduce((sum, pem) => sum + pem.length, 0);
  ok(bytes < 64 * 1024, String(bytes));
});

Deno.test("a certificate larger than a Juju secret value holds is refused", async () => {
  const dnsNames = Array.from({ length: 300 }, (_, i) => `host-${i}.a-long-subdomain.example.com`);
  const big = await CA.sign(await createCsr(KEY, { commonName: "gw.example.com", dnsNames }));
  const size = new TextEncoder().encode(big).length;
  ok(size > 8 * 1024, String(size));
  deepStrictEqual(await cleanCertificateTexts(entry({ certificate: big })), {
    error: `its certificate takes ${size} bytes, more than 8192`,
  });
});
