// Jobs needing attention: GET /jobs/attention, the newest failed jobs and jobs stuck on a device
// whose agent went silent, each with its attempts and its reason (the last error, or why it
// waits), so a stuck or failed job is explained without a shell. Loads on its own, like devices.
import { api } from './api.js';
import { $, el } from './dom.js';

function reason(j) {
  if (j.status === 'failed' && j.error) return [el('code', {}, j.error.code), ' ', j.error.message];
  if (j.waiting) return [el('code', {}, j.waiting.reason), ' ', j.waiting.message];
  return j.error ? [el('code', {}, j.error.code), ' ', j.error.message] : ['–'];
}

function jobRow(j) {
  return el(
    'tr',
    { dataset: { testid: 'attention-row', jobId: j.id, status: j.status } },
    el('td', {}, el('span', { class: `state state-${j.status === 'failed' ? 'offline' : 'cooling'}` }, j.status)),
    el('td', {}, j.device.name),
    el('td', {}, j.framework),
    el('td', { class: 'num' }, String(j.attempts)),
    el('td', { dataset: { testid: 'attention-reason' } }, ...reason(j)),
    el('td', { class: 'muted small' }, el('code', {}, j.runId)),
    el('td', { class: 'muted small' }, new Date(j.finishedAt ?? j.queuedAt).toLocaleString()),
  );
}

export async function loadAttention() {
  const section = $('attention-section');
  section.dataset.ready = 'false';
  try {
    const { jobs, limit } = await api('/jobs/attention');
    if (jobs.length === 0) {
      $('attention-status').textContent = 'No failed or stuck jobs.';
      $('attention').replaceChildren();
    } else {
      $('attention-status').textContent = jobs.length === limit ? `The ${limit} newest.` : '';
      const head = el('thead', {}, el('tr', {}, ...['status', 'device', 'framework', 'attempts', 'reason', 'run', 'when'].map((h) => el('th', {}, h))));
      $('attention').replaceChildren(head, el('tbody', {}, ...jobs.map(jobRow)));
    }
  } catch (e) {
    $('attention-status').textContent = `Could not list jobs needing attention: ${e.code}: ${e.message}`;
    $('attention-status').className = 'status error';
  }
  section.dataset.ready = 'true';
}
