/**
 * Address helpers on web-standard APIs only: importing Node's `net`/`url` polyfills costs every
 * hook about 20 ms and 10 MB, so they are avoided on the hot path.
 */

const IPV4_OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);

/** 4 or 6 for a literal IPv4 or IPv6 address, 0 for anything else. */
export function ipVersion(value: string): 0 | 4 | 6 {
  if (IPV4.test(value)) return 4;
  if (!value.includes(":") || /[^0-9a-fA-F:.]/.test(value)) return 0;
  try {
    new URL(`http://[${value}]/`);
    return 6;
  } catch {
    return 0;
  }
}

/** The IDNA (punycode) form of a hostname, or null when it cannot be one. */
export function asciiHostname(value: string): string | null {
  if (value === "" || /[\s/?#@:[\]\\%]/.test(value)) return null;
  try {
    return new URL(`http://${value}/`).hostname;
  } catch {
    return null;
  }
}
