/** The certificate_transfer requirer side: v1 provider data, the v0 fallback, and what is
 * skipped. */
import { deepStrictEqual } from "node:assert/strict";
import {
  parseTransferredCertificates,
  renderTransferRequirer,
} from "../../src/interfaces/certificate_transfer.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";
const OTHER = "-----BEGIN CERTIFICATE-----\nMIIBxzCCAW2gAwIBAgIU\n-----END CERTIFICATE-----";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIIBxzCC\n-----END PRIVATE KEY-----";

for (
  const [what, appData, unitData, expected] of [
    [
      "v1: the application's certificates, deduplicated",
      { certificates: JSON.stringify([PEM, OTHER, `${PEM}\n`]), version: "1" },
      [],
      { certificates: [PEM, OTHER], skipped: [] },
    ],
    [
      "v1: entries that are not PEM certificates are skipped",
      { certificates: JSON.stringify([PEM, KEY, 3, "junk"]), version: "1" },
      [],
      {
        certificates: [PEM],
        skipped: [
          "application field certificates[1] is not a PEM certificate",
          "application field certificates[2] is not a PEM certificate",
          "application field certificates[3] is not a PEM certificate",
        ],
      },
    ],
    [
      "not JSON: skipped",
      { certificates: "[not json" },
      [],
      {
        certificates: [],
        skipped: ["application field certificates is not a list of certificates"],
      },
    ],
    [
      "v0: a unit's chain",
      {},
      [{
        ca: JSON.stringify(PEM),
        certificate: JSON.stringify(PEM),
        chain: JSON.stringify([PEM, OTHER]),
      }],
      { certificates: [PEM, OTHER], skipped: [] },
    ],
    [
      "v0 without a chain: the ca",
      {},
      [{ ca: JSON.stringify(OTHER), certificate: JSON.stringify(OTHER) }],
      { certificates: [OTHER], skipped: [] },
    ],
    ["nothing sent yet", {}, [{}], { certificates: [], skipped: [] }],
  ] as const
) {
  Deno.test(`certificate_transfer: ${what}`, () => {
    deepStrictEqual(parseTransferredCertificates(appData, unitData), expected);
  });
}

Deno.test("certificate_transfer: we tell the provider we speak version 1", () => {
  deepStrictEqual(renderTransferRequirer(), { version: "1" });
});
