// Devices view: every device of GET /devices with its platform, SoC, state (online, busy, cooling,
// offline, unauthorized), latest temperature and battery; emulated devices carry a badge. It loads on
// its own, so it shows even when no model has been uploaded yet.
import { apiList } from './api.js';
import { $, el, emulatedBadge } from './dom.js';

/** What each state means, for the state badge's tooltip. */
const STATE_TITLES = {
  online: 'idle: takes the next job in its queue',
  busy: 'running a benchmark',
  cooling: 'holding a job, waiting until the device is cool enough to time it',
  offline: 'not listed by its agent, its Appium server does not answer (iOS), or the agent has stopped sending heartbeats: nothing is queued on it',
  unauthorized: "adb sees the phone but it has not accepted this host's USB debugging key: accept the prompt on the phone",
};

const celsius = (c) => (c === null || c === undefined ? '–' : `${c.toFixed(1)} °C`);

function batteryText(b) {
  if (!b) return '–';
  const parts = [b.levelPercent === null ? '?%' : `${Math.round(b.levelPercent)}%`];
  if (b.charging !== null) parts.push(b.charging ? 'charging' : 'on battery');
  if (b.temperatureC !== null) parts.push(celsius(b.temperatureC));
  return parts.join(', ');
}

function deviceRow(d) {
  const chip = [d.soc, d.cpuModel].filter(Boolean).join(' / ') || '–';
  const freqs = d.coreMaxFreqMHz?.length ? `max ${Math.max(...d.coreMaxFreqMHz)} MHz` : null;
  return el(
    'tr',
    { dataset: { testid: 'device-row', deviceId: d.id, status: d.status, emulated: String(d.emulated) } },
    el(
      'td',
      {},
      d.name,
      d.emulated ? ' ' : null,
      d.emulated ? emulatedBadge() : null,
      d.name !== d.serial ? el('div', { class: 'muted small' }, d.serial) : null,
    ),
    el('td', {}, d.platform === 'ios' ? 'iOS' : d.platform, el('div', { class: 'muted small' }, d.transport === 'appium' ? 'appium (XCUITest)' : d.transport)),
    el('td', {}, chip, d.cores ? el('div', { class: 'muted small' }, `${d.cores} cores${freqs ? `, ${freqs}` : ''}`) : null),
    el('td', {}, el('span', { class: `state state-${d.status}`, dataset: { testid: 'device-state' }, title: STATE_TITLES[d.status] ?? '' }, d.status)),
    el(
      'td',
      { class: 'num', dataset: { testid: 'device-temperature' } },
      celsius(d.lastTemperatureC),
      // iOS gives apps no temperature, only ProcessInfo's thermal state: shown in its place.
      d.lastThermalState
        ? el(
            'div',
            { class: `small thermal-${d.lastThermalState}`, dataset: { testid: 'device-thermal' }, title: 'thermal state (iOS exposes no temperature)' },
            `thermal ${d.lastThermalState}`,
          )
        : null,
    ),
    el('td', { dataset: { testid: 'device-battery' } }, batteryText(d.battery)),
    el('td', {}, d.frameworks.map((f) => `${f.framework} ${f.version}`).join(', ') || '–'),
    el('td', { class: 'muted small' }, d.lastSnapshotAt ? new Date(d.lastSnapshotAt).toLocaleString() : '–'),
  );
}

export async function loadDevices() {
  const section = $('devices-section');
  section.dataset.ready = 'false';
  let devices;
  try {
    devices = await apiList('/devices');
  } catch (e) {
    $('devices-status').textContent = `Could not list devices: ${e.code}: ${e.message}`;
    $('devices-status').className = 'status error';
    section.dataset.ready = 'true';
    return;
  }
  if (devices.length === 0) {
    $('devices-status').textContent = 'No devices registered yet: start an agent (device-agents/agent) pointed at this API.';
    $('devices').replaceChildren();
  } else {
    $('devices-status').textContent = '';
    const head = el(
      'thead',
      {},
      el('tr', {}, ...['device', 'platform', 'SoC / CPU', 'state', 'temperature', 'battery', 'frameworks', 'last snapshot'].map((h) => el('th', {}, h))),
    );
    $('devices').replaceChildren(head, el('tbody', {}, ...devices.map(deviceRow)));
  }
  section.dataset.ready = 'true';
}
