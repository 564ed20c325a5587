/**
 * Reading the certificates relation and the charm's TLS secrets (requirer side in application
 * mode, wire-compatible with the charmlibs tls-certificates library the Python charm uses): the
 * one RSA key in an application-owned secret (created here once, as an idempotent precondition),
 * our CSRs and the provider's certificates, each with what parsing it tells, and the secret that
 * tracks each issued certificate for renewal. Loaded only by hooks that have TLS to read (the
 * X.509 code is the heavy part).
 */
import {
  parseOwnRequests,
  parseProviderCertificates,
  type ProvidedCertificate as ProviderEntry,
  type ProviderCertificates,
} from "../interfaces/tls_certificates.ts";
import { sameCsr } from "../interfaces/tls_certificate_requests.ts";
import { HookToolError } from "../juju/errors.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";
import { keyMatches, parseCertificate } from "../tls/certificate.ts";
import { cleanCertificateTexts } from "../tls/bundle.ts";
import { parseCsr } from "../tls/csr.ts";
import { generatePrivateKey } from "../tls/keys.ts";
import type {
  CertificateActionWorld,
  CertificatesWorld,
  OwnCsr,
  ProvidedCertificate,
} from "../world.ts";
import { CERTIFICATE_LABEL_PREFIX, PRIVATE_KEY_LABEL } from "./tls_labels.ts";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text.trim()));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The label of the secret tracking the certificate issued for a CSR. */
export async function certificateLabel(csr: string): Promise<string> {
  return `${CERTIFICATE_LABEL_PREFIX}${await sha256Hex(csr)}`;
}

export async function findSecret(
  tools: HookTools,
  label: string,
): Promise<Record<string, string> | null> {
  try {
    return await tools.secretGet({ label });
  } catch (error) {
    if (error instanceof HookToolError && error.kind === "secret-not-found") return null;
    throw error;
  }
}

/** The application's private key, created once and kept in an application-owned secret. */
async function ensurePrivateKey(tools: HookTools): Promise<{ key: string; created: boolean }> {
  const existing = await findSecret(tools, PRIVATE_KEY_LABEL);
  if (existing?.["private-key"]) return { key: existing["private-key"], created: false };
  const privateKey = await generatePrivateKey();
  await tools.secretAdd({ "private-key": privateKey }, {
    label: PRIVATE_KEY_LABEL,
    description: "Private key for the TLS certificates of the Gateway",
  });
  return { key: privateKey, created: true };
}

async function readOwnCsr(pem: string, privateKey: string): Promise<OwnCsr> {
  try {
    const parsed = await parseCsr(pem);
    return {
      pem,
      commonName: parsed.commonName,
      dnsNames: parsed.dnsNames,
      ipAddresses: parsed.ipAddresses,
      ours: parsed.signatureValid && await keyMatches(privateKey, parsed.publicKey),
    };
  } catch {
    return { pem, commonName: null, dnsNames: [], ipAddresses: [], ours: false };
  }
}

async function parsedCertificate(
  pem: string,
  privateKey: string,
): Promise<ProvidedCertificate["parsed"]> {
  try {
    const certificate = await parseCertificate(pem);
    return {
      commonName: certificate.commonName,
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      isCa: certificate.isCa,
      ours: await keyMatches(privateKey, certificate.publicKey),
    };
  } catch {
    return null;
  }
}

/**
 * Everything the decision needs of the certificates relation. The key, our CSRs and the
 * provider's answer are independent reads, asked at once (every hook-tool call is a process),
 * the provider's as soon as its name is known; the tracking secrets of the certificates that
 * answer our CSRs follow in one more round.
 */
export async function readCertificates(
  tools: HookTools,
  relation: RelationRef,
  ownApp: string,
  provider: Promise<string>,
): Promise<CertificatesWorld> {
  const [{ key: privateKey, created }, ownData, [providerApp, providerData]] = await Promise.all([
    ensurePrivateKey(tools),
    tools.relationGet(relation, ownApp, true),
    provider.then(async (app) => [app, await tools.relationGet(relation, app, true)] as const),
  ]);
  const own = parseOwnRequests(ownData);
  const data = await cleanProvider(parseProviderCertificates(providerData));
  // One read per tracking secret, however many entries answer its CSR.
  const secrets = new Map<string, ReturnType<typeof findSecret>>();
  const secretOf = (label: string) => {
    if (!secrets.has(label)) secrets.set(label, findSecret(tools, label));
    return secrets.get(label)!;
  };
  const [requests, provided] = await Promise.all([
    Promise.all(own.value.map((pem) => readOwnCsr(pem, privateKey))),
    Promise.all(data.certificates.map(async (entry): Promise<ProvidedCertificate> => {
      const secretLabel = await certificateLabel(entry.csr);
      // Only the certificates answering our CSRs have a tracking secret worth reading.
      const answersOurs = own.value.some((pem) => sameCsr(pem, entry.csr));
      const [parsed, secret] = await Promise.all([
        parsedCertificate(entry.certificate, privateKey),
        answersOurs ? secretOf(secretLabel) : null,
      ]);
      return { ...entry, parsed, secretLabel, secret };
    })),
  ]);
  return {
    relation,
    providerApp,
    privateKey,
    keyCreated: created,
    requests,
    ownUnreadable: own.skipped.length > 0,
    provided,
    errors: data.errors,
    warnings: [
      ...providerWarnings(providerApp, data),
      ...skippedWarnings("our certificate requests", own.skipped),
    ],
  };
}

/**
 * The provider's entries with only the certificates their texts hold (`src/tls/bundle.ts`): an
 * entry too large to keep or serve is skipped, and what an entry left out is said (`leftOut`).
 */
async function cleanProvider(
  data: ProviderCertificates,
): Promise<ProviderCertificates & { leftOut: string[] }> {
  // The same entry twice is one: a provider's list can be long, and each is parsed.
  const seen = new Set<string>();
  const unique = [...data.certificates.entries()].filter(([, entry]) => {
    const key = JSON.stringify([
      entry.certificate,
      entry.csr,
      entry.ca,
      entry.chain,
      entry.revoked,
    ]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const cleaned = await Promise.all(
    unique.map(async ([index, entry]) => ({ index, result: await cleanCertificateTexts(entry) })),
  );
  const certificates: ProviderEntry[] = [];
  const skipped = [...data.skipped];
  const leftOut: string[] = [];
  for (const { index, result } of cleaned) {
    const where = `provider application field "certificates[${index}]"`;
    if ("error" in result) {
      skipped.push(`${where}: ${result.error}`);
      continue;
    }
    certificates.push(result.entry);
    // One line for all that an entry left out: a provider's data is not ours to fix.
    if (result.dropped.length > 0) leftOut.push(`${where}: left out ${result.dropped.join("; ")}`);
  }
  return { ...data, certificates, skipped, leftOut };
}

/** What reading the provider's entries skipped or left out of them, as log lines. */
function providerWarnings(
  providerApp: string,
  data: { skipped: readonly string[]; leftOut: readonly string[] },
): string[] {
  const what = `certificates provider ${providerApp}`;
  return [
    ...skippedWarnings(what, data.skipped),
    ...data.leftOut.map((message) => `${what}: ${message}`),
  ];
}

/** What a lenient read skipped, as log lines: the data is not ours to fix, the hook goes on. */
function skippedWarnings(what: string, skipped: readonly string[]): string[] {
  return skipped.map((message) => `${what}: skipped unusable data: ${message}`);
}

/** The provider's certificates with their common names, for the get-certificate action. */
export async function readProvidedForAction(
  tools: HookTools,
  relation: RelationRef,
  providerApp: string,
): Promise<Pick<CertificateActionWorld, "provided" | "warnings">> {
  const data = await cleanProvider(
    parseProviderCertificates(await tools.relationGet(relation, providerApp, true)),
  );
  const provided = await Promise.all(data.certificates.map(async (entry) => {
    let commonName: string | null = null;
    try {
      commonName = (await parseCertificate(entry.certificate)).commonName;
    } catch {
      // A certificate that does not parse cannot be the one asked for.
    }
    return {
      commonName,
      entry: { certificate: entry.certificate, ca: entry.ca, chain: entry.chain },
    };
  }));
  return {
    provided,
    warnings: providerWarnings(providerApp, data),
  };
}
