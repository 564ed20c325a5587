/**
 * The apply step: carries out an outcome's writes and decides nothing. First the Kubernetes
 * writes (server-side apply of what differs, garbage collection by label), then the Juju writes:
 * CSRs (created here, with the charm's key, for the targets the decision named), certificate
 * secrets, relation data. A Kubernetes failure the unit cannot fix by retrying becomes the
 * Blocked status, and the writes that need the objects (URLs, provider data, DNS entries) are not
 * made; an unavailable API fails the hook so that Juju retries it.
 */
import {
  blockedMessageFor,
  describeError,
  rejectionDetail,
  RetryableError,
} from "../decide/errors.ts";
import { ifPresent } from "../gather/relations.ts";
import { renderCertificateRequests } from "../interfaces/tls_certificate_requests.ts";
import { HookToolError } from "../juju/errors.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";
import type { KubeClient } from "../k8s/types.ts";
import { reconcileOwned } from "../k8s/reconcile.ts";
import { KubeError, type KubeObject } from "../k8s/types.ts";
import { ipVersion } from "../net.ts";
import type { CertificateRequests, LogLine, Outcome, SecretOperation } from "../outcome.ts";
import type { Refusal } from "../world.ts";

async function writeCertificateRequests(tools: HookTools, plan: CertificateRequests) {
  const { createCsr } = await import("../tls/csr.ts");
  const csrs: string[] = [];
  for (const want of plan.wanted) {
    if ("pem" in want) {
      csrs.push(want.pem);
      continue;
    }
    const target = want.target;
    csrs.push(
      await createCsr(
        plan.privateKey,
        ipVersion(target) !== 0
          ? { commonName: target, ipAddresses: [target] }
          : { commonName: target, dnsNames: [target] },
      ),
    );
  }
  await tools.relationSet(plan.relation, renderCertificateRequests(csrs), true);
}

/** A secret that is already gone needs no removing. */
async function removeSecret(tools: HookTools, id: () => Promise<string>) {
  try {
    await tools.secretRemove(await id());
  } catch (error) {
    if (error instanceof HookToolError && error.kind === "secret-not-found") return;
    throw error;
  }
}

async function applySecret(tools: HookTools, operation: SecretOperation) {
  switch (operation.op) {
    case "track":
      if (operation.exists) {
        const info = await tools.secretInfoGet({ label: operation.label });
        await tools.secretSet(info.id, operation.content, { expire: operation.expire });
      } else {
        await tools.secretAdd(operation.content, {
          label: operation.label,
          expire: operation.expire,
          description: "Issued TLS certificate; expires when it is due for renewal",
        });
      }
      return;
    case "remove":
      return await removeSecret(tools, () => Promise.resolve(operation.id));
    case "remove-by-label":
      return await removeSecret(
        tools,
        async () => (await tools.secretInfoGet({ label: operation.label })).id,
      );
  }
}

/** What applying the cluster plan gave: a Blocked message, lines to log, and the objects the
 * API refused (422) among those that stand alone, for the decision to leave their requirers out. */
export interface AppliedCluster {
  readonly blocked: string | null;
  readonly logs: readonly LogLine[];
  readonly refused: readonly Refusal[];
}

/** The Kubernetes part of an outcome. */
export async function applyCluster(
  outcome: Outcome,
  client: KubeClient | null,
  app: string,
  /** The owned objects already listed in this hook, by kind name: not listed again. */
  owned: ReadonlyMap<string, readonly KubeObject[]>,
): Promise<AppliedCluster> {
  if (outcome.retry !== undefined) throw new RetryableError(outcome.retry);
  const logs: LogLine[] = [];
  if (outcome.cluster === null || client === null) return { blocked: null, logs, refused: [] };
  try {
    const report = await reconcileOwned(client, app, outcome.cluster.sets, owned);
    if (outcome.cluster.announce) {
      logs.push({
        level: "INFO",
        message: `${outcome.cluster.announce}: deleted ${report.deleted.join(", ") || "nothing"}`,
      });
    }
    const refused = report.rejected.map(({ object, error }) => ({
      object,
      detail: rejectionDetail(error),
    }));
    return { blocked: null, logs, refused };
  } catch (error) {
    if (!(error instanceof KubeError) || outcome.cluster.onFailure === "retry") throw error;
    if (outcome.cluster.onFailure === "warn") {
      logs.push({
        level: "WARNING",
        message: `could not remove routes and Services: ${describeError(error)}`,
      });
      return { blocked: null, logs, refused: [] };
    }
    const blocked = blockedMessageFor(error);
    if (blocked === null) throw error;
    logs.push({ level: "ERROR", message: describeError(error) });
    return { blocked, logs, refused: [] };
  }
}

/** The Juju part of an outcome: CSRs, secrets, relation data. When applying the cluster plan was
 * blocked, the writes that need the objects are left out. */
export async function applyJuju(
  outcome: Outcome,
  tools: HookTools,
  cluster: AppliedCluster,
): Promise<void> {
  if (outcome.certificateRequests !== null) {
    await writeCertificateRequests(tools, outcome.certificateRequests);
  }
  for (const operation of outcome.secrets) await applySecret(tools, operation);
  // One process per relation, with its writes merged in order; the relations' go out together
  // (never two at once to one relation).
  const merged = new Map<number, { relation: RelationRef; data: Record<string, string> }>();
  for (const write of outcome.writes) {
    if (write.needsObjects && cluster.blocked !== null) continue;
    const entry = merged.get(write.relation.id) ?? { relation: write.relation, data: {} };
    Object.assign(entry.data, write.data);
    merged.set(write.relation.id, entry);
  }
  await Promise.all(
    [...merged.values()].map(({ relation, data }) =>
      ifPresent(() => tools.relationSet(relation, data, true))
    ),
  );
}
