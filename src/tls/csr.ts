/** Certificate signing requests (PKCS#10, RFC 2986) as the tls-certificates library writes them. */
import {
  bitString,
  bitStringBytes,
  childrenOf,
  contextTag,
  encode,
  integer,
  integerOf,
  nullValue,
  objectId,
  oidOf,
  readDer,
  sequence,
  sequenceOf,
  set,
} from "./der.ts";
import { TlsError } from "./errors.ts";
import { importPrivateKey, publicKeyOf, RSA_SHA256 } from "./keys.ts";
import { derToPem, pemToDer } from "./pem.ts";
import {
  type NameAttribute,
  nameValue,
  OID,
  readExtensions,
  readName,
  readSubjectAltName,
  verifySignature,
  writeExtension,
  writeName,
  writeSubjectAltName,
} from "./x509.ts";

const CSR_LABELS = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"] as const;

/** What a CSR asks for. */
export interface CsrRequest {
  commonName: string;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
}

/** What parsing a CSR tells: the request, the key it is for and whether its signature holds. */
export interface ParsedCsr {
  commonName: string | null;
  dnsNames: string[];
  ipAddresses: string[];
  /** Whether the subject carries an x500UniqueIdentifier (the library adds one by default). */
  hasUniqueId: boolean;
  uniqueId: string | null;
  /** Every subject attribute, in order. */
  subject: NameAttribute[];
  /** SubjectPublicKeyInfo DER. */
  publicKey: Uint8Array;
  /** OID of the signature algorithm (1.2.840.113549.1.1.11 for SHA-256 with RSA). */
  signatureAlgorithm: string;
  /** Whether the CSR is signed by its own key (only RSA signatures are checked; others: false). */
  signatureValid: boolean;
}

/**
 * A PEM CSR (stripped, no trailing newline) for the request, signed SHA-256 with the RSA key.
 * Like the library's `CertificateSigningRequest.generate` with default options: subject CN then
 * an x500UniqueIdentifier holding a fresh UUIDv4, so two CSRs for the same request always
 * differ (a renewal is then a new CSR with the same key); a non-critical SubjectAltName with
 * the IP addresses and DNS names when there are any.
 */
export async function createCsr(privateKeyPem: string, request: CsrRequest): Promise<string> {
  const { commonName } = request;
  const dnsNames = request.dnsNames ?? [];
  const ipAddresses = request.ipAddresses ?? [];
  // RFC 5280's ub-common-name; Python's cryptography refuses a longer CN too.
  const cnBytes = new TextEncoder().encode(commonName).length;
  if (cnBytes < 1 || cnBytes > 64) {
    throw new TlsError(`common name must be 1 to 64 bytes long: ${JSON.stringify(commonName)}`);
  }
  const keys = await importPrivateKey(privateKeyPem);
  const subject = writeName([
    { oid: OID.commonName, value: commonName },
    { oid: OID.x500UniqueIdentifier, value: crypto.randomUUID() },
  ]);
  const extensions = dnsNames.length || ipAddresses.length
    ? [
      writeExtension(
        OID.subjectAltName,
        false,
        writeSubjectAltName([...dnsNames], [...ipAddresses]),
      ),
    ]
    : [];
  const attributes = extensions.length
    ? [sequence(objectId(OID.extensionRequest), set(sequence(...extensions)))]
    : [];
  const info = sequence(
    integer(0n),
    subject,
    await publicKeyOf(privateKeyPem),
    encode(contextTag(0, true), ...attributes),
  );
  const signature = await crypto.subtle.sign(RSA_SHA256, keys.privateKey, info);
  const csr = sequence(
    info,
    sequence(objectId(OID.sha256WithRsa), nullValue()),
    bitString(new Uint8Array(signature)),
  );
  return derToPem(csr, "CERTIFICATE REQUEST");
}

/** Reads a PEM CSR back; a TlsError for anything that is not one. */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  const { der } = pemToDer(pem, CSR_LABELS);
  try {
    const [info, algorithm, signature] = sequenceOf(readDer(der), "a CertificationRequest");
    const [version, subjectNode, spki, attributes] = sequenceOf(info, "a CertificationRequestInfo");
    if (integerOf(version) !== 0n) throw new TlsError("unsupported CSR version");
    const subject = readName(subjectNode);
    sequenceOf(spki, "a SubjectPublicKeyInfo");
    const publicKey = spki.bytes;
    let dnsNames: string[] = [];
    let ipAddresses: string[] = [];
    if (attributes?.tag !== contextTag(0, true)) throw new TlsError("CSR without attributes");
    for (const attribute of childrenOf(attributes)) {
      const [type, values] = sequenceOf(attribute, "an Attribute");
      if (oidOf(type) !== OID.extensionRequest) continue;
      const san = readExtensions(childrenOf(values)[0]).get(OID.subjectAltName);
      if (san) ({ dnsNames, ipAddresses } = readSubjectAltName(san.value));
    }
    const signatureAlgorithm = oidOf(sequenceOf(algorithm, "an AlgorithmIdentifier")[0]);
    const uniqueId = nameValue(subject, OID.x500UniqueIdentifier);
    return {
      commonName: nameValue(subject, OID.commonName),
      dnsNames,
      ipAddresses,
      hasUniqueId: uniqueId !== null,
      uniqueId,
      subject,
      publicKey,
      signatureAlgorithm,
      signatureValid: await verifySignature(
        publicKey,
        signatureAlgorithm,
        info.bytes,
        bitStringBytes(signature),
      ),
    };
  } catch (error) {
    // Malformed input can also surface as a TypeError deep in the reader: it is still bad input.
    throw new TlsError(`invalid CSR: ${error instanceof Error ? error.message : String(error)}`);
  }
}
