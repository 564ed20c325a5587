/**
 * The TLS part of the decision: which CSRs our databag should hold for the targets (a hostname
 * each, or the Gateway's IP), which certificates serve, which wait, which secrets track, renew or
 * go. As the charmlibs library does in application mode: one CSR per target, a certificate is
 * kept in a secret expiring at 90% of its validity, a revoked one is forgotten, and a target keeps
 * serving its previous certificate while a renewal is pending.
 */
import type { IssuedTls } from "../gateway/plan.ts";
import { sameCsr } from "../interfaces/tls_certificate_requests.ts";
import { ipVersion } from "../net.ts";
import type { CertificateRequests, LogLine, SecretOperation } from "../outcome.ts";
import { leafFirstChain, renewalTime } from "../tls/chain.ts";
import type {
  CertificatesWorld,
  ExpiringCertificate,
  OwnCsr,
  ProvidedCertificate,
  TlsSecret,
} from "../world.ts";

/** A certificate's common name holds at most 64 characters (X.520): longer hostnames get none. */
export const MAX_COMMON_NAME = 64;

export interface TlsDecision {
  readonly issued: readonly IssuedTls[];
  /** Targets still waiting for a certificate. */
  readonly pending: readonly string[];
  /** Targets no certificate can be requested for, with why. */
  readonly refused: readonly string[];
  readonly requests: CertificateRequests | null;
  readonly secrets: readonly SecretOperation[];
  readonly logs: readonly LogLine[];
}

/** Whether a CSR asks for exactly this target with our key. */
function fits(csr: OwnCsr, target: string): boolean {
  const sans = ipVersion(target) !== 0
    ? csr.ipAddresses.length === 1 && csr.ipAddresses[0] === target && csr.dnsNames.length === 0
    : csr.dnsNames.length === 1 && csr.dnsNames[0] === target && csr.ipAddresses.length === 0;
  return csr.ours && csr.commonName === target && sans;
}

/** How far ahead of our clock a certificate's validity may start (the provider's clock may be
 * ahead of ours): one valid from later than that is not served yet. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;

/** A usable provider certificate for a target: not revoked, ours, naming the target, in date. */
function usable(entry: ProvidedCertificate, target: string, now: Date): boolean {
  const parsed = entry.parsed;
  return !entry.revoked && parsed !== null && !parsed.isCa && parsed.commonName === target &&
    parsed.notAfter > now && parsed.notBefore.getTime() <= now.getTime() + CLOCK_SKEW_MS &&
    parsed.ours;
}

/** A renewal due: the expired secret goes, and with it its CSR (a fresh one is then requested). */
function renewalSecrets(expiring: ExpiringCertificate | null): {
  secrets: SecretOperation[];
  logs: LogLine[];
} {
  if (expiring === null) return { secrets: [], logs: [] };
  return {
    secrets: [{ op: "remove", id: expiring.id }],
    logs: [{
      level: "INFO",
      message: "certificate due for renewal: sent a new certificate request",
    }],
  };
}

/** Without the reconcile (the charm is blocked), a renewal still withdraws the expired CSR. */
export function decideRenewalOnly(
  certificates: CertificatesWorld | null,
  expiring: ExpiringCertificate | null,
): Pick<TlsDecision, "requests" | "secrets" | "logs"> {
  const { secrets, logs } = renewalSecrets(expiring);
  if (certificates === null || expiring?.csr == null) return { requests: null, secrets, logs };
  logs.push(...certificates.warnings.map((message) => ({ level: "WARNING" as const, message })));
  const current = certificates.requests.map((csr) => csr.pem);
  const remaining = current.filter((pem) => !sameCsr(pem, expiring.csr!));
  const unchanged = remaining.length === current.length && !certificates.ownUnreadable;
  const requests = unchanged ? null : {
    relation: certificates.relation,
    privateKey: certificates.privateKey,
    current,
    wanted: remaining.map((pem) => ({ pem })),
  };
  return { requests, secrets, logs };
}

/** Without a certificates relation the key and certificate secrets are forgotten, as the
 * library does on relation-broken. */
export function decideForget(tlsSecrets: readonly TlsSecret[]): TlsDecision {
  return {
    issued: [],
    pending: [],
    refused: [],
    requests: null,
    secrets: tlsSecrets.map(({ id }) => ({ op: "remove", id })),
    logs: tlsSecrets.map(({ label }) => ({
      level: "INFO",
      message: `removed TLS secret ${label}`,
    })),
  };
}

export function decideTls(
  certificates: CertificatesWorld,
  expiring: ExpiringCertificate | null,
  targets: readonly string[],
  now: Date,
): TlsDecision {
  const logs: LogLine[] = [];
  const secrets: SecretOperation[] = [];
  if (certificates.keyCreated) {
    logs.push({ level: "INFO", message: "created the private key for TLS certificates" });
  }
  logs.push(...certificates.warnings.map((message) => ({ level: "WARNING" as const, message })));
  const renewal = renewalSecrets(expiring);
  secrets.push(...renewal.secrets);
  logs.push(...renewal.logs);

  const refused = targets.filter((target) => target.length > MAX_COMMON_NAME).map((target) =>
    `hostname ${target} is longer than ${MAX_COMMON_NAME} characters: no certificate can name it`
  );
  const requested = targets.filter((target) => target.length <= MAX_COMMON_NAME);
  // The expired certificate's CSR leaves the relation: a fresh one replaces it.
  const current = certificates.requests.filter((csr) =>
    expiring?.csr == null || !sameCsr(csr.pem, expiring.csr)
  );
  const wanted: ({ pem: string } | { target: string })[] = [];
  const csrFor = new Map<string, string | null>();
  for (const target of [...requested].sort()) {
    const found = current.find((csr) => fits(csr, target));
    wanted.push(found ? { pem: found.pem } : { target });
    csrFor.set(target, found?.pem ?? null);
  }
  const currentPems = certificates.requests.map((csr) => csr.pem);
  const changed = certificates.ownUnreadable || wanted.length !== currentPems.length ||
    wanted.some((want, i) => !("pem" in want) || !sameCsr(want.pem, currentPems[i]));
  const requests = changed
    ? {
      relation: certificates.relation,
      privateKey: certificates.privateKey,
      current: currentPems,
      wanted,
    }
    : null;

  const wantedPems = wanted.flatMap((want) => ("pem" in want ? [want.pem] : []));
  const isWanted = (csr: string) => wantedPems.some((pem) => sameCsr(pem, csr));
  // The tracking secrets (by label) that a certificate serving now keeps.
  const tracked = new Set<string>();
  const issued: IssuedTls[] = [];
  const pending: string[] = [];
  for (const [target, csr] of csrFor) {
    let entry = csr === null
      ? undefined
      : certificates.provided.find((candidate) => sameCsr(candidate.csr, csr));
    if (entry && !usable(entry, target, now)) entry = undefined;
    // While a renewal is pending, an earlier certificate for the same target still serves.
    entry ??= certificates.provided.find((candidate) => usable(candidate, target, now));
    if (!entry) {
      pending.push(target);
      continue;
    }
    if (csr !== null && sameCsr(entry.csr, csr) && entry.parsed !== null) {
      tracked.add(entry.secretLabel);
      const known = entry.secret?.certificate?.trim() === entry.certificate.trim();
      if (!known) {
        secrets.push({
          op: "track",
          label: entry.secretLabel,
          exists: entry.secret !== null,
          // Our CSR, not the provider's copy of it (which may carry any amount of whitespace).
          content: { certificate: entry.certificate, csr },
          expire: renewalTime(now, entry.parsed.notAfter, 0.9).toISOString(),
        });
      }
    }
    issued.push({
      target,
      chain: leafFirstChain(entry.certificate, entry.chain, entry.ca),
      privateKey: certificates.privateKey,
    });
  }
  // A revoked certificate of ours is forgotten, as the library does: no renewal is due for it.
  // Not when a certificate for the same CSR serves instead: its secret is the same one.
  const removed = new Set<string>();
  for (const entry of certificates.provided) {
    if (!entry.revoked || !isWanted(entry.csr) || entry.secret === null) continue;
    if (tracked.has(entry.secretLabel) || removed.has(entry.secretLabel)) continue;
    removed.add(entry.secretLabel);
    secrets.push({ op: "remove-by-label", label: entry.secretLabel });
    logs.push({
      level: "WARNING",
      message: "a certificate was revoked by the provider: waiting for a new one",
    });
  }
  for (const error of certificates.errors) {
    if (isWanted(error.csr)) {
      logs.push({
        level: "WARNING",
        message: `certificate request denied: ${error.name}: ${error.message}`,
      });
    }
  }
  return { issued, pending, refused, requests, secrets, logs };
}
