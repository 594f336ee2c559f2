// What the nightly collectors share: authenticated calls to a running farm's API, the bundled
// BlazeFace uploaded to it, and the farm's Linux desktop with the frameworks the collectors measure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One authenticated JSON (or multipart) call; a non-2xx answer throws with the farm's error body. */
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

/** FARM_API_KEY's farm, BlazeFace uploaded to it (deduplicated by content), its first online Linux device and that device's ONNX Runtime and OpenCV DNN. */
export async function benchTarget(api, root) {
  const key = process.env.FARM_API_KEY;
  if (!key) throw new Error('set FARM_API_KEY (npm run farm prints where it saved the admin key)');
  const call = farmCall(api, key);
  const form = new FormData();
  form.append('file', new Blob([readFileSync(join(root, '.cache/models/blazeface_front_128.onnx'))]), 'blazeface_front_128.onnx');
  form.append('slug', 'bench-nightly-blazeface');
  const uploaded = await call('POST', '/models', form);
  const device = (await call('GET', '/devices?limit=1000')).items.find((d) => ['online', 'busy', 'cooling'].includes(d.status) && d.platform === 'linux');
  if (!device) throw new Error('no online linux device on this farm');
  const frameworks = device.frameworks.map((f) => f.framework).filter((f) => ['onnxruntime', 'opencv-dnn'].includes(f));
  return { call, uploaded, device, frameworks };
}
