/**
 * Refuses state-changing requests sent by a web page of another origin. A multipart or
 * urlencoded POST is a "simple" request: a browser sends it cross-origin without asking, with the
 * user's network position (a farm on 127.0.0.1 is reachable from any page the user opens). Browsers
 * label such requests: Sec-Fetch-Site (all current browsers) and Origin (older ones too). Clients
 * that are not browsers (the CLI, agents, curl) send neither and are judged by their key alone.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type Headers = Record<string, string | string[] | undefined>;

function one(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

/** Why the request is refused as cross-site, or null when it may go on. */
export function crossSiteProblem(method: string, headers: Headers): string | null {
  if (SAFE_METHODS.has(method.toUpperCase())) return null;
  const fetchSite = one(headers['sec-fetch-site']);
  // "same-site" is refused too: another host under the same domain is another party.
  if (fetchSite !== undefined) {
    return fetchSite === 'same-origin' || fetchSite === 'none'
      ? null
      : `a ${method} from a web page of another origin is refused (Sec-Fetch-Site: ${fetchSite}); use the farm's own dashboard, the CLI or an API client`;
  }
  const origin = one(headers.origin);
  if (origin === undefined) return null;
  const host = one(headers.host);
  let originHost: string | null = null;
  try {
    originHost = origin === 'null' ? null : new URL(origin).host;
  } catch {
    originHost = null;
  }
  if (originHost !== null && host !== undefined && originHost === host.toLowerCase()) return null;
  return `a ${method} from origin ${origin} to ${host ?? 'this API'} is refused: only the farm's own pages may change it from a browser`;
}
