// DOM helpers shared by the dashboard's views.

export const $ = (id) => document.getElementById(id);

/** Builds an element: el('td', { class: 'x', dataset: { a: '1' } }, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'class') node.className = v;
    else if (k === 'style') Object.assign(node.style, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** The label every view puts on an emulated device and its numbers: its timings are emulation, not phone performance. */
export function emulatedBadge(what = 'device') {
  return el(
    'span',
    {
      class: 'emulated-badge',
      dataset: { testid: 'emulated' },
      title: `emulated ${what}: test and demo infrastructure; its timings are emulation, not the performance of a phone`,
    },
    'emulated',
  );
}

/** Fixed colour per canonical op class (libs/contracts/src/op-class.ts), the same in every chart and table. */
export const OP_CLASS_COLOURS = {
  conv: '#2456c9',
  depthwise_conv: '#5b8def',
  fully_connected: '#7a4bc2',
  pool: '#00897b',
  elementwise: '#f39c12',
  activation: '#e8590c',
  resize: '#c2185b',
  reshape_transpose: '#8d6e63',
  softmax: '#6d4c41',
  quantize: '#455a64',
  other: '#9aa5b1',
};
