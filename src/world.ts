/**
 * The world as one hook sees it: everything the gather step read (config, leadership, every
 * relation with its databags, the charm's secrets and key, the owned objects of every kind, the
 * GatewayClasses), as one immutable value. The decision is a function of this value alone.
 */
import type { CharmConfig, ConfigError } from "./config.ts";
import type { PeersWorld } from "./decide/units.ts";
import type { Backend } from "./gateway/objects.ts";
import type {
  ProvidedCertificate as ProvidedEntryOnTheWire,
  RequestError,
} from "./interfaces/tls_certificates.ts";
import type { UnitRequest } from "./interfaces/ingress_per_unit.ts";
import type { JujuEvent } from "./juju/context.ts";
import type { TraefikRouteRequest } from "./interfaces/traefik_route.ts";
import type { Integrations } from "./validation.ts";
import type { Databag, RelationRef } from "./juju/tools.ts";
import type { KubeError, KubeObject } from "./k8s/types.ts";
import type { ClusterConditions, ListedConditions } from "./gather/conditions.ts";

export interface IngressRequirer {
  readonly relation: RelationRef;
  readonly app: string;
  readonly backend: Backend | null;
  readonly error: string | null;
  /** The requirer has not written its data yet. */
  readonly pending: boolean;
  /** The URL our databag currently holds for it. */
  readonly currentUrl: string | null;
  /** Our application databag in the relation: as read, or its trusted copy in the peer relation
   * (`src/gather/published.ts`). */
  readonly databag: Databag;
  /** Its units and the addresses they published (empty while its data does not validate). */
  readonly units?: readonly { readonly unit: string; readonly ip: string | null }[];
  /** The interface version it speaks (2 unless told). */
  readonly version?: 1 | 2;
}

/** One unit of an ingress-per-unit requirer: its request, or why it is skipped. */
export interface PerUnitEntry {
  readonly unit: string;
  readonly request: UnitRequest | null;
  /** Why the unit's data is refused; null with no request: it has written nothing yet. */
  readonly error: string | null;
}

/** An ingress-per-unit relation: its units and our application databag in it. */
export interface PerUnitRequirer {
  readonly relation: RelationRef;
  readonly app: string;
  readonly units: readonly PerUnitEntry[];
  /** A fault of the whole relation (its units name different models): no unit is served. */
  readonly error: string | null;
  /** Our `ingress` value as it is (undefined when unset). */
  readonly current: string | undefined;
  /** The URLs it publishes, or null when it does not read. */
  readonly currentUrls: ReadonlyMap<string, string> | null;
}

export interface RouteRequirer {
  readonly relation: RelationRef;
  readonly app: string;
  /** The hostnames asked for, or null when the data is invalid. */
  readonly hostnames: readonly string[] | null;
  readonly error: string | null;
  /** Our application databag as it is. */
  readonly current: Databag;
}

/** The `receive-ca-cert` relations: our databag in each, and the CAs they sent (in order). */
export interface CaTransferWorld {
  readonly relations: readonly { readonly relation: RelationRef; readonly current: Databag }[];
  readonly certificates: readonly string[];
  /** What reading skipped, as log lines. */
  readonly warnings: readonly string[];
}

/** A traefik-route requirer: what it sent (YAML parsed, still to be translated). */
export interface TraefikRouteRequirer {
  readonly relation: RelationRef;
  readonly app: string;
  /** Its units in the relation (`app/n`). */
  readonly units: readonly string[];
  /** Null when it sent no config yet, or its data cannot be read (`error`). */
  readonly request: TraefikRouteRequest | null;
  readonly error: string | null;
  /** Our application databag as it is. */
  readonly current: Databag;
}

/** A dns-record relation and our application databag in it. */
export interface DnsRecordRelation {
  readonly relation: RelationRef;
  readonly current: Databag;
}

/** One of our CSRs (from our application databag), with what parsing it told. */
export interface OwnCsr {
  readonly pem: string;
  /** Null when it does not parse. */
  readonly commonName: string | null;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** Signed by its own key, and that key is ours. */
  readonly ours: boolean;
}

/** A certificate the provider published, with what parsing it told and its tracking secret. */
export interface ProvidedCertificate extends ProvidedEntryOnTheWire {
  /** Null when the certificate does not parse. */
  readonly parsed: {
    readonly commonName: string | null;
    readonly notBefore: Date;
    readonly notAfter: Date;
    readonly isCa: boolean;
    /** Its public key is our private key's. */
    readonly ours: boolean;
  } | null;
  /** The label of the secret that tracks it for renewal. */
  readonly secretLabel: string;
  /** That secret's content, read when the certificate answers one of our CSRs (else null). */
  readonly secret: Readonly<Record<string, string>> | null;
}

/** The certificates relation (one at most) and the charm's TLS key. */
export interface CertificatesWorld {
  readonly relation: RelationRef;
  readonly providerApp: string;
  readonly privateKey: string;
  /** The key was created by this hook's gather step. */
  readonly keyCreated: boolean;
  /** Our CSRs in the order our databag holds them. */
  readonly requests: readonly OwnCsr[];
  /** Some of our own CSR list did not read: it is rewritten. */
  readonly ownUnreadable: boolean;
  readonly provided: readonly ProvidedCertificate[];
  readonly errors: readonly RequestError[];
  /** What reading skipped (entries that do not validate), as log lines naming the field. */
  readonly warnings: readonly string[];
}

/** A certificate secret of ours that Juju says is due for renewal (`secret-expired`). */
export interface ExpiringCertificate {
  readonly id: string;
  readonly label: string;
  /** The CSR the certificate answered, from the secret (null when the secret is gone). */
  readonly csr: string | null;
}

/** The charm's TLS secrets, listed when there is no certificates relation (to forget them). */
export interface TlsSecret {
  readonly id: string;
  readonly label: string;
}

/** What the cluster holds for us, or the failure that kept the gather step from reading it. */
export type ClusterWorld =
  | {
    readonly namespace: string;
    /** Names of every GatewayClass, in list order (listed only when the config may use them). */
    readonly gatewayClasses: readonly string[];
    /** Our labelled objects, by kind name, for every kind that was listed. */
    readonly owned: ReadonlyMap<string, readonly KubeObject[]>;
    /** What the Gateway controller says in those objects (read in the full scope only). */
    readonly conditions?: ClusterConditions;
    /** Kinds the cluster does not serve (their CRD is not installed), by kind name. */
    readonly unserved?: readonly string[];
  }
  | { readonly error: KubeError };

/** An object the API refused (422) earlier in this hook, and why (`<Kind>/<name>: <field>: …`). */
export interface Refusal {
  /** `Kind/name`. */
  readonly object: string;
  readonly detail: string;
}

/** How much was gathered: a hook whose config already fails the checks that need no cluster can
 * only withdraw, so it reads only what withdrawing needs. */
export type GatherScope = "withdraw" | "full";

export interface ReconcileWorld {
  readonly kind: "reconcile";
  readonly app: string;
  readonly model: string;
  readonly event: JujuEvent;
  readonly now: Date;
  readonly leader: true;
  readonly config: CharmConfig | ConfigError;
  readonly scope: GatherScope;
  readonly integrations: Integrations;
  readonly ingress: readonly IngressRequirer[];
  readonly ingressPerUnit: readonly PerUnitRequirer[];
  readonly routes: readonly RouteRequirer[];
  /** Read in the full scope only. */
  readonly traefikRoutes: readonly TraefikRouteRequirer[];
  readonly dnsRecords: readonly DnsRecordRelation[];
  /** The `receive-ca-cert` relations (absent or null without one). */
  readonly caTransfer?: CaTransferWorld | null;
  /** Null when there is no certificates relation, or the scope is `withdraw` and no renewal is due. */
  readonly certificates: CertificatesWorld | null;
  readonly expiring: ExpiringCertificate | null;
  /** Listed only in the full scope without a certificates relation. */
  readonly tlsSecrets: readonly TlsSecret[];
  readonly cluster: ClusterWorld;
  /** Objects the API refused when this hook applied an earlier decision: their requirers are
   * left out (empty when gathered). */
  readonly refused: readonly Refusal[];
  /** This unit's name. */
  readonly unit: string;
  /** The peer relation (null without one): where the leader records its name. */
  readonly peers: PeersWorld | null;
}

/** A unit that is not the leader reads nothing more. */
export interface FollowerWorld {
  readonly kind: "follower";
}

/** `remove`: how many units of the application remain, and what it owns in the cluster. */
export interface RemoveWorld {
  readonly kind: "remove";
  readonly remainingUnits: number;
  readonly cluster: ClusterWorld | null;
}

/** `get-certificate`: the hostname asked for and the certificates the provider published. */
export interface CertificateActionWorld {
  readonly kind: "get-certificate";
  readonly hostname: string;
  /** Null without a certificates relation. */
  readonly provided:
    | readonly { readonly commonName: string | null; readonly entry: ProvidedEntry }[]
    | null;
  /** What reading the provider's data skipped, as log lines. */
  readonly warnings: readonly string[];
}

/** A provider entry as the action returns it. */
export interface ProvidedEntry {
  readonly certificate: string;
  readonly ca: string;
  readonly chain: readonly string[];
}

/** `show-proxied-endpoints`: what our databags publish to each requirer, and the Gateway. */
export interface ProxiedEndpointsWorld {
  readonly kind: "show-proxied-endpoints";
  readonly app: string;
  /** Our application databags are readable by the leader alone. */
  readonly leader: boolean;
  readonly config: CharmConfig | ConfigError;
  /** The Gateway's first usable address, or null (none yet, or it could not be read). */
  readonly gatewayAddress: string | null;
  /** Why the Gateway could not be read, or null. */
  readonly gatewayError: string | null;
  /** Our routes and what the Gateway controller says of them and of the Gateway (null when
   * they could not be read). */
  readonly listed: ListedConditions | null;
  /** The Gateway's TCP, UDP and TLS listeners (`<gateway>-<requirer>-<protocol>-<port>`). */
  readonly l4Listeners: readonly {
    readonly name: string;
    readonly port: number;
    readonly protocol: string;
  }[];
  /** Each traefik-route requirer application. */
  readonly traefikRoutes: readonly { readonly app: string }[];
  /** Each ingress requirer application and the URL we publish to it. */
  readonly ingress: readonly { readonly app: string; readonly url: string | null }[];
  /** Each ingress-per-unit relation and the unit URLs we publish (null: unreadable). */
  readonly perUnit: readonly {
    readonly app: string;
    readonly urls: ReadonlyMap<string, string> | null;
  }[];
  /** Each gateway-route requirer: its hostnames (null: invalid) and our provider databag. */
  readonly routes: readonly {
    readonly app: string;
    readonly hostnames: readonly string[] | null;
    readonly provided: Databag;
  }[];
}

export interface UnknownActionWorld {
  readonly kind: "unknown-action";
  readonly name: string;
}

export type World =
  | ReconcileWorld
  | FollowerWorld
  | RemoveWorld
  | CertificateActionWorld
  | ProxiedEndpointsWorld
  | UnknownActionWorld;
