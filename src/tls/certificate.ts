/** Reading issued certificates and putting the provider's chain in the order the Gateway needs. */
import {
  bitStringBytes,
  bytesToHex,
  type Der,
  integerOf,
  oidOf,
  readDer,
  sequenceOf,
  timeOf,
} from "./der.ts";
import { TlsError } from "./errors.ts";
import { publicKeyOf, rsaPublicNumbers } from "./keys.ts";
import { pemToDer } from "./pem.ts";
import {
  isCaExtension,
  type NameAttribute,
  nameValue,
  OID,
  readExtensions,
  readName,
  readSubjectAltName,
  verifySignature,
} from "./x509.ts";

export { samePem, splitPemBlocks } from "./pem.ts";

/** What the charm needs from a certificate. */
export interface ParsedCertificate {
  commonName: string | null;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  /** BasicConstraints cA (false when the extension is absent). */
  isCa: boolean;
  /** SubjectPublicKeyInfo DER. */
  publicKey: Uint8Array;
  /** Lowercase hex, no leading zero byte (as openssl prints it, without colons). */
  serialNumber: string;
  issuerCommonName: string | null;
  subject: NameAttribute[];
  issuer: NameAttribute[];
  signatureAlgorithm: string;
}

interface CertificateParts {
  parsed: ParsedCertificate;
  tbs: Der;
  signature: Uint8Array;
}

function readCertificate(pem: string): CertificateParts {
  const { der } = pemToDer(pem, ["CERTIFICATE"]);
  try {
    const [tbs, algorithm, signature] = sequenceOf(readDer(der), "a Certificate");
    const fields = sequenceOf(tbs, "a TBSCertificate");
    // The version is an optional [0] EXPLICIT field before the serial number.
    const rest = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
    const [serial, , issuerNode, validity, subjectNode, spki, ...optional] = rest;
    integerOf(serial);
    const [notBefore, notAfter] = sequenceOf(validity, "a Validity");
    sequenceOf(spki, "a SubjectPublicKeyInfo");
    const extensionsNode = optional.find((node) => node.tag === 0xa3);
    const extensions = extensionsNode
      ? readExtensions(readDer(extensionsNode.value))
      : new Map<string, { critical: boolean; value: Uint8Array }>();
    const san = extensions.get(OID.subjectAltName);
    const { dnsNames, ipAddresses } = san
      ? readSubjectAltName(san.value)
      : { dnsNames: [], ipAddresses: [] };
    const subject = readName(subjectNode);
    const issuer = readName(issuerNode);
    let serialBytes = serial.value;
    while (serialBytes.length > 1 && serialBytes[0] === 0) serialBytes = serialBytes.subarray(1);
    return {
      parsed: {
        commonName: nameValue(subject, OID.commonName),
        dnsNames,
        ipAddresses,
        notBefore: timeOf(notBefore),
        notAfter: timeOf(notAfter),
        isCa: isCaExtension(extensions.get(OID.basicConstraints)?.value),
        publicKey: spki.bytes,
        serialNumber: bytesToHex(serialBytes),
        issuerCommonName: nameValue(issuer, OID.commonName),
        subject,
        issuer,
        signatureAlgorithm: oidOf(sequenceOf(algorithm, "an AlgorithmIdentifier")[0]),
      },
      tbs,
      signature: bitStringBytes(signature),
    };
  } catch (error) {
    // Malformed input can also surface as a TypeError deep in the reader: it is still bad input.
    const message = error instanceof Error ? error.message : String(error);
    throw new TlsError(`invalid certificate: ${message}`);
  }
}

/** Parses the first `CERTIFICATE` block of a PEM text; a TlsError for anything else. */
export function parseCertificate(pem: string): Promise<ParsedCertificate> {
  try {
    return Promise.resolve(readCertificate(pem).parsed);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Whether `issuerPem`'s key signed `certificatePem` (RSA signatures only; others: false). */
export async function verifyIssuedBy(certificatePem: string, issuerPem: string): Promise<boolean> {
  const certificate = readCertificate(certificatePem);
  const issuer = readCertificate(issuerPem).parsed;
  return await verifySignature(
    issuer.publicKey,
    certificate.parsed.signatureAlgorithm,
    certificate.tbs.bytes,
    certificate.signature,
  );
}

/**
 * Whether a public key (SubjectPublicKeyInfo DER, e.g. from a CSR or certificate) belongs to the
 * PEM private key. RSA numbers are compared rather than bytes, so an equivalent encoding still
 * matches; a public key of another type, or malformed, does not match.
 */
export async function keyMatches(
  privateKeyPem: string,
  publicKeyDer: Uint8Array,
): Promise<boolean> {
  const ours = rsaPublicNumbers(await publicKeyOf(privateKeyPem));
  let theirs: ReturnType<typeof rsaPublicNumbers>;
  try {
    theirs = rsaPublicNumbers(publicKeyDer);
  } catch {
    return false;
  }
  return ours !== null && theirs !== null && ours.modulus === theirs.modulus &&
    ours.publicExponent === theirs.publicExponent;
}

// Re-exported so a caller holding only this module can tell our errors apart.
export { TlsError };
