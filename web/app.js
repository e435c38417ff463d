// The dashboard page: history from /api/metrics (so a reload mid-run shows everything), live updates from
// /api/events (Server-Sent Events), samples from /api/samples, the cluster table from /api/status.
'use strict';

window.addEventListener('error', e => { document.getElementById('run').textContent = 'page error: ' + e.message; });

const series = {};          // name -> [{x: seconds, y}]
let t0 = null;
const charts = {};

function line(id, names, yTitle, logY) {
  charts[id] = new Chart(document.getElementById(id), {
    type: 'line',
    data: { datasets: names.map(n => ({ label: n, data: [], pointRadius: 0, borderWidth: 1.5 })) },
    options: {
      animation: false, maintainAspectRatio: false, parsing: false,
      scales: { x: { type: 'linear', title: { display: true, text: 'seconds' } },
                y: { type: logY ? 'logarithmic' : 'linear', title: { display: !!yTitle, text: yTitle } } },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } }
    }
  });
}

line('losses', ['ipm', 'criticLoss', 'valueLoss'], '');
line('policy', ['policyLoss', 'gradNorm', 'gradNormClipped'], '');
line('advantages', ['advantageMean', 'advantageStd'], '');
charts.swd = new Chart(document.getElementById('swd'), {
  type: 'line',
  data: { datasets: [
    { label: 'SFT-PG policy', data: [], borderWidth: 2, pointRadius: 3 },
    { label: 'pretrained few-step sampler', data: [], borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
    { label: 'data floor', data: [], borderDash: [2, 3], pointRadius: 0, borderWidth: 1.5 } ] },
  options: { animation: false, maintainAspectRatio: false, parsing: false,
    scales: { x: { type: 'linear', title: { display: true, text: 'policy updates' } },
              y: { type: 'linear', title: { display: true, text: 'SWD' }, beginAtZero: true } },
    plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } } }
});
charts.samples = new Chart(document.getElementById('samples'), {
  type: 'scatter',
  data: { datasets: [
    { label: 'data', data: [], pointRadius: 1.2, backgroundColor: 'rgba(220,80,80,.35)' },
    { label: 'samples', data: [], pointRadius: 1.2, backgroundColor: 'rgba(30,90,200,.7)' } ] },
  options: { animation: false, maintainAspectRatio: false, parsing: false,
    plugins: { legend: { position: 'bottom' } } }
});

const TRACKED = { discriminator: ['ipm', 'criticLoss'], value: ['valueLoss'],
  generator: ['policyLoss', 'gradNorm', 'gradNormClipped', 'policyLr', 'advantageMean', 'advantageStd'] };

function addEntry(e) {
  if (t0 === null) t0 = e.t;
  const role = e.metrics.role, names = TRACKED[role];
  if (!names) return;
  for (const n of names) {
    const v = e.metrics[n];
    if (typeof v === 'number' && isFinite(v)) (series[n] = series[n] || []).push({ x: (e.t - t0) / 1000, y: v });
  }
}

let evaluations = [];
let initial = null;
function redraw() {
  for (const id of ['losses', 'policy', 'advantages'])
    for (const ds of charts[id].data.datasets) ds.data = series[ds.label] || [];
  // the curve is the task's primary metric (SWD for points and bars, FID for fashion-mnist)
  const metric = (initial && initial.metric) || 'swd';
  const pts = evaluations.map(p => ({ x: p.generatorStep, y: p[metric] }));
  charts.swd.data.datasets[0].data = pts;
  const maxX = Math.max(1, ...pts.map(p => p.x));
  if (initial && initial[metric]) {
    const floor = initial.dataFloor || initial.dataFloorSwd;
    charts.swd.data.datasets[1].data = [{ x: 0, y: initial[metric].mean }, { x: maxX, y: initial[metric].mean }];
    if (floor) charts.swd.data.datasets[2].data = [{ x: 0, y: floor.mean }, { x: maxX, y: floor.mean }];
    charts.swd.options.scales.y.title.text = metric.toUpperCase();
    document.getElementById('qualityTitle').textContent = 'Quality: ' + (metric === 'fid'
      ? 'FID (classifier features) of the policy\'s samples' : 'sliced Wasserstein distance of the policy\'s samples');
  }
  Object.values(charts).forEach(c => c.update('none'));
}

// learning rates as 1.0e-5, not 0.000009999383162408303
function sci(v) {
  return typeof v === 'number' && isFinite(v) && v !== 0 ? v.toExponential(1) : String(v);
}

function pairs(flat) {
  const out = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ x: flat[i], y: flat[i + 1] });
  return out;
}

async function loadSamples() {
  const s = await (await fetch('/api/samples')).json();
  const step = s.generatorStep !== undefined ? 'samples, policy v' + s.generatorStep : 'samples (after the first evaluation)';
  const images = s.data && s.data.kind === 'images';
  document.getElementById('samplesScatter').hidden = images;
  document.getElementById('samplesGrids').hidden = !images;
  if (images) {
    // image tasks: PNG grids of the policy's samples beside real images
    document.getElementById('samplesTitle').textContent = 'Samples beside real images';
    document.getElementById('dataPng').src = 'data:image/png;base64,' + s.data.png;
    if (s.samples && s.samples.png) document.getElementById('samplesPng').src = 'data:image/png;base64,' + s.samples.png;
    document.getElementById('samplesCaption').textContent = step;
    return;
  }
  // point tasks: the first two coordinates of each point, whatever its dimension
  charts.samples.data.datasets[0].data = pairs((s.data && s.data.xy) || []);
  charts.samples.data.datasets[1].data = pairs((s.samples && s.samples.xy) || []);
  charts.samples.data.datasets[1].label = step;
  // one scale for both clouds, with a margin, so nothing is clipped at the edges
  const all = charts.samples.data.datasets.flatMap(d => d.data);
  if (all.length) {
    const xs = all.map(p => p.x), ys = all.map(p => p.y);
    const pad = (lo, hi) => { const m = 0.05 * Math.max(1e-6, hi - lo); return [lo - m, hi + m]; };
    const [x0, x1] = pad(Math.min(...xs), Math.max(...xs)), [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
    charts.samples.options.scales = { x: { type: 'linear', min: x0, max: x1 }, y: { type: 'linear', min: y0, max: y1 } };
  }
  charts.samples.update('none');
}

function fmtAge(ms) { return ((Date.now() - ms) / 1000).toFixed(1) + ' s ago'; }

async function loadStatus() {
  const s = await (await fetch('/api/status')).json();
  const c = s.coordinator || {}, r = s.run || {};
  initial = c.initial || initial;
  evaluations = s.evaluations || evaluations;
  const elapsed = c.elapsedSeconds || 0, budget = (c.maxMinutes || 0) * 60;
  document.getElementById('run').textContent =
    `run ${r.runId || '?'} · preset ${r.preset || '?'} · ${r.sampler || ''} · elapsed ${elapsed.toFixed(0)} s` +
    ` · budget left ${Math.max(0, budget - elapsed).toFixed(0)} s / ${c.maxGeneratorSteps || '∞'} updates` +
    ` · policy v${c.policyVersion || 0} · policy lr ${sci((s.generator || {}).policyLr ?? r.policyLr)} · B ${r.batchSize} · nCritic ${r.nCritic}` +
    ` · checkpoints ${(c.checkpoints || []).length}` + (c.paused ? ' · PAUSED' : '');
  const body = document.querySelector('#cluster tbody');
  body.innerHTML = '';
  for (const m of s.cluster || []) {
    const tr = document.createElement('tr');
    const cells = [m.id, m.role, m.host, m.state, fmtAge(m.lastHeartbeatMillis), m.policyVersion ?? '',
      typeof m.batchesPerSecond === 'number' ? m.batchesPerSecond.toFixed(2) : '', m.queueDepth ?? ''];
    cells.forEach((v, i) => { const td = document.createElement('td'); td.textContent = v; if (i === 3) td.className = v; tr.appendChild(td); });
    body.appendChild(tr);
  }
  const g = s.generator || {};
  const lags = Object.entries(g.policyLagHistogram || {}).map(([lag, n]) => `${lag}: ${n}`).join(', ');
  document.getElementById('flow').textContent = `buffered transitions ${g.bufferedTransitions ?? 0} · dropped for policy lag ${g.droppedForPolicyLag ?? 0}` +
    ` · generator queue ${g.queueDepth ?? 0} · batches by policy lag (versions behind: count) ${lags || '–'}`;
  const d = s.discriminator || {};
  document.getElementById('faults').textContent = `rollout workers alive ${g.liveWorkers ?? '–'} · lost ${g.workersLost ?? 0}` +
    ` · credits in flight ${g.creditsInFlight ?? 0} · lost batches ${g.lostBatches ?? 0}` +
    ` · skipped updates ${(g.skippedUpdates ?? 0) + (d.skippedUpdates ?? 0) + ((s.value || {}).skippedUpdates ?? 0)}` +
    ` · rollbacks ${c.rollbacks ?? 0}${c.lrScale && c.lrScale !== 1 ? ` (learning rates x${c.lrScale})` : ''}`;
  redraw();
}

async function start() {
  const h = await (await fetch('/api/metrics?since=0')).json();
  h.entries.forEach(addEntry);
  evaluations = h.evaluations || [];
  await loadStatus();
  await loadSamples();
  const es = new EventSource('/api/events');
  es.addEventListener('metrics', ev => addEntry(JSON.parse(ev.data)));
  es.addEventListener('eval', ev => { evaluations.push(JSON.parse(ev.data)); loadSamples(); });
  setInterval(() => { loadStatus().catch(() => {}); }, 2000);
}
start().catch(e => { document.getElementById('run').textContent = 'cannot reach the run: ' + e; });
