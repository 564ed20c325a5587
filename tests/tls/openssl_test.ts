/** Cross-checks with the openssl CLI, an independent X.509 implementation; skipped without it. */
import assert from "node:assert/strict";
import { keyMatches, parseCertificate, verifyIssuedBy } from "../../src/tls/certificate.ts";
import { createCsr, parseCsr } from "../../src/tls/csr.ts";
import { generatePrivateKey, importPrivateKey, publicKeyOf } from "../../src/tls/keys.ts";
import { createTestCa } from "../harness/tls_ca.ts";

// OpenSSL 3 options (-copy_extensions, -dateopt) are used below, so 1.x counts as missing.
const OPENSSL = await (async () => {
  try {
    const { success, stdout } = await new Deno.Command("openssl", { args: ["version"] }).output();
    return success && /^OpenSSL [3-9]\./.test(new TextDecoder().decode(stdout));
  } catch {
    return false;
  }
})();
const SKIPPED = OPENSSL ? "" : " (skipped: OpenSSL 3 command line not installed)";

/** Runs openssl in a temporary directory holding `files`; returns stdout and stderr together. */
async function openssl(args: string[], files: Record<string, string> = {}): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tls-openssl-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, `${text}\n`);
    }
    const output = await new Deno.Command("openssl", { args, cwd: dir, stdin: "null" }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.ok(output.success, `openssl ${args.join(" ")} failed:\n${text}`);
    return text;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `openssl cross-check: ${name}${SKIPPED}`, ignore: !OPENSSL, fn });

test("our key is a valid RSA-2048 PKCS#1 key with e = 65537", async () => {
  const key = await generatePrivateKey();
  const check = await openssl(["rsa", "-in", "key.pem", "-check", "-noout"], { "key.pem": key });
  assert.match(check, /RSA key ok/);
  const text = await openssl(["pkey", "-in", "key.pem", "-noout", "-text"], { "key.pem": key });
  assert.match(text, /Private-Key: \(2048 bit/);
  assert.match(text, /publicExponent: 65537/);
  // openssl's own SPKI for the key equals ours.
  const spki = await openssl(["pkey", "-in", "key.pem", "-pubout"], { "key.pem": key });
  assert.equal(spki.trim(), pemOf(await publicKeyOf(key), "PUBLIC KEY"));
});

test("our CSR verifies and shows CN, unique id, SANs, SHA-256", async () => {
  const key = await generatePrivateKey();
  const csr = await createCsr(key, {
    commonName: "gw.example.com",
    dnsNames: ["gw.example.com"],
    ipAddresses: ["10.0.0.1", "2001:db8::5"],
  });
  const { uniqueId } = await parseCsr(csr);
  const text = await openssl(["req", "-in", "csr.pem", "-noout", "-verify", "-text"], {
    "csr.pem": csr,
  });
  assert.match(text, /verify OK/);
  assert.ok(
    text.includes(`Subject: CN = gw.example.com, x500UniqueIdentifier = ${uniqueId}`),
    text,
  );
  assert.match(
    text,
    /IP Address:10\.0\.0\.1, IP Address:2001:DB8:0:0:0:0:0:5, DNS:gw\.example\.com/,
  );
  assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.doesNotMatch(text, /critical/);
});

test("our test CA's chain verifies; openssl reads the fields we read", async () => {
  const root = await createTestCa();
  const mid = await root.intermediate();
  const key = await generatePrivateKey();
  const leaf = await mid.sign(
    await createCsr(key, { commonName: "a.example", dnsNames: ["a.example"] }),
  );
  const files = { "root.pem": root.caPem, "mid.pem": mid.caPem, "leaf.pem": leaf };
  const verify = await openssl(
    ["verify", "-purpose", "sslserver", "-CAfile", "root.pem", "-untrusted", "mid.pem", "leaf.pem"],
    files,
  );
  assert.match(verify, /leaf\.pem: OK/);
  const fields = await openssl(
    [
      "x509",
      "-in",
      "leaf.pem",
      "-noout",
      "-serial",
      "-startdate",
      "-enddate",
      "-dateopt",
      "iso_8601",
    ],
    files,
  );
  const parsed = await parseCertificate(leaf);
  assert.match(fields, new RegExp(`serial=${parsed.serialNumber.toUpperCase()}`));
  const iso = (date: Date) => date.toISOString().replace("T", " ").replace(".000Z", "Z");
  assert.ok(fields.includes(`notBefore=${iso(parsed.notBefore)}`), fields);
  assert.ok(fields.includes(`notAfter=${iso(parsed.notAfter)}`), fields);
});

test("we read openssl's key, CSR and certificate (RSA and EC)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tls-openssl-" });
  try {
    const run = async (...args: string[]) => {
      const output = await new Deno.Command("openssl", { args, cwd: dir, stdin: "null" }).output();
      assert.ok(output.success, new TextDecoder().decode(output.stderr));
    };
    const read = (name: string) => Deno.readTextFile(`${dir}/${name}`);
    // A PKCS#8 RSA key and a CSR made with it.
    await run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "k8.pem");
    await run("rsa", "-in", "k8.pem", "-traditional", "-out", "k1.pem");
    await run(
      "req",
      "-new",
      "-key",
      "k8.pem",
      "-subj",
      "/CN=o.example",
      "-addext",
      "subjectAltName=DNS:o.example,DNS:*.o.example,IP:10.9.8.7,IP:2001:db8::9,URI:https://x",
      "-out",
      "csr.pem",
    );
    const [pkcs8, pkcs1] = [await read("k8.pem"), await read("k1.pem")];
    assert.match(pkcs8, /BEGIN PRIVATE KEY/);
    assert.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
    assert.deepEqual(await publicKeyOf(pkcs8), await publicKeyOf(pkcs1));
    await importPrivateKey(pkcs8);
    const csr = await parseCsr(await read("csr.pem"));
    assert.equal(csr.commonName, "o.example");
    assert.deepEqual(csr.dnsNames, ["o.example", "*.o.example"]);
    assert.deepEqual(csr.ipAddresses, ["10.9.8.7", "2001:db8::9"]);
    assert.equal(csr.hasUniqueId, false);
    assert.equal(csr.signatureValid, true);
    assert.equal(await keyMatches(pkcs1, csr.publicKey), true);
    // openssl as the CA: signs the CSR with a self-signed RSA CA.
    await run(
      "req",
      "-x509",
      "-new",
      "-key",
      "k8.pem",
      "-subj",
      "/CN=openssl-ca",
      "-days",
      "3",
      "-out",
      "ca.pem",
    );
    await run(
      "x509",
      "-req",
      "-in",
      "csr.pem",
      "-CA",
      "ca.pem",
      "-CAkey",
      "k8.pem",
      "-copy_extensions",
      "copy",
      "-days",
      "2",
      "-out",
      "leaf.pem",
    );
    const leaf = await parseCertificate(await read("leaf.pem"));
    assert.equal(leaf.commonName, "o.example");
    assert.deepEqual(leaf.ipAddresses, ["10.9.8.7", "2001:db8::9"]);
    assert.equal(leaf.issuerCommonName, "openssl-ca");
    assert.equal(await verifyIssuedBy(await read("leaf.pem"), await read("ca.pem")), true);
    assert.equal((await parseCertificate(await read("ca.pem"))).isCa, true);
    // An EC certificate parses; it is not ours, and is not an RSA key at all.
    await run(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ec-key.pem",
      "-subj",
      "/CN=ec.example",
      "-days",
      "1",
      "-out",
      "ec.pem",
    );
    const ec = await parseCertificate(await read("ec.pem"));
    assert.equal(ec.commonName, "ec.example");
    assert.equal(await keyMatches(pkcs1, ec.publicKey), false);
    await assert.rejects(importPrivateKey(await read("ec-key.pem")), /only RSA keys/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function pemOf(der: Uint8Array, label: string): string {
  const lines = btoa(String.fromCharCode(...der)).match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join("\n");
}
