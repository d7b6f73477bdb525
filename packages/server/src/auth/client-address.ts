/**
 * The address a call came from when reverse proxies stand in front of the server: the TCP peer's
 * address, unless the peer is a trusted proxy, in which case the address that proxy forwarded
 * (`X-Forwarded-For`, read from its right end, the nearest hop first), and so on while the hop is
 * trusted too. An untrusted peer's `X-Forwarded-For` is ignored: a caller cannot choose the
 * address its failed attempts are counted against. REST (fastify's `trustProxy`) and gRPC (its
 * `x-forwarded-for` metadata) use the same trust.
 */
import { BlockList, isIP } from 'node:net';

/** Whether a peer at this address is a proxy whose `X-Forwarded-For` is believed. */
export type ProxyTrust = (address: string) => boolean;

export const TRUST_NO_PROXY: ProxyTrust = () => false;

/** `::ffff:10.0.0.1` (an IPv4 peer of a dual-stack socket) as `10.0.0.1`. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1] ?? address;
}

/**
 * Trust in the proxies at these addresses and CIDR ranges (`10.0.0.0/8`, `192.168.1.7`, `::1`,
 * `fd00::/8`). Throws a TypeError naming an entry that is neither.
 */
export function trustProxies(entries: readonly string[]): ProxyTrust {
  if (entries.length === 0) return TRUST_NO_PROXY;
  const trusted = new BlockList();
  for (const raw of entries) {
    const [address = '', bits, ...rest] = raw.trim().split('/');
    const family = isIP(unmapped(address));
    const max = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      rest.length > 0 ||
      (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))
    ) {
      throw new TypeError(`not an IP address or CIDR range: "${raw}"`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) trusted.addAddress(unmapped(address), type);
    else trusted.addSubnet(unmapped(address), Number(bits), type);
  }
  return (address) => {
    const a = unmapped(address);
    const family = isIP(a);
    return family !== 0 && trusted.check(a, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** The caller's address: `peer`, or what trusted proxies forwarded (see the module's comment). */
export function clientAddress(
  peer: string,
  forwardedFor: string | undefined,
  trusted: ProxyTrust,
): string {
  if (forwardedFor === undefined) return peer;
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  let client = peer;
  for (let hop = hops.pop(); hop !== undefined && trusted(client); hop = hops.pop()) {
    client = unmapped(hop);
  }
  return client;
}
