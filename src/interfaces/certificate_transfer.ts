/**
 * The `certificate_transfer` interface, requirer side (wire-compatible with the
 * certificate_transfer_interface v1 library, falling back to v0 providers): we write
 * `version = 1` in our application databag; a v1 provider answers in its application databag
 * with `certificates`, a JSON list of PEM certificates (`version = 1`); a v0 provider writes
 * `ca`, `certificate` and `chain` (JSON) in its unit databag, of which the chain is the set.
 * Every value is JSON text. Certificates that are not PEM certificates are skipped and logged.
 */
import type { Databag } from "./json_fields.ts";

/** What a provider sent: its certificates (each one PEM certificate or more), and what reading
 * skipped, as log lines. */
export interface TransferredCertificates {
  readonly certificates: readonly string[];
  readonly skipped: readonly string[];
}

function json(raw: string | undefined): unknown {
  if (raw === undefined || raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

// One or more PEM certificate blocks with base64 bodies and nothing else. Checked without the
// X.509 code (which every hook would then load): the controller parses them.
const CERTIFICATES =
  /^(-----BEGIN CERTIFICATE-----[\sA-Za-z0-9+/]+={0,2}\s*-----END CERTIFICATE-----\s*)+$/;

/** Whether a value is PEM text of certificates only (one or more blocks). */
function isCertificatePem(value: unknown): value is string {
  return typeof value === "string" && CERTIFICATES.test(value.trim());
}

function collect(values: unknown, where: string): TransferredCertificates {
  if (!Array.isArray(values)) {
    return { certificates: [], skipped: [`${where} is not a list of certificates`] };
  }
  const certificates: string[] = [];
  const skipped: string[] = [];
  values.forEach((value, index) => {
    if (!isCertificatePem(value)) skipped.push(`${where}[${index}] is not a PEM certificate`);
    else if (!certificates.includes(value.trim())) certificates.push(value.trim());
  });
  return { certificates, skipped };
}

/** The provider's certificates: its application databag (v1), else its units' (v0). */
export function parseTransferredCertificates(
  appData: Databag,
  unitData: readonly Databag[],
): TransferredCertificates {
  const listed = json(appData.certificates);
  if (listed !== undefined) {
    const read = collect(listed, "application field certificates");
    if (read.certificates.length > 0 || unitData.length === 0) return read;
  }
  for (const data of unitData) {
    const chain = json(data.chain);
    if (chain !== undefined && chain !== null) return collect(chain, "unit field chain");
    const ca = json(data.ca);
    if (ca !== undefined) {
      const read = collect([ca], "unit field ca");
      // One value, not a list: no index in what is said of it.
      return { ...read, skipped: read.skipped.map((why) => why.replace("ca[0]", "ca")) };
    }
  }
  return { certificates: [], skipped: [] };
}

/** Our application databag: the version of the interface we speak. */
export function renderTransferRequirer(): Record<string, string> {
  return { version: "1" };
}
