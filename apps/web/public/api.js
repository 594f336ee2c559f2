// The dashboard's one way to call the farm API: JSON in, the API's error code and message out on failure.
//
// Its API key arrives in the URL fragment (#key=…, as `npm run farm` prints the dashboard URL):
// a fragment is never sent to a server or written to its logs. The key is moved to sessionStorage
// (this tab only, gone when it closes) and the fragment is removed from the address bar and history.

const KEY_ITEM = 'farm.apiKey';

function takeKeyFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const key = params.get('key');
  if (!key) return;
  sessionStorage.setItem(KEY_ITEM, key);
  params.delete('key');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
}
takeKeyFromFragment();

function authHeaders() {
  const key = sessionStorage.getItem(KEY_ITEM);
  return key ? { authorization: `Bearer ${key}` } : {};
}

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export async function api(path) {
  let res;
  try {
    res = await fetch(path, { headers: { accept: 'application/json', ...authHeaders() } });
  } catch (e) {
    throw new ApiError('API_UNREACHABLE', `cannot reach the API (${e.message})`);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`HTTP_${res.status}`, `${path} answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const code = body?.error?.code ?? `HTTP_${res.status}`;
    const hint =
      code === 'API_KEY_REQUIRED' || code === 'API_KEY_INVALID' ? ' Open the dashboard URL the farm printed, or add #key=<your API key> to this address.' : '';
    throw new ApiError(code, `${body?.error?.message ?? `${path} failed with status ${res.status}`}${hint}`);
  }
  return body;
}

/** Every item of a paged list endpoint ({ items, nextCursor }): follows the cursor to the last page. The path may carry filters (?state=open). */
export async function apiList(path) {
  const items = [];
  const join = path.includes('?') ? '&' : '?';
  let cursor = null;
  do {
    const page = await api(`${path}${join}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** POST with a JSON body (the advisor's one-click benchmarks); errors as for api(). */
export async function apiPost(path, body) {
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    throw new ApiError('API_UNREACHABLE', `cannot reach the API (${e.message})`);
  }
  const parsed = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(parsed?.error?.code ?? `HTTP_${res.status}`, parsed?.error?.message ?? `${path} failed with status ${res.status}`);
  return parsed;
}
