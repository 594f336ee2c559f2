// The dashboard's one way to call the farm API: JSON in, the API's error code and message out on failure.

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export async function api(path) {
  let res;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' } });
  } catch (e) {
    throw new ApiError('API_UNREACHABLE', `cannot reach the API (${e.message})`);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`HTTP_${res.status}`, `${path} answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) throw new ApiError(body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? `${path} failed with status ${res.status}`);
  return body;
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
