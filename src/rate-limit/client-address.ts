import { isIPv4, isIPv6 } from "node:net";

/**
 * The part of a client's address that its attempts are counted under. IPv4 addresses count one
 * by one; IPv6 addresses by their /64 network, because one subscriber (one attacker) is usually
 * given a whole /64 and could otherwise draw a fresh address for every attempt. IPv4-mapped
 * IPv6 addresses (`::ffff:192.0.2.1`, how a dual-stack socket reports IPv4 clients) count as
 * the IPv4 address they carry.
 */
export function addressBucketKey(address: string): string {
  const plain = address.replace(/%.*$/, "").toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(plain);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(plain)) return plain;
  if (!isIPv6(plain)) return `other:${plain}`;
  const groups = expandIPv6(plain);
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, without leading zeros. */
function expandIPv6(address: string): string[] {
  let text = address;
  // An embedded IPv4 tail (`64:ff9b::192.0.2.1`) stands for the last two groups.
  const tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number);
    const high = ((a << 8) | b).toString(16);
    const low = ((c << 8) | d).toString(16);
    text = `${text.slice(0, tail.index)}${high}:${low}`;
  }
  const [head, rest] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = rest === undefined ? [] : rest ? rest.split(":") : [];
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}
