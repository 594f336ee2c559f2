// One authenticated JSON (or multipart) call to a running farm's API, for the nightly collectors;
// a non-2xx answer throws with the farm's error body.
export function farmCall(api, key) {
  const headers = { authorization: `Bearer ${key}` };
  return async function call(method, path, body) {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { ...headers, ...(body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}) },
      body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
    });
    const json = JSON.parse(await res.text());
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}
