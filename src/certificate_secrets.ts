/**
 * Labels of the TLS key and certificate secrets (the charm library's, so an upgrade from the
 * Python charm keeps them), and their removal when there is no certificates relation. Kept apart
 * from `certificates.ts` so hooks without TLS do not load the X.509 code.
 */
import type { HookTools } from "./juju/tools.ts";

const LIBID = "afd8c2bccf834997afce12c2706d2ede";
export const PRIVATE_KEY_LABEL = `${LIBID}-private-key-certificates`;
export const CERTIFICATE_LABEL_PREFIX = `${LIBID}-certificate-certificates-`;

export function isCertificateSecret(label: string | null | undefined): boolean {
  return label?.startsWith(CERTIFICATE_LABEL_PREFIX) ?? false;
}

/** Forgets the key and certificate secrets, as the library does on relation-broken. */
export async function forgetCertificates(tools: HookTools): Promise<void> {
  for (const id of await tools.secretIds()) {
    const info = await tools.secretInfoGet({ id });
    if (info.label === PRIVATE_KEY_LABEL || isCertificateSecret(info.label)) {
      await tools.secretRemove(id);
      await tools.log("INFO", `removed TLS secret ${info.label}`);
    }
  }
}
