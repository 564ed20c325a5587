/** Tests for the DER codec and X.509 helpers below the public API: IPs, OIDs, times, integers. */
import assert from "node:assert/strict";
import {
  bytesToHex,
  childrenOf,
  encode,
  integer,
  integerOf,
  objectId,
  oidOf,
  readDer,
  sequence,
  stringOf,
  Tag,
  time,
  timeOf,
} from "../../src/tls/der.ts";
import { TlsError } from "../../src/tls/errors.ts";
import { formatIp, parseIp } from "../../src/tls/x509.ts";

Deno.test("parseIp/formatIp: IPv4 and IPv6 in Python's ipaddress text form", () => {
  const table: [string, string, string][] = [
    ["10.43.45.1", "0a2b2d01", "10.43.45.1"],
    ["0.0.0.0", "00000000", "0.0.0.0"],
    ["::", "0".repeat(32), "::"],
    ["::1", `${"0".repeat(30)}01`, "::1"],
    ["2001:DB8::1", "20010db8000000000000000000000001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"],
    ["fe80::", `fe80${"0".repeat(28)}`, "fe80::"],
    ["::ffff:10.0.0.1", `${"0".repeat(20)}ffff0a000001`, "::ffff:a00:1"],
  ];
  for (const [text, hex, formatted] of table) {
    assert.equal(bytesToHex(parseIp(text)), hex, text);
    assert.equal(formatIp(parseIp(text)), formatted, text);
  }
  for (
    const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      "1.2.3.4::",
      "gw.example.com",
    ]
  ) {
    assert.throws(() => parseIp(bad), TlsError, bad);
  }
});

Deno.test("objectId/oidOf round trip, large arcs included", () => {
  for (
    const oid of [
      "2.5.4.3",
      "1.2.840.113549.1.1.11",
      "2.25.329800735698586629295641978511506172918",
    ]
  ) {
    assert.equal(oidOf(readDer(objectId(oid))), oid);
  }
  assert.equal(bytesToHex(objectId("2.5.4.45")), "060355042d");
});

Deno.test("integer/integerOf: minimal encoding, leading zero for a set top bit", () => {
  assert.equal(bytesToHex(integer(0n)), "020100");
  assert.equal(bytesToHex(integer(127n)), "02017f");
  assert.equal(bytesToHex(integer(128n)), "02020080");
  assert.equal(bytesToHex(integer(65537n)), "0203010001");
  assert.equal(bytesToHex(integer(new Uint8Array([0, 0, 0x80]))), "02020080");
  assert.equal(integerOf(readDer(integer(2n ** 2048n - 1n))), 2n ** 2048n - 1n);
  assert.equal(integerOf(readDer(new Uint8Array([2, 1, 0xff]))), -1n);
});

Deno.test("time/timeOf: UTCTime through 2049, GeneralizedTime from 2050", () => {
  const y2049 = new Date("2049-12-31T23:59:59Z");
  const y2050 = new Date("2050-01-01T00:00:00Z");
  assert.equal(readDer(time(y2049)).tag, Tag.utcTime);
  assert.equal(readDer(time(y2050)).tag, Tag.generalizedTime);
  assert.equal(timeOf(readDer(time(y2049))).toISOString(), y2049.toISOString());
  assert.equal(timeOf(readDer(time(y2050))).toISOString(), y2050.toISOString());
  const utc = (text: string) => encode(Tag.utcTime, new TextEncoder().encode(text));
  assert.equal(timeOf(readDer(utc("500101000000Z"))).toISOString(), "1950-01-01T00:00:00.000Z");
  assert.throws(() => timeOf(readDer(utc("2026-01-01"))), TlsError);
});

Deno.test("readDer: refuses trailing bytes, indefinite and overlong lengths", () => {
  assert.throws(() => readDer(new Uint8Array([0x30, 0x00, 0x00])), TlsError);
  assert.throws(() => readDer(new Uint8Array([0x30, 0x80, 0x00, 0x00])), TlsError);
  assert.throws(() => readDer(new Uint8Array([0x30, 0x05, 0x02, 0x01])), TlsError);
  assert.throws(() => readDer(new Uint8Array([0x30])), TlsError);
  assert.throws(() => childrenOf(readDer(new Uint8Array([0x02, 0x01, 0x00]))), TlsError);
  const long = sequence(encode(Tag.octetString, new Uint8Array(300)));
  assert.equal(childrenOf(readDer(long))[0].value.length, 300);
});

Deno.test("stringOf: the string types names come in", () => {
  const s = (tag: number, bytes: number[]) => stringOf(readDer(encode(tag, new Uint8Array(bytes))));
  assert.equal(s(Tag.utf8String, [0xc3, 0xa9]), "é");
  assert.equal(s(Tag.printableString, [0x41, 0x42]), "AB");
  assert.equal(s(Tag.bmpString, [0, 0x41, 0x00, 0xe9]), "Aé");
  assert.equal(s(Tag.universalString, [0, 1, 0xf6, 0x00]), "😀");
  assert.throws(() => s(Tag.utf8String, [0xff]), TlsError);
  assert.throws(() => s(Tag.integer, [1]), TlsError);
});
