import { describe, expect, it } from 'vitest';
import { clientAddress, TRUST_NO_PROXY, trustProxies } from './client-address.js';

describe('trustProxies', () => {
  it('trusts the addresses and ranges given, IPv4 and IPv6, mapped or not', () => {
    const trusted = trustProxies(['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8']);
    for (const a of ['10.1.2.3', '::ffff:10.9.9.9', '192.168.1.7', '::1', 'fd12::3']) {
      expect(trusted(a), a).toBe(true);
    }
    for (const a of ['11.0.0.1', '192.168.1.8', '::2', 'fe80::1', 'unknown', '']) {
      expect(trusted(a), a).toBe(false);
    }
  });

  it('names an entry that is not an address or a range', () => {
    for (const bad of ['10.0.0.0/33', 'proxy.local', '10.0.0.0/8/1', '::1/129', '1.2.3.4/x']) {
      expect(() => trustProxies([bad]), bad).toThrow(`"${bad}"`);
    }
  });

  it('trusts nobody when given nothing', () => {
    expect(trustProxies([])('127.0.0.1')).toBe(false);
  });
});

describe('clientAddress', () => {
  const proxies = trustProxies(['10.0.0.0/8']);

  it('is the peer when no proxy is trusted, whatever the caller forwards', () => {
    expect(clientAddress('203.0.113.5', '198.51.100.1', TRUST_NO_PROXY)).toBe('203.0.113.5');
    expect(clientAddress('203.0.113.5', '198.51.100.1', proxies)).toBe('203.0.113.5');
  });

  it('is the address a trusted proxy forwarded, through a chain of trusted proxies', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.1', proxies)).toBe('198.51.100.1');
    // The caller's own claim (leftmost) is passed over for what the outer proxy saw.
    expect(clientAddress('10.0.0.2', '1.1.1.1, 198.51.100.1, 10.0.0.3', proxies)).toBe(
      '198.51.100.1',
    );
    expect(clientAddress('10.0.0.2', '::ffff:198.51.100.1', proxies)).toBe('198.51.100.1');
  });

  it('is the last trusted hop when the proxies forwarded nothing further', () => {
    expect(clientAddress('10.0.0.2', undefined, proxies)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', ' , ', proxies)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '10.0.0.3', proxies)).toBe('10.0.0.3');
  });
});
