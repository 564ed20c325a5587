/** The get-certificate action's decision: the certificate the provider issued for the hostname
 * asked for, or why there is none. */
import { type Outcome, reportOnly } from "../outcome.ts";
import type { CertificateActionWorld } from "../world.ts";

export function decideCertificateAction(world: CertificateActionWorld): Outcome {
  const logs = world.warnings.map((message) => ({ level: "WARNING" as const, message }));
  if (world.provided === null) {
    return { ...reportOnly(null), action: { fail: "Certificate relation not ready." } };
  }
  if (world.hostname.trim() === "") {
    return { ...reportOnly(null, logs), action: { fail: "No hostname given: hostname=<name>" } };
  }
  // Host names are case-blind, and a trailing "." names the same host.
  const normal = (host: string) => host.trim().toLowerCase().replace(/\.$/, "");
  const wanted = normal(world.hostname);
  const found = world.provided.find((provided) =>
    provided.commonName !== null && normal(provided.commonName) === wanted
  );
  if (!found) {
    return {
      ...reportOnly(null, logs),
      action: { fail: `Missing or incomplete certificate data for ${world.hostname}` },
    };
  }
  return {
    ...reportOnly(null, logs),
    action: {
      results: {
        certificate: found.entry.certificate,
        ca: found.entry.ca,
        chain: found.entry.chain.join("\n\n"),
      },
    },
  };
}
