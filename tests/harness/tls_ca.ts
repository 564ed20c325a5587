/** Throw-away test CA playing the tls-certificates provider: signs our CSRs, hands out chains. */
import {
  bitString,
  type Bytes,
  contextTag,
  encode,
  integer,
  nullValue,
  objectId,
  octetString,
  readDer,
  sequence,
  sequenceOf,
  time,
} from "../../src/tls/der.ts";
import { TlsError } from "../../src/tls/errors.ts";
import { generatePrivateKey, importPrivateKey, publicKeyOf } from "../../src/tls/keys.ts";
import { derToPem } from "../../src/tls/pem.ts";
import { parseCsr } from "../../src/tls/csr.ts";
import {
  type NameAttribute,
  OID,
  writeExtension,
  writeName,
  writeSubjectAltName,
} from "../../src/tls/x509.ts";

export interface SignOptions {
  /** Validity in days from notBefore (default 90). */
  validityDays?: number;
  /** Start of validity (default now). */
  notBefore?: Date;
  /**
   * What the certificate is for (its extended key usage): a TLS server (default) or a TLS client.
   * A Kubernetes API server takes a client certificate only for client authentication.
   */
  usage?: "server" | "client";
}

/** One entry of the provider's `certificates` list, as the v4 provider writes it. */
export interface ProviderCertificate {
  ca: string;
  certificate_signing_request: string;
  certificate: string;
  chain: string[];
}

export interface TestCa {
  commonName: string;
  /** This CA's certificate. */
  caPem: string;
  /** This CA's private key (PKCS#1 PEM). */
  keyPem: string;
  /** Issues a leaf certificate for a CSR (after checking its signature). */
  sign(csrPem: string, options?: SignOptions): Promise<string>;
  /** The chain for a certificate this CA issued, leaf first: [leaf, this CA, …, root]. */
  chainFor(certificatePem: string): string[];
  /** `sign` plus the relation entry the provider would publish for it. */
  issue(csrPem: string, options?: SignOptions): Promise<ProviderCertificate>;
  /** A CA signed by this one, whose leaves chain through it. */
  intermediate(options?: { commonName?: string }): Promise<TestCa>;
}

const DAY = 86_400_000;

function randomSerial(): Bytes {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // positive
  bytes[0] |= 0x01; // never a leading zero byte to strip
  return bytes;
}

/** SHA-1 of the subjectPublicKey bits: the RFC 5280 §4.2.1.2 method (1) key identifier. */
async function keyIdentifier(spki: Uint8Array): Promise<Bytes> {
  const [, key] = sequenceOf(readDer(spki), "SubjectPublicKeyInfo");
  return new Uint8Array(await crypto.subtle.digest("SHA-1", new Uint8Array(key.value.subarray(1))));
}

interface Issuer {
  name: Bytes;
  keyPem: string;
  keyId: Bytes;
}

async function buildCertificate(options: {
  subject: Bytes;
  spki: Uint8Array;
  issuer: Issuer | null;
  keyPem: string;
  isCa: boolean;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore: Date;
  validityDays: number;
  usage?: SignOptions["usage"];
}): Promise<string> {
  const keyId = await keyIdentifier(options.spki);
  const issuer = options.issuer ?? { name: options.subject, keyPem: options.keyPem, keyId };
  const notAfter = new Date(options.notBefore.getTime() + options.validityDays * DAY);
  const extensions = [
    writeExtension(OID.authorityKeyIdentifier, false, sequence(encode(0x80, issuer.keyId))),
    writeExtension(OID.subjectKeyIdentifier, false, octetString(keyId)),
    // cA TRUE, or the empty SEQUENCE that DER makes of cA FALSE.
    writeExtension(
      OID.basicConstraints,
      true,
      options.isCa ? sequence(encode(0x01, new Uint8Array([0xff]))) : sequence(),
    ),
    // keyCertSign + cRLSign for a CA; digitalSignature + keyEncipherment for a leaf.
    writeExtension(
      OID.keyUsage,
      true,
      options.isCa
        ? encode(0x03, new Uint8Array([1, 0x06]))
        : encode(0x03, new Uint8Array([5, 0xa0])),
    ),
  ];
  if (!options.isCa) {
    const purpose = options.usage === "client" ? OID.clientAuth : OID.serverAuth;
    extensions.push(writeExtension(OID.extKeyUsage, false, sequence(objectId(purpose))));
  }
  const dnsNames = options.dnsNames ?? [];
  const ipAddresses = options.ipAddresses ?? [];
  if (dnsNames.length || ipAddresses.length) {
    extensions.push(
      writeExtension(OID.subjectAltName, false, writeSubjectAltName(dnsNames, ipAddresses)),
    );
  }
  const algorithm = sequence(objectId(OID.sha256WithRsa), nullValue());
  const tbs = sequence(
    encode(contextTag(0, true), integer(2n)),
    integer(randomSerial()),
    algorithm,
    issuer.name,
    sequence(time(options.notBefore), time(notAfter)),
    options.subject,
    options.spki,
    encode(contextTag(3, true), sequence(...extensions)),
  );
  const { privateKey } = await importPrivateKey(issuer.keyPem);
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", privateKey, tbs);
  return derToPem(sequence(tbs, algorithm, bitString(new Uint8Array(signature))), "CERTIFICATE");
}

function subjectOf(commonName: string): NameAttribute[] {
  // A unique id like the self-signed-certificates operator's CA subject.
  return [
    { oid: OID.commonName, value: commonName },
    { oid: OID.x500UniqueIdentifier, value: crypto.randomUUID() },
  ];
}

async function makeCa(
  commonName: string,
  parent: { issuer: Issuer; chain: string[] } | null,
): Promise<TestCa> {
  const keyPem = await generatePrivateKey();
  const spki = await publicKeyOf(keyPem);
  const name = writeName(subjectOf(commonName));
  const caPem = await buildCertificate({
    subject: name,
    spki,
    issuer: parent?.issuer ?? null,
    keyPem,
    isCa: true,
    notBefore: new Date(Date.now() - DAY),
    validityDays: 3650,
  });
  const self: Issuer = { name, keyPem, keyId: await keyIdentifier(spki) };
  const caChain = [caPem, ...(parent?.chain ?? [])];

  const sign = async (csrPem: string, options: SignOptions = {}): Promise<string> => {
    const csr = await parseCsr(csrPem);
    if (!csr.signatureValid) throw new TlsError("test CA: the CSR's signature does not verify");
    return await buildCertificate({
      subject: writeName(csr.subject),
      spki: csr.publicKey,
      issuer: self,
      keyPem,
      isCa: false,
      dnsNames: csr.dnsNames,
      ipAddresses: csr.ipAddresses,
      notBefore: options.notBefore ?? new Date(),
      validityDays: options.validityDays ?? 90,
      usage: options.usage,
    });
  };
  const chainFor = (certificatePem: string): string[] => [certificatePem, ...caChain];
  return {
    commonName,
    caPem,
    keyPem,
    sign,
    chainFor,
    async issue(csrPem, options) {
      const certificate = await sign(csrPem, options);
      return {
        ca: caPem,
        certificate_signing_request: csrPem,
        certificate,
        chain: chainFor(certificate),
      };
    },
    intermediate: (options = {}) =>
      makeCa(options.commonName ?? `${commonName} intermediate`, { issuer: self, chain: caChain }),
  };
}

/** A new self-signed root CA (RSA-2048, SHA-256), valid from yesterday for ten years. */
export function createTestCa(options: { commonName?: string } = {}): Promise<TestCa> {
  return makeCa(options.commonName ?? "test-ca", null);
}
