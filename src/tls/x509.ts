/** X.509 pieces shared by CSRs and certificates: names, extensions, SANs, IPs and signatures. */
import {
  booleanOf,
  type Bytes,
  childrenOf,
  contextTag,
  type Der,
  encode,
  ia5String,
  objectId,
  octetString,
  oidOf,
  readDer,
  sequence,
  sequenceOf,
  set,
  stringOf,
  Tag,
  utf8String,
} from "./der.ts";
import { TlsError } from "./errors.ts";
import { RSA_ENCRYPTION_OID } from "./keys.ts";

export const OID = {
  commonName: "2.5.4.3",
  x500UniqueIdentifier: "2.5.4.45",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  extensionRequest: "1.2.840.113549.1.9.14",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  rsaEncryption: RSA_ENCRYPTION_OID,
} as const;

/** RSA PKCS#1 v1.5 signature algorithms we can verify, by OID, with their hash. */
const RSA_SIGNATURES: Record<string, string> = {
  "1.2.840.113549.1.1.5": "SHA-1",
  "1.2.840.113549.1.1.11": "SHA-256",
  "1.2.840.113549.1.1.12": "SHA-384",
  "1.2.840.113549.1.1.13": "SHA-512",
};

/** One attribute of a distinguished name, in encoding order. */
export interface NameAttribute {
  oid: string;
  value: string;
}

/** A Name (RFC 5280 §4.1.2.4) as its attributes, RDN by RDN. */
export function readName(node: Der | undefined): NameAttribute[] {
  return sequenceOf(node, "a Name").flatMap((rdn) =>
    childrenOf(rdn).map((attribute) => {
      const [type, value] = sequenceOf(attribute, "an AttributeTypeAndValue");
      return { oid: oidOf(type), value: stringOf(value) };
    })
  );
}

/** The first value of an attribute type in a name, as the library reads CN. */
export const nameValue = (name: NameAttribute[], oid: string): string | null =>
  name.find((attribute) => attribute.oid === oid)?.value ?? null;

/** A Name with one attribute per RDN, values as UTF8String (as Python's cryptography writes). */
export function writeName(attributes: NameAttribute[]): Bytes {
  return sequence(
    ...attributes.map(({ oid, value }) => set(sequence(objectId(oid), utf8String(value)))),
  );
}

/** One Extension (RFC 5280 §4.1.2.9); a false `critical` is left out, as DER requires. */
export function writeExtension(oid: string, critical: boolean, value: Uint8Array): Bytes {
  return critical
    ? sequence(objectId(oid), encode(Tag.boolean, new Uint8Array([0xff])), octetString(value))
    : sequence(objectId(oid), octetString(value));
}

/** Extensions by OID with their criticality and inner DER. */
export function readExtensions(
  node: Der | undefined,
): Map<string, { critical: boolean; value: Uint8Array }> {
  const extensions = new Map<string, { critical: boolean; value: Uint8Array }>();
  for (const extension of sequenceOf(node, "Extensions")) {
    const fields = sequenceOf(extension, "an Extension");
    const oid = oidOf(fields[0]);
    const critical = fields.length === 3 ? booleanOf(fields[1]) : false;
    const value = fields[fields.length - 1];
    if (value?.tag !== Tag.octetString) throw new TlsError(`malformed extension ${oid}`);
    if (extensions.has(oid)) throw new TlsError(`duplicate extension ${oid}`);
    extensions.set(oid, { critical, value: value.value });
  }
  return extensions;
}

/** The DNS names and IP addresses of a SubjectAltName value; other name kinds are skipped. */
export function readSubjectAltName(
  value: Uint8Array,
): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const name of childrenOf(readDer(value))) {
    if (name.tag === contextTag(2, false)) dnsNames.push(stringOf({ ...name, tag: Tag.ia5String }));
    else if (name.tag === contextTag(7, false)) ipAddresses.push(formatIp(name.value));
  }
  return { dnsNames, ipAddresses };
}

/** A SubjectAltName value: IP addresses, then DNS names (the library's order). */
export function writeSubjectAltName(dnsNames: string[], ipAddresses: string[]): Bytes {
  return sequence(
    ...ipAddresses.map((ip) => encode(contextTag(7, false), parseIp(ip))),
    ...dnsNames.map((name) => ia5String(name, contextTag(2, false))),
  );
}

/** Whether the BasicConstraints extension, if any, says this is a CA. */
export function isCaExtension(value: Uint8Array | undefined): boolean {
  if (!value) return false;
  const [first] = sequenceOf(readDer(value), "BasicConstraints");
  return first?.tag === Tag.boolean ? booleanOf(first) : false;
}

/** IPv4 or IPv6 text as the 4 or 16 bytes of an iPAddress name; a TlsError for anything else. */
export function parseIp(text: string): Uint8Array {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = parseIpv6(text);
  if (v6) return v6;
  throw new TlsError(`not an IP address: ${JSON.stringify(text)}`);
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  // Leading zeros are refused, as Python's ipaddress does: they are ambiguous (octal or decimal).
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) < 256)) {
    return null;
  }
  return new Uint8Array(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  // A dotted quad at the very end stands for the last two groups.
  const lastPart = halves.length === 2 ? tail : head;
  let v4: Uint8Array | null = null;
  if (lastPart.at(-1)?.includes(".")) {
    v4 = parseIpv4(lastPart.pop() ?? "");
    if (!v4) return null;
  }
  const words: number[] = [];
  for (const group of [...head, ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
  }
  const explicit = head.length + tail.length + (v4 ? 2 : 0);
  if (halves.length === 2 ? explicit > 7 : explicit !== 8) return null;
  words.push(...head.map((g) => parseInt(g, 16)));
  if (halves.length === 2) words.push(...new Array<number>(8 - explicit).fill(0));
  words.push(...tail.map((g) => parseInt(g, 16)));
  if (v4) words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

/** IP bytes as text: dotted IPv4, or IPv6 in RFC 5952 form (like Python's `ipaddress`). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.length !== 16) throw new TlsError(`IP address of ${bytes.length} bytes`);
  const words = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  // The longest run (the first among equals) of two or more zero groups becomes "::".
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = words.map((word) => word.toString(16));
  if (best.start < 0) return hex.join(":");
  const left = hex.slice(0, best.start).join(":");
  const right = hex.slice(best.start + best.length).join(":");
  return `${left}::${right}`;
}

/**
 * Verifies a signature made by the key in `spki` over `data`. Only RSA PKCS#1 v1.5 signatures
 * (SHA-1/256/384/512) are checked, the kind our keys and test CAs make; others give false.
 */
export async function verifySignature(
  spki: Uint8Array,
  algorithmOid: string,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const hash = RSA_SIGNATURES[algorithmOid];
  if (!hash) return false;
  try {
    const algorithm = { name: "RSASSA-PKCS1-v1_5", hash };
    // Copies: WebCrypto wants plain ArrayBuffer-backed views, and these may be sub-views.
    const key = await crypto.subtle.importKey("spki", new Uint8Array(spki), algorithm, false, [
      "verify",
    ]);
    return await crypto.subtle.verify(
      algorithm,
      key,
      new Uint8Array(signature),
      new Uint8Array(data),
    );
  } catch {
    // A key WebCrypto refuses (not RSA, malformed) cannot have made a valid signature.
    return false;
  }
}
