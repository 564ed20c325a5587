/** RSA private keys as the tls-certificates library keeps them: PKCS#1 PEM, via WebCrypto. */
import {
  bitString,
  type Bytes,
  childrenOf,
  integer,
  integerOf,
  nullValue,
  objectId,
  octetString,
  oidOf,
  readDer,
  sequence,
  sequenceOf,
  Tag,
} from "./der.ts";
import { TlsError } from "./errors.ts";
import { derToPem, pemToDer } from "./pem.ts";

export const RSA_ENCRYPTION_OID = "1.2.840.113549.1.1.1";

/** The algorithm our keys sign CSRs with (the library signs with SHA-256). */
export const RSA_SHA256: RsaHashedImportParams = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

const PKCS1_LABEL = "RSA PRIVATE KEY";
const PKCS8_LABEL = "PRIVATE KEY";

/** The DER of the RSA AlgorithmIdentifier: rsaEncryption with NULL parameters (RFC 8017 A.1). */
const rsaAlgorithm = () => sequence(objectId(RSA_ENCRYPTION_OID), nullValue());

/** An RSA key read from PEM: the PKCS#1 RSAPrivateKey DER and its public numbers. */
interface RsaPrivateKey {
  pkcs1: Uint8Array;
  modulus: bigint;
  publicExponent: bigint;
}

/** Parses a PKCS#1 RSAPrivateKey, checking it has the two-prime shape WebCrypto accepts. */
function readPkcs1(der: Uint8Array): RsaPrivateKey {
  const fields = sequenceOf(readDer(der), "an RSAPrivateKey SEQUENCE");
  // version, n, e, d, p, q, dp, dq, qinv; version 1 (multi-prime) is not supported by WebCrypto.
  if (fields.length !== 9 || integerOf(fields[0]) !== 0n) {
    throw new TlsError("unsupported RSA private key: expected a two-prime PKCS#1 key");
  }
  const modulus = integerOf(fields[1]);
  const publicExponent = integerOf(fields[2]);
  if (modulus <= 0n || publicExponent <= 0n) throw new TlsError("malformed RSA private key");
  return { pkcs1: der, modulus, publicExponent };
}

/** Unwraps the RSAPrivateKey from a PKCS#8 PrivateKeyInfo (RFC 5208), refusing non-RSA keys. */
function unwrapPkcs8(der: Uint8Array): Uint8Array {
  const fields = sequenceOf(readDer(der), "a PrivateKeyInfo SEQUENCE");
  const algorithm = sequenceOf(fields[1], "an AlgorithmIdentifier");
  const oid = oidOf(algorithm[0]);
  if (oid !== RSA_ENCRYPTION_OID) {
    throw new TlsError(`unsupported private key algorithm ${oid}: only RSA keys are supported`);
  }
  const inner = fields[2];
  if (!inner || inner.tag !== Tag.octetString) throw new TlsError("malformed PKCS#8 private key");
  return inner.value;
}

/** Reads a PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) PEM RSA key. */
function readPrivateKey(pem: string): RsaPrivateKey {
  const block = pemToDer(pem, [PKCS1_LABEL, PKCS8_LABEL]);
  try {
    return readPkcs1(block.label === PKCS1_LABEL ? block.der : unwrapPkcs8(block.der));
  } catch (error) {
    // Malformed input can also surface as a TypeError deep in the reader: it is still bad input.
    const message = error instanceof Error ? error.message : String(error);
    throw new TlsError(`invalid private key: ${message}`);
  }
}

/** SubjectPublicKeyInfo DER for an RSA public key (RFC 5280 §4.1.2.7, RFC 8017 A.1.1). */
export function rsaSpki(modulus: bigint, publicExponent: bigint): Bytes {
  return sequence(rsaAlgorithm(), bitString(sequence(integer(modulus), integer(publicExponent))));
}

/** RSA public numbers from SubjectPublicKeyInfo DER, or null when it holds another key type. */
export function rsaPublicNumbers(
  spki: Uint8Array,
): { modulus: bigint; publicExponent: bigint } | null {
  const [algorithm, key] = sequenceOf(readDer(spki), "a SubjectPublicKeyInfo");
  if (oidOf(sequenceOf(algorithm, "an AlgorithmIdentifier")[0]) !== RSA_ENCRYPTION_OID) return null;
  if (!key || key.tag !== Tag.bitString || key.value[0] !== 0) {
    throw new TlsError("malformed SubjectPublicKeyInfo");
  }
  const numbers = childrenOf(readDer(key.value.subarray(1)));
  return { modulus: integerOf(numbers[0]), publicExponent: integerOf(numbers[1]) };
}

/**
 * A new RSA-2048 key (e = 65537) as an unencrypted PKCS#1 PEM without trailing newline, the
 * library's `generate_private_key()` format. WebCrypto only exports PKCS#8, so the
 * RSAPrivateKey inside it is unwrapped.
 */
export async function generatePrivateKey(): Promise<string> {
  const pair = await crypto.subtle.generateKey(
    { ...RSA_SHA256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  return derToPem(unwrapPkcs8(pkcs8), PKCS1_LABEL);
}

/**
 * Imports a PKCS#1 or PKCS#8 PEM RSA key for RSASSA-PKCS1-v1_5 SHA-256 signing, with its public
 * half for verifying. A PKCS#1 key is wrapped into PKCS#8 first, the only RSA private key format
 * WebCrypto imports.
 */
export async function importPrivateKey(pem: string): Promise<CryptoKeyPair> {
  const key = readPrivateKey(pem);
  const pkcs8 = sequence(integer(0n), rsaAlgorithm(), octetString(key.pkcs1));
  try {
    const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, RSA_SHA256, false, ["sign"]);
    const publicKey = await crypto.subtle.importKey(
      "spki",
      rsaSpki(key.modulus, key.publicExponent),
      RSA_SHA256,
      true,
      ["verify"],
    );
    return { privateKey, publicKey };
  } catch (error) {
    throw new TlsError(
      `invalid private key: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * The SubjectPublicKeyInfo DER of a PEM private key, to match CSRs and certificates against it.
 * Computed from the key's public numbers, no WebCrypto import needed.
 */
export function publicKeyOf(privateKeyPem: string): Promise<Uint8Array> {
  try {
    const key = readPrivateKey(privateKeyPem);
    return Promise.resolve(rsaSpki(key.modulus, key.publicExponent));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Size and public exponent of a PEM private key, e.g. to refuse keys under 2048 bits. */
export function describePrivateKey(
  privateKeyPem: string,
): { modulusBits: number; publicExponent: number } {
  const { modulus, publicExponent } = readPrivateKey(privateKeyPem);
  return { modulusBits: modulus.toString(2).length, publicExponent: Number(publicExponent) };
}
