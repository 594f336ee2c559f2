import { describe, expect, it } from '@jest/globals';
import { crossSiteProblem } from './cross-site.js';

describe('crossSiteProblem', () => {
  it('lets reads through whatever their origin', () => {
    expect(crossSiteProblem('GET', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).toBeNull();
  });

  it('refuses a cross-site or same-site POST by Sec-Fetch-Site, even with a matching Origin', () => {
    expect(crossSiteProblem('POST', { 'sec-fetch-site': 'cross-site' })).toMatch(/another origin/);
    expect(crossSiteProblem('POST', { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' })).toMatch(/same-site/);
  });

  it('allows same-origin pages and typed-in navigations', () => {
    expect(crossSiteProblem('POST', { 'sec-fetch-site': 'same-origin' })).toBeNull();
    expect(crossSiteProblem('DELETE', { 'sec-fetch-site': 'none' })).toBeNull();
  });

  it('falls back to Origin against Host for browsers without Sec-Fetch-Site', () => {
    expect(crossSiteProblem('POST', { origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' })).toBeNull();
    expect(crossSiteProblem('POST', { origin: 'http://evil.example', host: '127.0.0.1:3000' })).toMatch(/evil\.example/);
    expect(crossSiteProblem('POST', { origin: 'null', host: '127.0.0.1:3000' })).toMatch(/refused/);
  });

  it('leaves clients that are not browsers to their key', () => {
    expect(crossSiteProblem('POST', { host: '127.0.0.1:3000' })).toBeNull();
  });
});
