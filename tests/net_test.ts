/** Address helpers: IP literals and IDNA hostnames. */
import { strictEqual } from "node:assert/strict";
import { asciiHostname, ipVersion } from "../src/net.ts";

const IPS: [string, 0 | 4 | 6][] = [
  ["10.0.0.1", 4],
  ["255.255.255.255", 4],
  ["256.1.1.1", 0],
  ["1.2.3", 0],
  ["01.2.3.4", 0],
  ["::1", 6],
  ["2001:db8::8a2e:370:7334", 6],
  ["::ffff:10.0.0.1", 6],
  ["2001:db8::g", 0],
  ["1:2:3:4:5:6:7:8:9", 0],
  ["example.com", 0],
  ["", 0],
  ["[::1]", 0],
];
for (const [value, version] of IPS) {
  Deno.test(`ipVersion(${JSON.stringify(value)}) is ${version}`, () =>
    strictEqual(ipVersion(value), version));
}

Deno.test("asciiHostname punycodes unicode names and rejects URL syntax", () => {
  strictEqual(asciiHostname("bücher.example"), "xn--bcher-kva.example");
  strictEqual(asciiHostname("Example.COM"), "example.com");
  strictEqual(asciiHostname("bücher.de/x"), null);
  strictEqual(asciiHostname("a@b.com"), null);
  strictEqual(asciiHostname("a b.com"), null);
  strictEqual(asciiHostname(""), null);
});
