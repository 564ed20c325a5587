/**
 * What a hook decided: the desired objects per kind, every relation write, the secret operations,
 * the status (or the action's result) and the log lines. The apply and report steps carry it out
 * and decide nothing.
 */
import type { LogLevel, RelationRef, SettableStatus } from "./juju/tools.ts";
import type { DesiredSet } from "./k8s/reconcile.ts";
import type { Verdict } from "./decide/conditions.ts";

/** The Kubernetes part: each listed kind converges to its objects; kinds not listed are left. */
export interface ClusterPlan {
  readonly sets: readonly DesiredSet[];
  /** `block`: a failure the unit cannot fix by retrying becomes the Blocked status and the writes
   * that need the objects are not made. `warn`: the failure is logged and the rest goes on (when
   * the charm is only withdrawing). `retry`: any failure fails the hook (removing the
   * application, which Juju retries until it is done). */
  readonly onFailure: "block" | "warn" | "retry";
  /** When set, what deleting stands for: logged with the objects deleted. */
  readonly announce?: string;
}

/** Keys of our application databag in a relation to set (`""` deletes a key). */
export interface RelationWrite {
  readonly relation: RelationRef;
  readonly data: Readonly<Record<string, string>>;
  /** Written only when the cluster plan was carried out (URLs, provider data, DNS entries). */
  readonly needsObjects: boolean;
}

/** Our CSRs in the certificates relation: existing ones kept by PEM, new ones to create (with the
 * charm's key) for a target. Written when the list differs from `current`. */
export interface CertificateRequests {
  readonly relation: RelationRef;
  readonly privateKey: string;
  readonly current: readonly string[];
  readonly wanted: readonly ({ readonly pem: string } | { readonly target: string })[];
}

export type SecretOperation =
  /** Keep the issued certificate in the secret with this label, expiring when renewal is due. */
  | {
    readonly op: "track";
    readonly label: string;
    readonly exists: boolean;
    readonly content: Readonly<Record<string, string>>;
    readonly expire: string;
  }
  | { readonly op: "remove"; readonly id: string }
  | { readonly op: "remove-by-label"; readonly label: string };

export interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
}

/** What the Gateway controller says of one requirer's routes (show-proxied-endpoints, demo). */
export interface EndpointCondition {
  readonly relation: RelationRef;
  readonly app: string;
  readonly state: Verdict["state"];
  /** In a few words: `accepted`, `pending[: …]`, `refused: …`, `unknown (…)`. */
  readonly condition: string;
}

export interface Outcome {
  readonly cluster: ClusterPlan | null;
  readonly certificateRequests: CertificateRequests | null;
  readonly secrets: readonly SecretOperation[];
  readonly writes: readonly RelationWrite[];
  readonly logs: readonly LogLine[];
  readonly status: { readonly status: SettableStatus; readonly message: string } | null;
  /** Set when the hook must fail so that Juju retries it: what went wrong (the API was
   * unavailable). Nothing else of the outcome is carried out. */
  readonly retry?: string;
  /** A reconcile's reading of the controller's conditions: the Gateway's and each requirer's. */
  readonly conditions?: {
    readonly gateway: string;
    readonly endpoints: readonly EndpointCondition[];
  };
  /** For actions: the results, or the failure message. */
  readonly action?: { readonly results: Readonly<Record<string, string>> } | {
    readonly fail: string;
  };
}

/** An outcome that only reports. */
export function reportOnly(
  status: Outcome["status"],
  logs: readonly LogLine[] = [],
): Outcome {
  return { cluster: null, certificateRequests: null, secrets: [], writes: [], logs, status };
}
