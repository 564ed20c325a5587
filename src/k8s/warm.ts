/**
 * Head starts for the leader's Kubernetes requests, taken as soon as it knows it reconciles,
 * while its first hook-tool reads keep the main thread mostly idle:
 *
 * - The first TLS handshake of a Deno process costs about 30 ms of CPU, once: Deno's TLS uses
 *   AWS-LC, whose random generator seeds itself from CPU jitter entropy on first use (a timing
 *   loop over memory). In a handshake that runs on the main thread, where it stalls every
 *   hook-tool answer waiting to be read. Generating a throwaway P-256 key through WebCrypto runs
 *   the same generator on a thread of Deno's blocking pool instead; the fetch client waits for it
 *   (`tlsRandomSeeded`) before its first HTTPS request, and the handshake then takes about 3 ms.
 * - The client's modules are loaded and evaluated.
 *
 * Nothing here is awaited by a hook that turns out not to need the API: it simply exits.
 * A standby does not take them (measured: 6 ms slower and 1 MiB more on its one-call hook).
 */
let seeded: Promise<unknown> = Promise.resolve();

export function prepareKubernetes(): void {
  seeded = crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"])
    // Only a head start: if it fails, the handshake seeds the generator itself.
    .catch(() => {});
  import("./client.ts").catch(() => {});
}

/** Settles when the generator is seeded (at once when `prepareKubernetes` did not run). */
export function tlsRandomSeeded(): Promise<unknown> {
  return seeded;
}
