/** Tests for the RSA key helpers: PKCS#1 output, PKCS#1/PKCS#8 import, public key, errors. */
import assert from "node:assert/strict";
import {
  childrenOf,
  integer,
  integerOf,
  nullValue,
  objectId,
  octetString,
  readDer,
  sequence,
} from "../../src/tls/der.ts";
import { TlsError } from "../../src/tls/errors.ts";
import {
  describePrivateKey,
  generatePrivateKey,
  importPrivateKey,
  publicKeyOf,
  RSA_SHA256,
} from "../../src/tls/keys.ts";
import { derToPem, pemToDer } from "../../src/tls/pem.ts";

// One key for the whole file: RSA generation costs ~0.1-0.5 s.
const KEY = await generatePrivateKey();

/** A PKCS#8 PEM straight from WebCrypto, the other format keys may come in. */
async function webCryptoKey(): Promise<{ pkcs8Pem: string; spki: Uint8Array }> {
  const pair = await crypto.subtle.generateKey(
    { ...RSA_SHA256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  return { pkcs8Pem: derToPem(pkcs8, "PRIVATE KEY"), spki };
}

async function signsAndVerifies(pair: CryptoKeyPair): Promise<boolean> {
  const data = new TextEncoder().encode("hello");
  const signature = await crypto.subtle.sign(RSA_SHA256, pair.privateKey, data);
  return await crypto.subtle.verify(RSA_SHA256, pair.publicKey, signature, data);
}

Deno.test("generatePrivateKey: stripped PKCS#1 PEM of an RSA-2048 key with e = 65537", () => {
  assert.match(KEY, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  assert.match(KEY, /\n-----END RSA PRIVATE KEY-----$/);
  const lines = KEY.split("\n").slice(1, -1);
  assert.ok(lines.slice(0, -1).every((line) => line.length === 64));
  const fields = childrenOf(readDer(pemToDer(KEY, ["RSA PRIVATE KEY"]).der));
  assert.equal(fields.length, 9); // version, n, e, d, p, q, dp, dq, qinv
  const [version, n, e, , p, q] = fields.map(integerOf);
  assert.equal(version, 0n);
  assert.equal(n.toString(2).length, 2048);
  assert.equal(e, 65537n);
  assert.equal(p * q, n);
  assert.deepEqual(describePrivateKey(KEY), { modulusBits: 2048, publicExponent: 65537 });
});

Deno.test("generatePrivateKey: a new key each time", async () => {
  assert.notEqual(await generatePrivateKey(), KEY);
});

Deno.test("importPrivateKey: PKCS#1 key signs, and its public half verifies", async () => {
  assert.ok(await signsAndVerifies(await importPrivateKey(KEY)));
});

Deno.test("importPrivateKey/publicKeyOf: PKCS#8 key; public key equals WebCrypto's", async () => {
  const { pkcs8Pem, spki } = await webCryptoKey();
  const pair = await importPrivateKey(pkcs8Pem);
  assert.ok(await signsAndVerifies(pair));
  assert.deepEqual(await publicKeyOf(pkcs8Pem), spki);
  assert.deepEqual(new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey)), spki);
});

Deno.test("publicKeyOf: same for a key as PKCS#1 and as PKCS#8, equal to WebCrypto's", async () => {
  // PrivateKeyInfo around our RSAPrivateKey: version 0, rsaEncryption with NULL parameters.
  const pkcs8 = sequence(
    integer(0n),
    sequence(objectId("1.2.840.113549.1.1.1"), nullValue()),
    octetString(pemToDer(KEY, ["RSA PRIVATE KEY"]).der),
  );
  const pkcs8Pem = derToPem(pkcs8, "PRIVATE KEY");
  const extractable = await crypto.subtle.importKey("pkcs8", pkcs8, RSA_SHA256, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", extractable);
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { kty: jwk.kty, n: jwk.n, e: jwk.e },
    RSA_SHA256,
    true,
    ["verify"],
  );
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  assert.deepEqual(await publicKeyOf(KEY), spki);
  assert.deepEqual(await publicKeyOf(pkcs8Pem), spki);
  assert.ok(await signsAndVerifies(await importPrivateKey(pkcs8Pem)));
});

Deno.test("importPrivateKey/publicKeyOf: clear TlsError for what is not an RSA key", async () => {
  const ec = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const ecPem = derToPem(
    new Uint8Array(await crypto.subtle.exportKey("pkcs8", ec.privateKey)),
    "PRIVATE KEY",
  );
  const cases: [string, string, RegExp][] = [
    ["empty", "", /expected PEM RSA PRIVATE KEY or PRIVATE KEY, found no PEM block/],
    ["garbage", "not a key at all", /found no PEM block/],
    [
      "a certificate",
      "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----",
      /found only CERTIFICATE/,
    ],
    [
      "bad base64",
      "-----BEGIN RSA PRIVATE KEY-----\n!!!!\n-----END RSA PRIVATE KEY-----",
      /invalid base64/,
    ],
    [
      "truncated DER",
      derToPem(pemToDer(KEY, ["RSA PRIVATE KEY"]).der.subarray(0, 100), "RSA PRIVATE KEY"),
      /invalid private key/,
    ],
    [
      "encrypted PKCS#8",
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----",
      /expected PEM|encrypted/,
    ],
    [
      "legacy encrypted PKCS#1",
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n" +
      "\nMAA=\n-----END RSA PRIVATE KEY-----",
      /encrypted PEM keys are not supported/,
    ],
    ["an EC key", ecPem, /only RSA keys are supported/],
  ];
  for (const [what, pem, message] of cases) {
    await assert.rejects(importPrivateKey(pem), (error: unknown) => {
      assert.ok(error instanceof TlsError, `${what}: ${error}`);
      assert.match(error.message, message, what);
      return true;
    });
    await assert.rejects(publicKeyOf(pem), TlsError, what);
  }
});
