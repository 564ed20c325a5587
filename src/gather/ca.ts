/**
 * Reading what backend TLS needs: the CAs received over `receive-ca-cert` (with our databag in
 * each relation, to say which version we speak), and whether the BackendTLSPolicy and ConfigMap
 * kinds are worth listing in this hook. They are listed only when the feature can be in use — a
 * requirer asks for `scheme: https`, the `receive-ca-cert` relation exists, or one of our
 * Services (listed anyway) carries `appProtocol: https`, which is what every policy of ours
 * targets — so a reconcile without backend TLS makes no extra request.
 */
import type { JujuEvent } from "../juju/context.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";
import { listOwned } from "../k8s/reconcile.ts";
import {
  KINDS,
  type KubeClient,
  KubeError,
  type KubeObject,
  type ResourceKind,
} from "../k8s/types.ts";
import type { CaTransferWorld, ClusterWorld, IngressRequirer } from "../world.ts";
import { ifPresent, remoteApp } from "./relations.ts";
import { servesHttpsBackend } from "../decide/routing.ts";

/** The kinds of backend TLS to list, given what the hook has read so far. */
export function backendTlsKinds(
  ingress: readonly IngressRequirer[],
  caRelations: readonly RelationRef[],
  services: readonly KubeObject[],
): ResourceKind[] {
  const inUse = caRelations.length > 0 ||
    ingress.some((requirer) => requirer.backend?.scheme === "https") ||
    services.some(servesHttpsBackend);
  return inUse ? [KINDS.configMap, KINDS.backendTlsPolicy] : [];
}

/** Lists the backend TLS kinds into the cluster world. A kind the cluster does not serve (its
 * CRD is not installed) is reported in `unserved`, not as a failure. */
export async function listBackendTls(
  client: KubeClient,
  app: string,
  cluster: Exclude<ClusterWorld, { error: KubeError }>,
  kinds: readonly ResourceKind[],
): Promise<ClusterWorld> {
  if (kinds.length === 0) return cluster;
  const unserved: string[] = [];
  let lists: (readonly KubeObject[] | null)[];
  try {
    lists = await Promise.all(kinds.map((kind) =>
      listOwned(client, app, kind).catch((error) => {
        if (!(error instanceof KubeError && error.kind === "not-found")) throw error;
        unserved.push(kind.kind);
        return null;
      })
    ));
  } catch (error) {
    if (error instanceof KubeError) return { error };
    throw error;
  }
  const owned = new Map(cluster.owned);
  kinds.forEach((kind, i) => {
    const list = lists[i];
    if (list !== null) owned.set(kind.kind, list);
  });
  return {
    ...cluster,
    owned,
    ...(unserved.length > 0 ? { unserved: [...(cluster.unserved ?? []), ...unserved] } : {}),
  };
}

/** The most bytes of CA certificates kept: the ConfigMap that holds them takes 1 MiB. */
export const MAX_CA_BYTES = 512 * 1024;

/** The CAs of every `receive-ca-cert` relation (null without one). */
export async function readCaTransfer(
  tools: HookTools,
  event: JujuEvent,
  ownApp: string,
  relations: readonly RelationRef[],
): Promise<CaTransferWorld | null> {
  if (relations.length === 0) return null;
  const { parseTransferredCertificates } = await import("../interfaces/certificate_transfer.ts");
  const read = await Promise.all(relations.map((relation) =>
    ifPresent(async () => {
      const [app, units, current] = await Promise.all([
        remoteApp(tools, event, relation),
        tools.relationUnits(relation),
        tools.relationGet(relation, ownApp, true),
      ]);
      const appData = await tools.relationGet(relation, app, true);
      // A v0 provider answers in its units' databags; a v1 one needs none of them read.
      const unitData = appData.certificates
        ? []
        : await Promise.all(units.map((unit) => tools.relationGet(relation, unit, false)));
      return { relation, app, current, ...parseTransferredCertificates(appData, unitData) };
    })
  ));
  // Each block must be a certificate, and all must fit the CA ConfigMap (1 MiB in all).
  const { bytes, certificateBlocks } = await import("../tls/bundle.ts");
  const certificates: string[] = [];
  const warnings: string[] = [];
  let size = 0;
  const live = read.filter((entry) => entry !== null);
  for (const entry of live) {
    const skipped = [...entry.skipped];
    let over = 0;
    for (const [index, pem] of entry.certificates.entries()) {
      const found = await certificateBlocks(pem, `certificate ${index + 1}`);
      skipped.push(...found.dropped);
      for (const block of found.blocks) {
        if (certificates.includes(block)) continue;
        if (size + bytes(block) > MAX_CA_BYTES) {
          over++;
          continue;
        }
        certificates.push(block);
        size += bytes(block);
      }
    }
    if (over > 0) skipped.push(`${over} certificate(s) past ${MAX_CA_BYTES} bytes of CAs in all`);
    warnings.push(...skipped.map((why) => `receive-ca-cert ${entry.app}: skipped ${why}`));
  }
  return {
    relations: live.map(({ relation, current }) => ({ relation, current })),
    certificates,
    warnings,
  };
}
