/** Minimal ASN.1 DER reader and writer: just the types X.509 keys, CSRs and certificates use. */
import { TlsError } from "./errors.ts";

/** Universal and context tags (whole identifier octets) used by the TLS module. */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  objectId: 0x06,
  utf8String: 0x0c,
  numericString: 0x12,
  printableString: 0x13,
  t61String: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  visibleString: 0x1a,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Bytes backed by a plain ArrayBuffer, as WebCrypto's BufferSource parameters require. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** One decoded element: its identifier octet, the whole encoding and the contents. */
export interface Der {
  tag: number;
  /** The complete TLV, e.g. to re-embed or compare an element byte for byte. */
  bytes: Uint8Array;
  value: Uint8Array;
}

function readAt(buffer: Uint8Array, offset: number): { node: Der; end: number } {
  if (offset + 2 > buffer.length) throw new TlsError("DER: truncated element");
  const tag = buffer[offset];
  // High tag numbers (0x1f) never occur in the structures this module reads.
  if ((tag & 0x1f) === 0x1f) throw new TlsError("DER: unsupported high tag number");
  let length = buffer[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; 4 bytes of length are plenty here.
    if (count === 0 || count > 4) throw new TlsError("DER: unsupported length encoding");
    if (offset + 2 + count > buffer.length) throw new TlsError("DER: truncated length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buffer[offset + 2 + i];
    header += count;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new TlsError("DER: element longer than its container");
  return {
    node: {
      tag,
      bytes: buffer.subarray(offset, end),
      value: buffer.subarray(offset + header, end),
    },
    end,
  };
}

/** Decodes exactly one element; trailing bytes are an error (they would hide tampering). */
export function readDer(bytes: Uint8Array): Der {
  const { node, end } = readAt(bytes, 0);
  if (end !== bytes.length) throw new TlsError("DER: trailing bytes after element");
  return node;
}

/** The elements inside a constructed element (SEQUENCE, SET, [n] constructed). */
export function childrenOf(node: Der | undefined): Der[] {
  if (!node || !(node.tag & 0x20)) throw new TlsError("DER: expected a constructed element");
  const children: Der[] = [];
  let offset = 0;
  while (offset < node.value.length) {
    const { node: child, end } = readAt(node.value, offset);
    children.push(child);
    offset = end;
  }
  return children;
}

/** Checks the tag of an element, naming what was expected in the error. */
export function expectTag(node: Der | undefined, tag: number, what: string): Der {
  if (!node || node.tag !== tag) throw new TlsError(`DER: expected ${what}`);
  return node;
}

/** A SEQUENCE's children, with the expected name in the error when it is something else. */
export function sequenceOf(node: Der | undefined, what: string): Der[] {
  return childrenOf(expectTag(node, Tag.sequence, what));
}

export function oidOf(node: Der | undefined): string {
  const { value } = expectTag(node, Tag.objectId, "an OBJECT IDENTIFIER");
  if (value.length === 0) throw new TlsError("DER: empty OBJECT IDENTIFIER");
  const arcs: bigint[] = [];
  let current = 0n;
  for (const byte of value) {
    current = (current << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(current);
      current = 0n;
    }
  }
  if (value[value.length - 1] & 0x80) throw new TlsError("DER: truncated OBJECT IDENTIFIER");
  const first = arcs[0];
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join(".");
}

export function integerOf(node: Der | undefined): bigint {
  const { value } = expectTag(node, Tag.integer, "an INTEGER");
  if (value.length === 0) throw new TlsError("DER: empty INTEGER");
  let result = 0n;
  for (const byte of value) result = (result << 8n) | BigInt(byte);
  // Two's complement: a set top bit means a negative number.
  if (value[0] & 0x80) result -= 1n << BigInt(value.length * 8);
  return result;
}

export function booleanOf(node: Der | undefined): boolean {
  const { value } = expectTag(node, Tag.boolean, "a BOOLEAN");
  if (value.length !== 1) throw new TlsError("DER: malformed BOOLEAN");
  return value[0] !== 0;
}

/** The bytes of a BIT STRING that holds whole octets (keys, signatures, DER payloads). */
export function bitStringBytes(node: Der | undefined): Uint8Array {
  const { value } = expectTag(node, Tag.bitString, "a BIT STRING");
  if (value.length === 0 || value[0] !== 0) {
    throw new TlsError("DER: unexpected BIT STRING padding");
  }
  return value.subarray(1);
}

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** The text of any ASN.1 string type that certificates use for names. */
export function stringOf(node: Der | undefined): string {
  if (!node) throw new TlsError("DER: expected a string");
  const { tag, value } = node;
  switch (tag) {
    case Tag.utf8String:
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(value);
      } catch {
        throw new TlsError("DER: invalid UTF8String");
      }
    case Tag.printableString:
    case Tag.ia5String:
    case Tag.numericString:
    case Tag.visibleString:
    case Tag.t61String:
      return latin1(value);
    case Tag.bmpString: {
      let text = "";
      for (let i = 0; i + 1 < value.length; i += 2) {
        text += String.fromCharCode((value[i] << 8) | value[i + 1]);
      }
      return text;
    }
    case Tag.universalString: {
      let text = "";
      for (let i = 0; i + 3 < value.length; i += 4) {
        const code =
          ((value[i] << 24) | (value[i + 1] << 16) | (value[i + 2] << 8) | value[i + 3]) >>>
          0;
        text += String.fromCodePoint(code);
      }
      return text;
    }
    default:
      throw new TlsError(`DER: tag 0x${tag.toString(16)} is not a string type`);
  }
}

/** UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5) as a Date. */
export function timeOf(node: Der | undefined): Date {
  if (!node) throw new TlsError("DER: expected a time");
  const text = latin1(node.value);
  let match: RegExpMatchArray | null;
  let year: number;
  if (node.tag === Tag.utcTime) {
    match = text.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/);
    if (!match) throw new TlsError(`DER: malformed UTCTime ${JSON.stringify(text)}`);
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (node.tag === Tag.generalizedTime) {
    match = text.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/);
    if (!match) throw new TlsError(`DER: malformed GeneralizedTime ${JSON.stringify(text)}`);
    year = Number(match[1]);
  } else {
    throw new TlsError("DER: expected UTCTime or GeneralizedTime");
  }
  const millis = match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0;
  const date = new Date(0);
  date.setUTCFullYear(year, Number(match[2]) - 1, Number(match[3]));
  date.setUTCHours(Number(match[4]), Number(match[5]), Number(match[6] ?? 0), millis);
  return date;
}

// --- writing ---

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** One TLV with the given identifier octet around the concatenated contents. */
export function encode(tag: number, ...contents: Uint8Array[]): Bytes {
  const length = contents.reduce((sum, part) => sum + part.length, 0);
  const header = [tag, ...lengthBytes(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let offset = header.length;
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const sequence = (...items: Uint8Array[]): Bytes => encode(Tag.sequence, ...items);

/** A SET OF: DER orders the encodings of its members (X.690 §11.6). */
export function set(...items: Uint8Array[]): Bytes {
  const sorted = [...items].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return a[i] - b[i];
    }
    return a.length - b.length;
  });
  return encode(Tag.set, ...sorted);
}

/** A non-negative INTEGER, minimally encoded with a leading zero when the top bit is set. */
export function integer(value: bigint | Uint8Array): Bytes {
  let bytes: Uint8Array;
  if (typeof value === "bigint") {
    if (value < 0n) throw new TlsError("DER: negative integers are not written");
    let hex = value.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    bytes = hexToBytes(hex);
  } else {
    bytes = value;
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = new Uint8Array([0]);
  return bytes[0] & 0x80
    ? encode(Tag.integer, new Uint8Array([0]), bytes)
    : encode(Tag.integer, bytes);
}

function base128(arc: bigint): number[] {
  const out = [Number(arc & 0x7fn)];
  for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) out.unshift(Number(rest & 0x7fn) | 0x80);
  return out;
}

export function objectId(dotted: string): Bytes {
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new TlsError(`DER: bad OID ${dotted}`);
  const arcs = dotted.split(".").map(BigInt);
  const bytes = [...base128(arcs[0] * 40n + arcs[1]), ...arcs.slice(2).flatMap(base128)];
  return encode(Tag.objectId, new Uint8Array(bytes));
}

export const utf8String = (text: string): Bytes =>
  encode(Tag.utf8String, new TextEncoder().encode(text));

export function ia5String(text: string, tag: number = Tag.ia5String): Bytes {
  // deno-lint-ignore no-control-regex
  if (!/^[\x00-\x7f]*$/.test(text)) throw new TlsError(`not an ASCII string: ${text}`);
  return encode(tag, new TextEncoder().encode(text));
}

export const octetString = (bytes: Uint8Array): Bytes => encode(Tag.octetString, bytes);
export const bitString = (bytes: Uint8Array): Bytes =>
  encode(Tag.bitString, new Uint8Array([0]), bytes);
export const nullValue = (): Bytes => encode(Tag.null);
export const boolean = (value: boolean): Bytes =>
  encode(Tag.boolean, new Uint8Array([value ? 0xff : 0]));

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; whole seconds, UTC. */
export function time(date: Date): Bytes {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new TlsError(`year ${year} cannot be written`);
  return year >= 1950 && year < 2050
    ? encode(Tag.utcTime, new TextEncoder().encode(`${digits.slice(2)}Z`))
    : encode(Tag.generalizedTime, new TextEncoder().encode(`${digits}Z`));
}

/** Context-specific tag number n, constructed (explicit or implicit SEQUENCE) or primitive. */
export const contextTag = (n: number, constructed: boolean): number =>
  (constructed ? 0xa0 : 0x80) | n;

export function hexToBytes(hex: string): Bytes {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const bytesToHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
