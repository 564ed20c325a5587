/** PEM armour: finding, decoding and writing `-----BEGIN X-----` blocks, and comparing them. */
import { equalBytes } from "./der.ts";
import { TlsError } from "./errors.ts";

/** One PEM block: its label (e.g. "CERTIFICATE"), its DER and its exact text in the input. */
export interface PemBlock {
  label: string;
  der: Uint8Array;
  text: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function decodeBase64(body: string, label: string): Uint8Array {
  // RFC 1421 headers (Proc-Type, DEK-Info) mark OpenSSL's legacy encrypted keys.
  if (body.includes("Proc-Type:") || label === "ENCRYPTED PRIVATE KEY") {
    throw new TlsError("encrypted PEM keys are not supported");
  }
  const compact = body.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new TlsError(`PEM ${label}: invalid base64`);
  }
  const binary = atob(compact);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (bytes.length === 0) throw new TlsError(`PEM ${label}: empty block`);
  return bytes;
}

/** All PEM blocks in a text, in order; text between blocks is ignored. */
export function pemBlocks(text: string): PemBlock[] {
  return Array.from(text.matchAll(BLOCK), (match) => ({
    label: match[1],
    der: decodeBase64(match[2], match[1]),
    text: match[0],
  }));
}

/** The text of each PEM block in `text` (e.g. a `tls.crt` bundle), in order. */
export function splitPemBlocks(text: string): string[] {
  return Array.from(text.matchAll(BLOCK), (match) => match[0]);
}

/** The first block with one of the labels; a TlsError says what was expected otherwise. */
export function pemToDer(pem: string, labels: readonly string[]): PemBlock {
  if (typeof pem !== "string") throw new TlsError(`expected PEM ${labels.join(" or ")}`);
  const blocks = pemBlocks(pem);
  const block = blocks.find((candidate) => labels.includes(candidate.label));
  if (block) return block;
  const found = blocks.map((candidate) => candidate.label).join(", ");
  throw new TlsError(
    `expected PEM ${labels.join(" or ")}, found ${found ? `only ${found}` : "no PEM block"}`,
  );
}

/** PEM text with 64-character lines and no trailing newline (the libraries' stripped form). */
export function derToPem(der: Uint8Array, label: string): string {
  let binary = "";
  for (let i = 0; i < der.length; i += 0x8000) {
    binary += String.fromCharCode(...der.subarray(i, i + 0x8000));
  }
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join("\n");
}

/**
 * Whether two PEM texts hold the same blocks (labels and DER), whatever their line wrapping,
 * surrounding whitespace or trailing newline. Undecodable text falls back to comparing it with
 * whitespace removed, so a garbage value still equals itself and nothing else.
 */
export function samePem(a: string, b: string): boolean {
  try {
    const left = pemBlocks(a);
    const right = pemBlocks(b);
    if (left.length > 0 && right.length > 0) {
      return left.length === right.length &&
        left.every((block, i) =>
          block.label === right[i].label && equalBytes(block.der, right[i].der)
        );
    }
  } catch {
    // Undecodable base64: compare the raw text below.
  }
  return a.replace(/\s+/g, "") === b.replace(/\s+/g, "");
}
