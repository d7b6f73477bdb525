/** Whether an address to listen on (or a URL's host) is a loopback one: reachable from this machine only. */
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for `localhost`, 127.0.0.0/8 and ::1 (in any of its spellings, bracketed or not, and as an
 * IPv4-mapped address). False for everything else, including `0.0.0.0`, `::` and the empty host
 * (every interface).
 */
export function isLoopback(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost' || h === 'localhost.') return true;
  const family = isIP(h);
  if (family === 0) return false;
  try {
    return LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
}
