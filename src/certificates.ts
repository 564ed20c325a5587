/**
 * The `certificates` relation, requirer side in application mode (wire-compatible with the
 * charmlibs tls-certificates library the Python charm uses): one RSA key in an application-owned
 * Juju secret, one CSR per TLS target in our application databag, each issued certificate kept
 * in a secret that expires at 90% of its validity so `secret-expired` renews it.
 * Loaded only by hooks that have a certificates relation (the X.509 code is the heavy part).
 */
import {
  parseOwnRequests,
  parseProviderCertificates,
  type ProvidedCertificate,
  renderCertificateRequests,
  sameCsr,
} from "./interfaces/tls_certificates.ts";
import {
  CERTIFICATE_LABEL_PREFIX,
  isCertificateSecret,
  PRIVATE_KEY_LABEL,
} from "./certificate_secrets.ts";
import { HookToolError } from "./juju/errors.ts";
import type { HookTools, RelationRef } from "./juju/tools.ts";
import { keyMatches, leafFirstChain, parseCertificate, renewalTime } from "./tls/certificate.ts";
import { createCsr, parseCsr } from "./tls/csr.ts";
import { generatePrivateKey } from "./tls/keys.ts";
import { ipVersion } from "./net.ts";

/** A certificate ready to serve: leaf-first chain PEMs and the private key. */
export interface IssuedCertificate {
  readonly target: string;
  readonly chain: readonly string[];
  readonly privateKey: string;
}

export interface CertificatesOutcome {
  readonly issued: readonly IssuedCertificate[];
  /** Targets still waiting for a certificate. */
  readonly pending: readonly string[];
  /** Provider errors for our requests (denials), as messages. */
  readonly denied: readonly string[];
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text.trim()));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function findSecret(tools: HookTools, label: string): Promise<Record<string, string> | null> {
  try {
    return await tools.secretGet({ label });
  } catch (error) {
    if (error instanceof HookToolError && error.kind === "secret-not-found") return null;
    throw error;
  }
}

/** The application's private key, created once and kept in an application-owned secret. */
async function ensurePrivateKey(tools: HookTools): Promise<string> {
  const existing = await findSecret(tools, PRIVATE_KEY_LABEL);
  if (existing?.["private-key"]) return existing["private-key"];
  const privateKey = await generatePrivateKey();
  await tools.secretAdd({ "private-key": privateKey }, {
    label: PRIVATE_KEY_LABEL,
    description: "Private key for the TLS certificates of the Gateway",
  });
  await tools.log("INFO", "created the private key for TLS certificates");
  return privateKey;
}

/** Logs what a lenient read skipped: the data is not ours to fix, the hook goes on. */
async function warnSkipped(tools: HookTools, what: string, skipped: readonly string[]) {
  for (const message of skipped) {
    await tools.log("WARNING", `${what}: skipped unusable data: ${message}`);
  }
}

/** The provider's data, its unusable parts logged and skipped. */
async function readProvider(tools: HookTools, relation: RelationRef, remoteApp: string) {
  const provided = parseProviderCertificates(await tools.relationGet(relation, remoteApp, true));
  await warnSkipped(tools, `certificates provider ${remoteApp}`, provided.skipped);
  return provided;
}

/** Our own CSRs, entries that do not read logged and left out (they are then rewritten). */
async function readOwnRequests(tools: HookTools, relation: RelationRef, ownApp: string) {
  const own = parseOwnRequests(await tools.relationGet(relation, ownApp, true));
  await warnSkipped(tools, "our certificate requests", own.skipped);
  return own;
}

/** Whether a CSR asks for exactly this target with our key. */
async function csrFits(csr: string, target: string, privateKey: string): Promise<boolean> {
  try {
    const parsed = await parseCsr(csr);
    const ip = ipVersion(target) !== 0;
    const sansMatch = ip
      ? parsed.ipAddresses.length === 1 && parsed.ipAddresses[0] === target &&
        parsed.dnsNames.length === 0
      : parsed.dnsNames.length === 1 && parsed.dnsNames[0] === target &&
        parsed.ipAddresses.length === 0;
    return parsed.commonName === target && sansMatch && parsed.signatureValid &&
      await keyMatches(privateKey, parsed.publicKey);
  } catch {
    return false;
  }
}

/** A usable provider certificate for a target: not revoked, ours, naming the target, in date. */
async function usable(entry: ProvidedCertificate, target: string, privateKey: string, now: Date) {
  if (entry.revoked) return false;
  try {
    const certificate = await parseCertificate(entry.certificate);
    return !certificate.isCa && certificate.commonName === target && certificate.notAfter > now &&
      await keyMatches(privateKey, certificate.publicKey);
  } catch {
    return false;
  }
}

/** Keeps a secret per issued certificate, expiring at 90% of its validity, for renewal. */
async function trackCertificate(
  tools: HookTools,
  entry: ProvidedCertificate,
  now: Date,
): Promise<void> {
  const label = `${CERTIFICATE_LABEL_PREFIX}${await sha256Hex(entry.csr)}`;
  const existing = await findSecret(tools, label);
  if (existing?.certificate?.trim() === entry.certificate.trim()) return;
  const { notAfter } = await parseCertificate(entry.certificate);
  const expire = renewalTime(now, notAfter, 0.9).toISOString();
  if (existing) {
    const info = await tools.secretInfoGet({ label });
    await tools.secretSet(info.id, { certificate: entry.certificate, csr: entry.csr }, { expire });
  } else {
    await tools.secretAdd({ certificate: entry.certificate, csr: entry.csr }, {
      label,
      expire,
      description: "Issued TLS certificate; expires when it is due for renewal",
    });
  }
}

/**
 * Converges the relation for the given targets (hostnames or one IP): key, CSRs, certificate
 * secrets. A target keeps serving its previous certificate while a renewal is pending, as long
 * as the provider still lists it.
 */
export async function reconcileCertificates(
  tools: HookTools,
  relation: RelationRef,
  ownApp: string,
  remoteApp: string,
  targets: readonly string[],
  now = new Date(),
): Promise<CertificatesOutcome> {
  const privateKey = await ensurePrivateKey(tools);
  const own = await readOwnRequests(tools, relation, ownApp);
  const current = own.value;
  const wanted: string[] = [];
  const csrFor = new Map<string, string>();
  for (const target of [...targets].sort()) {
    let csr: string | undefined;
    for (const candidate of current) {
      if (await csrFits(candidate, target, privateKey)) {
        csr = candidate;
        break;
      }
    }
    csr ??= await createCsr(
      privateKey,
      ipVersion(target) !== 0
        ? { commonName: target, ipAddresses: [target] }
        : { commonName: target, dnsNames: [target] },
    );
    wanted.push(csr);
    csrFor.set(target, csr);
  }
  const changed = own.skipped.length > 0 || wanted.length !== current.length ||
    wanted.some((csr, i) => !sameCsr(csr, current[i]));
  if (changed) await tools.relationSet(relation, renderCertificateRequests(wanted), true);

  const provided = await readProvider(tools, relation, remoteApp);
  // A revoked certificate of ours is forgotten, as the library does: no renewal is due for it.
  for (const entry of provided.certificates) {
    if (!entry.revoked || !wanted.some((csr) => sameCsr(csr, entry.csr))) continue;
    const label = `${CERTIFICATE_LABEL_PREFIX}${await sha256Hex(entry.csr)}`;
    if (await findSecret(tools, label)) {
      await tools.secretRemove((await tools.secretInfoGet({ label })).id);
      await tools.log(
        "WARNING",
        "a certificate was revoked by the provider: waiting for a new one",
      );
    }
  }
  const issued: IssuedCertificate[] = [];
  const pending: string[] = [];
  for (const [target, csr] of csrFor) {
    let entry: ProvidedCertificate | undefined = provided.certificates.find((e) =>
      sameCsr(e.csr, csr)
    );
    if (entry && !(await usable(entry, target, privateKey, now))) entry = undefined;
    // While a renewal is pending, an earlier certificate for the same target still serves.
    if (!entry) {
      for (const candidate of provided.certificates) {
        if (await usable(candidate, target, privateKey, now)) {
          entry = candidate;
          break;
        }
      }
    }
    if (!entry) {
      pending.push(target);
      continue;
    }
    if (sameCsr(entry.csr, csr)) await trackCertificate(tools, entry, now);
    issued.push({
      target,
      chain: await leafFirstChain(entry.certificate, entry.chain, entry.ca),
      privateKey,
    });
  }
  const denied = provided.errors
    .filter((error) => wanted.some((csr) => sameCsr(csr, error.csr)))
    .map((error) => `${error.name}: ${error.message}`);
  return { issued, pending, denied };
}

/**
 * `secret-expired` for a certificate secret: the certificate is due for renewal. Its CSR leaves
 * the relation (the reconcile that follows sends a fresh one with the same key) and the secret
 * goes. Returns false for secrets that are not ours to renew.
 */
export async function renewCertificate(
  tools: HookTools,
  relation: RelationRef | null,
  ownApp: string,
  secretId: string,
  label: string | null,
): Promise<boolean> {
  if (!isCertificateSecret(label) || label === null) return false;
  const content = await findSecret(tools, label);
  if (relation && content?.csr) {
    const own = await readOwnRequests(tools, relation, ownApp);
    const remaining = own.value.filter((csr) => !sameCsr(csr, content.csr));
    if (remaining.length !== own.value.length || own.skipped.length > 0) {
      await tools.relationSet(relation, renderCertificateRequests(remaining), true);
    }
  }
  await tools.secretRemove(secretId);
  await tools.log("INFO", "certificate due for renewal: sent a new certificate request");
  return true;
}

/** The provider's certificate for a hostname (subject CN), for the get-certificate action. */
export async function findCertificate(
  tools: HookTools,
  relation: RelationRef,
  remoteApp: string,
  hostname: string,
): Promise<ProvidedCertificate | null> {
  const provided = await readProvider(tools, relation, remoteApp);
  for (const entry of provided.certificates) {
    try {
      if ((await parseCertificate(entry.certificate)).commonName === hostname) return entry;
    } catch {
      // A certificate that does not parse cannot be the one asked for.
    }
  }
  return null;
}
