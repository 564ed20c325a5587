/**
 * A provider's certificate entry as the charm keeps and serves it. Its text comes from another
 * team's charm: only the CERTIFICATE blocks that parse as X.509 certificates go on, each as the
 * provider wrote it, and sizes are bounded before anything reaches a Juju secret (8 KiB a value),
 * a Kubernetes Secret (1 MiB) or an action result (128 KiB an argument).
 */
import { parseCertificate } from "./certificate.ts";
import { pemBlocks, samePem } from "./pem.ts";

/** The certificates a chain may hold (a real one has 2–4, the leaf included). */
export const MAX_CHAIN = 10;
/** The most bytes the leaf may take: Juju keeps it in a secret, whose values hold 8 KiB. */
export const MAX_LEAF_BYTES = 8 * 1024;
/** The most bytes the leaf, CA and chain may take together. */
export const MAX_BUNDLE_BYTES = 64 * 1024;

export interface CertificateTexts {
  readonly certificate: string;
  readonly ca: string;
  readonly chain: readonly string[];
}

export type CleanedTexts<T extends CertificateTexts> =
  | { readonly entry: T; readonly dropped: readonly string[] }
  | { readonly error: string };

/** The text of each block of `text` that is a certificate, in order, with why others are not. */
export async function certificateBlocks(
  text: string,
  field: string,
): Promise<{ blocks: string[]; dropped: string[] }> {
  const blocks: string[] = [];
  const dropped: string[] = [];
  let found;
  try {
    found = pemBlocks(text);
  } catch (error) {
    return { blocks, dropped: [`${field}: ${(error as Error).message}`] };
  }
  for (const block of found) {
    if (block.label !== "CERTIFICATE") {
      dropped.push(`${field}: a ${block.label} block is not a certificate`);
      continue;
    }
    try {
      await parseCertificate(block.text);
      blocks.push(block.text);
    } catch (error) {
      dropped.push(`${field}: ${(error as Error).message}`);
    }
  }
  if (found.length === 0 && text.trim() !== "") dropped.push(`${field}: no PEM block`);
  return { blocks, dropped };
}

export const bytes = (text: string) => new TextEncoder().encode(text).length;

/**
 * `entry` with its certificate cut to its first certificate block, its CA to its first, and
 * its chain to the certificates it holds (each once), with what was left out; or why it cannot
 * be served at all. A certificate field without a certificate is left as it is: the decision
 * finds it unusable.
 */
export async function cleanCertificateTexts<T extends CertificateTexts>(
  entry: T,
): Promise<CleanedTexts<T>> {
  const leaf = await certificateBlocks(entry.certificate, "certificate");
  if (leaf.blocks.length === 0) return { entry, dropped: [] };
  const certificate = leaf.blocks[0];
  const ca = await certificateBlocks(entry.ca, "ca");
  const chain: string[] = [];
  const dropped = [...ca.dropped];
  for (const [index, text] of entry.chain.entries()) {
    const found = await certificateBlocks(text, `chain[${index}]`);
    dropped.push(...found.dropped);
    for (const block of found.blocks) {
      if (!chain.some((kept) => samePem(kept, block))) chain.push(block);
    }
  }
  if (bytes(certificate) > MAX_LEAF_BYTES) {
    return {
      error: `its certificate takes ${bytes(certificate)} bytes, more than ${MAX_LEAF_BYTES}`,
    };
  }
  if (chain.length > MAX_CHAIN) {
    return { error: `its chain holds ${chain.length} certificates, more than ${MAX_CHAIN}` };
  }
  const cleaned = { ...entry, certificate, ca: ca.blocks[0] ?? "", chain };
  const total = bytes(certificate) + bytes(cleaned.ca) +
    chain.reduce((sum, text) => sum + bytes(text), 0);
  if (total > MAX_BUNDLE_BYTES) {
    return {
      error: `its certificate, CA and chain take ${total} bytes, more than ${MAX_BUNDLE_BYTES}`,
    };
  }
  return { entry: cleaned, dropped };
}
