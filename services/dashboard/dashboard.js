// SACM Grid dashboard: the estate's compliance, live from the grid's
// topics, over XMPP on WebSocket (strophe.js), as a read-only account.
//
// grid.*    the connection: IQs, pubsub items and events, the results
//           repository's queries (XEP-0059 pages), disco
// views     estate, assessments, endpoint, waivers, vulnerabilities, topics; each renders from
//           `model` and re-renders when an event changes it
import { Strophe, $iq, $pres } from './strophe.esm.js';

const NS = 'http://sacm-grid.dev/protocol/1';
const NS_RESULTS = NS + '/results';
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NS_EVENT = NS_PUBSUB + '#event';
const NS_RSM = 'http://jabber.org/protocol/rsm';
const NS_INFO = 'http://jabber.org/protocol/disco#info';
const NS_ITEMS = 'http://jabber.org/protocol/disco#items';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const LIVE = ['sacm/results', 'sacm/assessments', 'sacm/posture/stored', 'sacm/endpoints'];
const SEVERITIES = ['high', 'medium', 'low', 'unknown'];

const conf = {
  domain: 'grid.test', pubsub: 'pubsub.grid.test',
  results: 'results-repo@grid.test/sacm-results-repo',
  websocket: '/xmpp-websocket', jid: 'dashboard@grid.test',
};
const model = {
  results: new Map(),      // item id -> result attributes + failed rules
  assessments: new Map(),  // id -> assessment attributes
  endpoints: new Map(),    // id -> endpoint attributes
  posture: new Map(),      // endpoint -> newest posture-stored attributes
  loaded: false,
};
const ui = { sort: { key: 'hostname', dir: 1 }, filter: '', flash: new Set() };
let conn = null, creds = null, retry = 0, retryTimer = null;

// ---- small helpers -------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const attrs = (el) => Object.fromEntries([...el.attributes].map((a) => [a.name, a.value]));
const short = (s, n = 12) => (s && s.length > n ? s.slice(0, n) + '\u2026' : s || '');
const profileName = (p) => (p || 'default').replace(/^xccdf_org\.ssgproject\.content_profile_/, '');
const num = (v) => (v === undefined || v === '' ? NaN : Number(v));
function ago(iso) {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 90) return s + ' s ago';
  if (s < 5400) return Math.round(s / 60) + ' min ago';
  if (s < 129600) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}
function setStatus(kind, text) {
  const s = document.getElementById('status');
  s.className = 'status ' + kind;
  s.textContent = text;
  document.body.dataset.status = kind;
}

// ---- the grid ------------------------------------------------------------

function stanzaError(st) {
  if (!st) return new Error('no answer (timeout)');
  const err = st.getElementsByTagName('error')[0];
  let cond = 'error', text = '';
  if (err) for (const c of err.children) {
    if (c.namespaceURI === NS_STANZAS && c.localName === 'text') text = c.textContent;
    else if (c.namespaceURI === NS_STANZAS) cond = c.localName;
  }
  const e = new Error(text ? `${cond}: ${text}` : cond);
  e.condition = cond;
  return e;
}

function sendIQ(iq, timeout = 30000) {
  return new Promise((resolve, reject) => {
    if (!conn || !conn.connected) return reject(new Error('not connected'));
    conn.sendIQ(iq, resolve, (st) => reject(stanzaError(st)), timeout);
  });
}

// The newest items of a topic (payload elements with the item id).
async function items(node, max = 1000) {
  const r = await sendIQ($iq({ type: 'get', to: conf.pubsub })
    .c('pubsub', { xmlns: NS_PUBSUB }).c('items', { node, max_items: max }));
  return [...r.getElementsByTagName('item')].map((it) => ({ id: it.getAttribute('id'), el: it.firstElementChild }));
}

async function subscribe(node) {
  const jid = Strophe.getBareJidFromJid(conn.jid);
  const have = await sendIQ($iq({ type: 'get', to: conf.pubsub })
    .c('pubsub', { xmlns: NS_PUBSUB }).c('subscriptions', { node }));
  if ([...have.getElementsByTagName('subscription')].some((s) => s.getAttribute('subscription') === 'subscribed')) return;
  await sendIQ($iq({ type: 'set', to: conf.pubsub })
    .c('pubsub', { xmlns: NS_PUBSUB }).c('subscribe', { node, jid }));
}

// A results repository query, every page of it: the row elements.
async function query(type, params = {}, rowName) {
  const rows = [];
  let after = null;
  for (let page = 0; page < 100; page++) {
    const q = $iq({ type: 'get', to: conf.results }).c('query', { xmlns: NS_RESULTS, type, ...params })
      .c('set', { xmlns: NS_RSM }).c('max').t('500');
    if (after !== null) q.up().c('after').t(String(after));
    const r = await sendIQ(q);
    const answer = r.getElementsByTagNameNS(NS_RESULTS, 'query')[0];
    if (!answer) throw new Error('malformed answer');
    if (!rowName) return answer;
    const got = [...answer.getElementsByTagNameNS(NS_RESULTS, rowName)];
    rows.push(...got.map(attrs));
    const set = answer.getElementsByTagNameNS(NS_RSM, 'set')[0];
    const last = set && set.getElementsByTagName('last')[0];
    const count = set && set.getElementsByTagName('count')[0];
    if (!got.length || !last || !count || Number(last.textContent) + 1 >= Number(count.textContent)) break;
    after = Number(last.textContent);
  }
  return rows;
}

async function disco(ns, to, node) {
  return sendIQ($iq({ type: 'get', to }).c('query', node ? { xmlns: ns, node } : { xmlns: ns }));
}

// Publishing is refused to this account; the dashboard checks it (and the
// test calls it): resolves with the broker's refusal condition.
async function tryPublish(node) {
  try {
    await sendIQ($iq({ type: 'set', to: conf.pubsub }).c('pubsub', { xmlns: NS_PUBSUB })
      .c('publish', { node }).c('item', { id: 'dashboard-probe' })
      .c('probe', { xmlns: NS }));
    return 'published';
  } catch (e) {
    return e.condition || e.message;
  }
}

// ---- the model, from items and events -------------------------------------

function takeResult(id, el) {
  if (!el || el.localName !== 'result' || el.namespaceURI !== NS) return;
  const r = attrs(el);
  r.item = id;
  r.failed = [...el.children].filter((c) => c.localName === 'failed').map(attrs);
  model.results.set(id, r);
}
function takeAssessment(id, el) {
  if (el && el.localName === 'assessment') {
    const a = attrs(el);
    const why = el.getElementsByTagName('reason')[0];
    a.reason = why ? why.textContent : '';
    model.assessments.set(id, a);
  }
}
function takeEndpoint(id, el) {
  if (el && el.localName === 'endpoint') model.endpoints.set(id, attrs(el));
}
function takePosture(id, el) {
  if (!el || el.localName !== 'posture-stored') return;
  const p = attrs(el), old = model.posture.get(p.endpoint);
  if (!old || (p.collected || p.received || '') > (old.collected || old.received || '')) model.posture.set(p.endpoint, p);
}
const takers = {
  'sacm/results': takeResult, 'sacm/assessments': takeAssessment,
  'sacm/endpoints': takeEndpoint, 'sacm/posture/stored': takePosture,
};

function onEvent(msg) {
  for (const ev of msg.getElementsByTagNameNS(NS_EVENT, 'items')) {
    const node = ev.getAttribute('node');
    const take = takers[node];
    if (!take) continue;
    for (const it of ev.getElementsByTagNameNS(NS_EVENT, 'item')) {
      take(it.getAttribute('id'), it.firstElementChild);
      if (node === 'sacm/results') ui.flash.add(it.getAttribute('id'));
    }
    for (const rt of ev.getElementsByTagNameNS(NS_EVENT, 'retract'))
      if (node === 'sacm/results') model.results.delete(rt.getAttribute('id'));
    if (['sacm/results', 'sacm/assessments'].includes(node) || currentView() === 'estate') render(true);
  }
  return true;
}

async function loadAll() {
  for (const node of LIVE) await subscribe(node);
  const [res, asm, eps, pos] = await Promise.all([items('sacm/results'), items('sacm/assessments', 200),
    items('sacm/endpoints'), items('sacm/posture/stored', 500)]);
  res.forEach((i) => takeResult(i.id, i.el));
  asm.forEach((i) => takeAssessment(i.id, i.el));
  eps.forEach((i) => takeEndpoint(i.id, i.el));
  pos.forEach((i) => takePosture(i.id, i.el));
  model.loaded = true;
}

// ---- connection ------------------------------------------------------------

function wsURL() {
  if (/^wss?:/.test(conf.websocket)) return conf.websocket;
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + conf.websocket;
}

function connect() {
  clearTimeout(retryTimer);
  const old = conn;
  const c = new Strophe.Connection(wsURL());
  conn = c;
  if (old && old.connected) old.disconnect();
  c.addHandler(onEvent, null, 'message');
  setStatus(retry ? 'reconnecting' : 'connecting', retry ? 'broker unreachable, reconnecting\u2026' : 'connecting\u2026');
  c.connect(creds.jid, creds.password, async (status, cond) => {
    const S = Strophe.Status;
    if (c !== conn) return;	// an earlier connection's last words
    if (status === S.CONNECTED) {
      retry = 0;
      conn.send($pres());
      setStatus('online', 'online as ' + Strophe.getBareJidFromJid(conn.jid));
      document.getElementById('login').hidden = true;
      try { await loadAll(); } catch (e) { showError('loading the topics: ' + e.message); }
      render();
    } else if (status === S.AUTHFAIL) {
      creds = null;
      setStatus('failed', 'login failed');
      loginError('Login failed: wrong account or password' + (cond ? ` (${cond})` : '') + '.');
    } else if (status === S.CONNFAIL || status === S.DISCONNECTED) {
      if (!creds) return;
      const wait = Math.min(30, 2 ** Math.min(retry, 5));
      retry++;
      setStatus('reconnecting', `broker unreachable; retrying in ${wait} s`);
      if (!model.loaded) showView(h('div', { class: 'empty', id: 'unreachable' }, 'The broker is unreachable; retrying\u2026'));
      retryTimer = setTimeout(connect, wait * 1000);
    }
  });
}

function loginError(text) {
  document.getElementById('login').hidden = false;
  document.getElementById('view').hidden = true;
  const e = document.getElementById('login-error');
  e.textContent = text;
  e.hidden = false;
}
function showError(text) {
  showView(h('div', { class: 'empty error' }, text));
}

// ---- views -----------------------------------------------------------------

function currentView() {
  const p = location.hash.replace(/^#\/?/, '');
  if (p.startsWith('endpoint/')) return 'endpoint';
  if (p.startsWith('vulnerabilities')) return 'vulnerabilities';
  return ['assessments', 'topics', 'waivers'].includes(p) ? p : 'estate';
}
function showView(node) {
  const v = document.getElementById('view');
  v.hidden = false;
  v.replaceChildren(node);
}
function render(live = false) {
  if (!conn || !conn.connected || !model.loaded) return;
  const view = currentView();
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.dataset.view === view);
  document.body.dataset.view = view;
  if (view === 'estate') showView(estate());
  else if (view === 'assessments') showView(assessments());
  else if (!live && view === 'topics') topics();
  else if (!live && view === 'waivers') waiversView();
  else if (!live && view === 'vulnerabilities') vulnsView();
  else if (!live && view === 'endpoint') endpointPage();
}

function sevBadges(failed) {
  const n = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const f of failed) n[SEVERITIES.includes(f.severity) ? f.severity : 'unknown']++;
  return SEVERITIES.filter((s) => n[s]).map((s) => h('span', { class: 'sev ' + s, title: s }, n[s]));
}

const estateCols = [
  ['hostname', 'Endpoint'], ['profile', 'Profile'], ['policy', 'Policy'], ['score', 'Score', true],
  ['waived-score', 'Waived score', true],
  ['pass', 'Pass', true], ['fail', 'Fail', true], ['notapplicable', 'N/A', true],
  ['failed', 'Failed by severity'], ['evaluated', 'Assessed'], ['posture', 'Posture'],
];

function estate() {
  const rows = [...model.results.values()];
  if (!rows.length)
    return h('div', { class: 'empty', id: 'no-data' }, 'No results yet. Publish a policy (sacmctl policy publish FILE) and they appear here as endpoints are assessed.');
  const f = ui.filter.toLowerCase();
  const shown = rows.filter((r) => !f || [r.hostname, r.endpoint, r.profile, r.policy].some((v) => (v || '').toLowerCase().includes(f)));
  const { key, dir } = ui.sort;
  const val = (r) => key === 'failed' ? r.failed.length : key === 'posture' ? (model.posture.get(r.endpoint) || {}).collected || '' : r[key] || '';
  shown.sort((a, b) => {
    const x = val(a), y = val(b);
    const c = !isNaN(num(x)) && !isNaN(num(y)) ? num(x) - num(y) : String(x).localeCompare(String(y));
    return c * dir;
  });
  const endpoints = new Set(rows.map((r) => r.endpoint)).size;
  const failing = rows.filter((r) => num(r.fail) > 0).length;
  const mean = rows.reduce((s, r) => s + num(r.score) / (num(r.max) || 100) * 100, 0) / rows.length;
  const table = h('table', { id: 'estate' },
    h('thead', {}, h('tr', {}, estateCols.map(([k, label]) => h('th', {
      'data-key': k, class: key === k ? (dir > 0 ? 'sorted-asc' : 'sorted-desc') : null,
      onclick: () => { ui.sort = { key: k, dir: key === k ? -dir : 1 }; render(); },
    }, label)))),
    h('tbody', {}, shown.map((r) => {
      const p = model.posture.get(r.endpoint);
      const tr = h('tr', {
        class: 'row-link' + (ui.flash.has(r.item) ? ' flash' : ''), 'data-endpoint': r.endpoint,
        'data-item': r.item, onclick: () => { location.hash = `#/endpoint/${r.endpoint}?policy=${encodeURIComponent(r.policy)}&profile=${encodeURIComponent(r.profile || '')}`; },
      },
      h('td', { 'data-col': 'hostname', title: r.endpoint }, r.hostname || short(r.endpoint)),
      h('td', { 'data-col': 'profile', title: r.profile }, profileName(r.profile)),
      h('td', { 'data-col': 'policy', title: r.policy }, short(r.policy)),
      h('td', { class: 'num', 'data-col': 'score' }, isNaN(num(r.score)) ? '-' : num(r.score).toFixed(1)),
      h('td', { class: 'num' + (num(r.waived) > 0 ? ' waived' : ''), 'data-col': 'waived-score', title: `${r.waived || 0} failed rule(s) waived` },
        isNaN(num(r['waived-score'])) ? '-' : num(r['waived-score']).toFixed(1)),
      h('td', { class: 'num r-pass', 'data-col': 'pass' }, r.pass),
      h('td', { class: 'num r-fail', 'data-col': 'fail' }, r.fail),
      h('td', { class: 'num r-notapplicable', 'data-col': 'notapplicable' }, r.notapplicable),
      h('td', { 'data-col': 'failed' }, sevBadges(r.failed)),
      h('td', { 'data-col': 'evaluated', 'data-value': r.evaluated, title: r.evaluated }, ago(r.evaluated)),
      h('td', { 'data-col': 'posture', title: p ? p.collected : '' }, p ? ago(p.collected || p.received) : '-'));
      return tr;
    })));
  ui.flash.clear();
  const search = h('input', { type: 'search', id: 'filter', placeholder: 'filter: host, endpoint, profile', value: ui.filter,
    oninput: (e) => { ui.filter = e.target.value; const pos = e.target.selectionStart; render(); const n = document.getElementById('filter'); n.focus(); n.setSelectionRange(pos, pos); } });
  return h('div', {},
    h('h2', {}, 'Estate'),
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('b', { id: 'count-endpoints' }, endpoints), 'endpoints'),
      h('div', { class: 'card' }, h('b', {}, rows.length), 'assessed policy/profiles'),
      h('div', { class: 'card' }, h('b', {}, failing), 'with failing rules'),
      h('div', { class: 'card' }, h('b', {}, mean.toFixed(1)), 'mean score')),
    h('div', { class: 'toolbar' }, search, h('span', { class: 'muted' }, `${shown.length} of ${rows.length} shown; live`)),
    table);
}

function assessments() {
  const all = [...model.assessments.values()].sort((a, b) => (b.updated || '').localeCompare(a.updated || ''));
  const open = all.filter((a) => !['complete', 'failed', 'timed-out'].includes(a.state));
  const rowOf = (a) => h('tr', { 'data-assessment': a.id },
    h('td', {}, a.id), h('td', { class: 'r-' + (a.state === 'complete' ? 'pass' : a.state === 'failed' || a.state === 'timed-out' ? 'fail' : 'na') }, a.state),
    h('td', {}, h('span', { class: 'bar', title: `step ${a.step} of ${a.steps}` }, h('span', { style: `width:${(num(a.step) / (num(a.steps) || 4)) * 100}%` })), ` ${a.step}/${a.steps}`),
    h('td', { title: a.endpoint }, (model.endpoints.get(a.endpoint) || {}).hostname || short(a.endpoint)),
    h('td', {}, profileName(a.profile)),
    h('td', { title: a['remediation-sha256'] ? `fix sha256 ${a['remediation-sha256']}, approved by ${a['approved-by']}` : '' },
      a.trigger + (a.remediation ? ` (fix ${a.remediation}, exit ${a['remediation-exit'] ?? '?'})` : '')),
    h('td', { title: a.updated }, ago(a.updated)),
    h('td', { class: 'muted' }, a.reason || ''));
  const table = (list, id) => list.length ? h('table', { id },
    h('thead', {}, h('tr', {}, ['Assessment', 'State', 'Progress', 'Endpoint', 'Profile', 'Trigger', 'Updated', 'Note'].map((t) => h('th', {}, t)))),
    h('tbody', {}, list.map(rowOf))) : h('div', { class: 'empty' }, id === 'in-progress' ? 'Nothing in progress.' : 'No assessments yet.');
  return h('div', {}, h('h2', {}, 'Assessments in progress'), table(open, 'in-progress'),
    h('h3', {}, 'Recent'), table(all.slice(0, 50), 'recent'));
}

async function topics() {
  showView(h('div', { class: 'empty' }, 'Asking the broker for its topics\u2026'));
  try {
    const list = await disco(NS_ITEMS, conf.pubsub);
    const nodes = [...list.getElementsByTagName('item')].map((i) => i.getAttribute('node')).filter(Boolean).sort();
    const rows = await Promise.all(nodes.map(async (node) => {
      let type = '', title = '', count = '';
      try {
        const info = await disco(NS_INFO, conf.pubsub, node);
        for (const f of info.getElementsByTagName('field')) {
          const v = f.getElementsByTagName('value')[0];
          if (f.getAttribute('var') === 'pubsub#type') type = v ? v.textContent : '';
          if (f.getAttribute('var') === 'pubsub#title') title = v ? v.textContent : '';
        }
        const its = await disco(NS_ITEMS, conf.pubsub, node);
        count = its.getElementsByTagName('item').length;
      } catch (e) { title = e.message; }
      return { node, type, title, count };
    }));
    if (currentView() !== 'topics') return;
    showView(h('div', {}, h('h2', {}, 'Topics'),
      h('p', { class: 'muted' }, `${rows.length} topics on ${conf.pubsub} (XEP-0030): pubsub#type and items`),
      h('table', { id: 'topics' }, h('thead', {}, h('tr', {}, ['Topic', 'pubsub#type', 'Items', 'Title'].map((t) => h('th', {}, t)))),
        h('tbody', {}, rows.map((r) => h('tr', { 'data-node': r.node }, h('td', {}, r.node), h('td', {}, r.type),
          h('td', { class: 'num' }, r.count), h('td', {}, r.title)))))));
  } catch (e) { showError('topics: ' + e.message); }
}

// Score over time, plain SVG.
function chart(history) {
  const pts = history.filter((e) => e.state === 'complete' && !isNaN(num(e.score)))
    .map((e) => ({ t: Date.parse(e.evaluated), s: num(e.score) / (num(e.max) || 100) * 100, e })).sort((a, b) => a.t - b.t);
  const W = 640, H = 180, P = 32;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'chart'); svg.setAttribute('id', 'score-chart');
  svg.setAttribute('width', W); svg.setAttribute('height', H); svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const el = (tag, a, text) => { const e = document.createElementNS(svg.namespaceURI, tag); for (const k in a) e.setAttribute(k, a[k]); if (text !== undefined) e.textContent = text; svg.append(e); return e; };
  for (const y of [0, 50, 100]) {
    const py = H - P - (y / 100) * (H - 2 * P);
    el('line', { class: 'grid', x1: P, x2: W - 8, y1: py, y2: py });
    el('text', { x: 4, y: py + 4 }, y);
  }
  if (!pts.length) { el('text', { x: W / 2 - 40, y: H / 2 }, 'no evaluations'); return svg; }
  const t0 = pts[0].t, t1 = pts[pts.length - 1].t, span = t1 - t0 || 1;
  const xy = pts.map((p) => [P + (pts.length === 1 ? (W - P - 8) / 2 : ((p.t - t0) / span) * (W - P - 8 - P / 2)), H - P - (p.s / 100) * (H - 2 * P)]);
  el('polyline', { class: 'line', points: xy.map((p) => p.join(',')).join(' ') });
  xy.forEach(([x, y], i) => { const c = el('circle', { cx: x, cy: y, r: 3.5, 'data-score': pts[i].s.toFixed(1) }); const t = document.createElementNS(svg.namespaceURI, 'title'); t.textContent = `${pts[i].e.evaluated}: ${pts[i].s.toFixed(1)}`; c.append(t); });
  el('text', { x: P, y: H - 8 }, new Date(t0).toISOString().slice(0, 16).replace('T', ' '));
  if (pts.length > 1) el('text', { x: W - 130, y: H - 8 }, new Date(t1).toISOString().slice(0, 16).replace('T', ' '));
  return svg;
}

// A document the results repository sent inline: base64 of gzip.
async function inlineText(el) {
  const bytes = Uint8Array.from(atob(el.textContent.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
}

async function openReport(evaluation) {
  const btn = document.getElementById('report');
  btn.disabled = true; btn.textContent = 'rendering\u2026';
  try {
    const answer = await query('report', { evaluation, inline: 'true' });
    const html = answer.getElementsByTagNameNS(NS_RESULTS, 'html')[0];
    if (!html) throw new Error('no report in the answer');
    const text = await inlineText(html);
    const url = URL.createObjectURL(new Blob([text], { type: 'text/html' }));
    const a = document.getElementById('report-download');
    a.href = url; a.download = `report-${evaluation}.html`; a.hidden = false;
    window.open(url, '_blank');
  } catch (e) {
    document.getElementById('report-error').textContent = 'report: ' + e.message;
  } finally { btn.disabled = false; btn.textContent = 'Open the HTML report'; }
}

// The bash fix for an evaluation's failed rules (waived ones left out),
// as oscap xccdf generate fix writes it: a download, with its sha256.
async function downloadFix(evaluation) {
  const btn = document.getElementById('remediation');
  const out = document.getElementById('remediation-info');
  btn.disabled = true; btn.textContent = 'generating\u2026';
  try {
    const answer = await query('remediation', { evaluation, 'fix-type': 'bash', inline: 'true' });
    const rem = answer.getElementsByTagNameNS(NS_RESULTS, 'remediation')[0];
    const script = rem && rem.getElementsByTagNameNS(NS_RESULTS, 'script')[0];
    if (!script) throw new Error('no script in the answer');
    const text = await inlineText(script);
    const a = document.getElementById('remediation-download');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/x-shellscript' }));
    a.download = `remediation-${evaluation}.sh`; a.hidden = false;
    out.textContent = `${rem.getAttribute('size')} bytes, sha256 ${rem.getAttribute('sha256')}`;
    a.click();
  } catch (e) {
    out.textContent = 'remediation: ' + e.message;
  } finally { btn.disabled = false; btn.textContent = 'Download the bash fix'; }
}

const waiverStates = { active: 'r-pass', expired: 'r-fail', revoked: 'r-na' };
async function waiversView() {
  showView(h('div', { class: 'empty' }, 'Asking the results repository for the waivers\u2026'));
  let all;
  try { all = await query('waivers', {}, 'waiver'); } catch (e) { return showError('waivers: ' + e.message); }
  if (currentView() !== 'waivers') return;
  const rule = (id) => id.replace(/^xccdf_org\.ssgproject\.content_rule_/, '');
  showView(h('div', {}, h('h2', {}, 'Waivers'),
    h('p', { class: 'muted' }, `${all.filter((w) => w.state === 'active').length} in force, ${all.filter((w) => w.state === 'expired').length} expired; only approvers grant them (sacmctl waive)`),
    all.length ? h('table', { id: 'waivers' },
      h('thead', {}, h('tr', {}, ['Waiver', 'State', 'Rules', 'Endpoints', 'Reason', 'Ticket', 'Granted by', 'Expires'].map((t) => h('th', {}, t)))),
      h('tbody', {}, all.map((w) => h('tr', { 'data-waiver': w.id, 'data-state': w.state },
        h('td', {}, w.id), h('td', { class: waiverStates[w.state] || '' }, w.state),
        h('td', { title: w.rules }, (w.rules || '').split(' ').map(rule).join(', ')),
        h('td', { title: w.endpoints }, w.endpoints === 'all' ? 'all' : (w.endpoints || '').split(' ').map((e) => (model.endpoints.get(e) || {}).hostname || short(e)).join(', ')),
        h('td', {}, w.reason || ''), h('td', {}, w.ticket || ''), h('td', {}, w['granted-by'] || ''),
        h('td', { title: w.expires }, w.expires + (w.state === 'active' ? '' : ` (${w.state})`))))))
      : h('div', { class: 'empty', id: 'no-waivers' }, 'No waivers.')));
}

// Vulnerabilities found from stored inventories: the estate by endpoint
// and by CVE (the results repository's vulns and vuln-cves queries); a
// CVE's row opens the endpoints that have it (vuln-who).
async function vulnsView() {
  showView(h('div', { class: 'empty' }, 'Asking the results repository for the vulnerabilities\u2026'));
  const cve = new URLSearchParams(location.hash.split('?')[1] || '').get('cve');
  let eps, cves, who = [];
  try {
    [eps, cves] = await Promise.all([query('vulns', {}, 'endpoint'), query('vuln-cves', {}, 'cve')]);
    if (cve) who = await query('vuln-who', { cve }, 'finding');
  } catch (e) { return showError('vulnerabilities: ' + e.message); }
  if (currentView() !== 'vulnerabilities') return;
  if (!eps.length)
    return showView(h('div', { class: 'empty', id: 'no-vulns' }, 'No vulnerability results yet. Publish vulnerability definitions (sacmctl vuln publish FILE) and every endpoint is evaluated from its stored inventory.'));
  const sev = (s) => h('span', { class: 'sev ' + (['critical', 'high'].includes(s) ? 'high' : SEVERITIES.includes(s) ? s : 'unknown') }, s || '-');
  const host = (e, hn) => hn || (model.endpoints.get(e) || {}).hostname || short(e);
  const table = (id, heads, rows) => h('table', { id }, h('thead', {}, h('tr', {}, heads.map((t) => h('th', {}, t)))), h('tbody', {}, rows));
  return showView(h('div', {}, h('h2', {}, 'Vulnerabilities'),
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('b', { id: 'vuln-endpoints' }, eps.filter((e) => num(e.vulnerable) > 0).length), `of ${eps.length} endpoint(s) vulnerable`),
      h('div', { class: 'card' }, h('b', { id: 'vuln-cves' }, cves.length), 'CVEs open')),
    h('h3', {}, 'By endpoint'),
    table('vulns-by-endpoint', ['Endpoint', 'Definitions', 'Vulnerable', 'New', 'Fixed', 'Of', 'Evaluated'],
      eps.map((e) => h('tr', { 'data-endpoint': e.endpoint },
        h('td', { title: e.endpoint }, host(e.endpoint, e.hostname)), h('td', { title: e.definitions }, e.name),
        h('td', { class: 'num r-fail', 'data-col': 'vulnerable' }, e.vulnerable), h('td', { class: 'num' }, e.newly),
        h('td', { class: 'num r-pass' }, e.fixed), h('td', { class: 'num' }, e.count),
        h('td', { title: e.evaluated }, ago(e.evaluated))))),
    cve ? h('div', { id: 'vuln-who' }, h('h3', {}, `Endpoints with ${cve}`),
      table('who', ['Endpoint', 'Package', 'Installed', 'Fixed in', 'Since'], who.map((f) => h('tr', { 'data-endpoint': f.endpoint },
        h('td', { title: f.endpoint }, host(f.endpoint, f.hostname)), h('td', {}, f.package || '-'),
        h('td', {}, f.installed || '-'), h('td', {}, f['fixed-in'] || '-'), h('td', { title: f.since }, ago(f.since)))))) : null,
    h('h3', {}, 'By CVE'),
    table('vulns-by-cve', ['CVE', 'Endpoints', 'Package', 'Severity'],
      cves.map((c) => h('tr', { class: 'row-link', 'data-cve': c.cve, onclick: () => { location.hash = '#/vulnerabilities?cve=' + encodeURIComponent(c.cve); } },
        h('td', {}, c.cve), h('td', { class: 'num', 'data-col': 'endpoints' }, c.endpoints), h('td', {}, c.package || '-'),
        h('td', {}, sev(c.severity)))))));
}

async function endpointPage() {
  const [path, qs] = location.hash.replace(/^#\/endpoint\//, '').split('?');
  const endpoint = decodeURIComponent(path);
  const params = new URLSearchParams(qs || '');
  const policy = params.get('policy') || undefined, profile = params.get('profile') || undefined;
  const ep = model.endpoints.get(endpoint) || {};
  showView(h('div', { class: 'empty' }, 'Loading ' + (ep.hostname || endpoint) + '\u2026'));
  let rules, history, waivers;
  try {
    const sel = { endpoint, ...(policy ? { policy } : {}), ...(profile !== undefined ? { profile } : {}) };
    [rules, history, waivers] = await Promise.all([query('rules', sel, 'rule'), query('history', sel, 'evaluation'),
      query('waivers', { state: 'active' }, 'waiver')]);
  } catch (e) { return showError(`${ep.hostname || endpoint}: ${e.message}`); }
  if (currentView() !== 'endpoint') return;
  const complete = history.filter((e) => e.state === 'complete');
  const latest = complete[0] || {};
  const filt = { result: '', severity: '', text: '' };
  const tbody = h('tbody');
  const counter = h('span', { class: 'muted', id: 'rule-count' });
  const fill = () => {
    const t = filt.text.toLowerCase();
    const shown = rules.filter((r) => (!filt.result || r.result === filt.result) && (!filt.severity || r.severity === filt.severity) &&
      (!t || (r.title || '').toLowerCase().includes(t) || r.id.toLowerCase().includes(t)));
    const waiverOf = (r) => r.waiver && waivers.find((w) => w.id === r.waiver);
    tbody.replaceChildren(...shown.map((r) => h('tr', { 'data-rule': r.id, class: r.waiver ? 'waived' : null, 'data-waiver': r.waiver || null },
      h('td', { class: 'r-' + r.result }, r.result, r.waiver ? h('span', { class: 'waived-mark' }, 'waived') : ''),
      h('td', {}, r.severity ? h('span', { class: 'sev ' + (SEVERITIES.includes(r.severity) ? r.severity : 'unknown') }, r.severity) : ''),
      h('td', {}, r.title || '', waiverOf(r) ? h('div', { class: 'waiver-note' }, `Waived by ${waiverOf(r)['granted-by']}: ${waiverOf(r).reason}` +
        `${waiverOf(r).ticket ? ` (${waiverOf(r).ticket})` : ''}; expires ${waiverOf(r).expires}`) : ''),
      h('td', { class: 'muted' }, r.id.replace(/^xccdf_org\.ssgproject\.content_rule_/, '')))));
    counter.textContent = `${shown.length} of ${rules.length} rules`;
  };
  const results = [...new Set(rules.map((r) => r.result))].sort();
  const sevs = [...new Set(rules.map((r) => r.severity).filter(Boolean))].sort();
  const select = (id, label, opts, key) => h('label', {}, label + ' ', h('select', { id, onchange: (e) => { filt[key] = e.target.value; fill(); } },
    h('option', { value: '' }, 'all'), opts.map((o) => h('option', { value: o }, o))));
  fill();
  // the difference between two evaluations (default: the last two)
  const diffBox = h('div', { id: 'diff' });
  const fromSel = h('select', { id: 'diff-from' }, complete.map((e, i) => h('option', { value: e.id, selected: i === 1 }, `${e.evaluated} (${e.id})`)));
  const toSel = h('select', { id: 'diff-to' }, complete.map((e, i) => h('option', { value: e.id, selected: i === 0 }, `${e.evaluated} (${e.id})`)));
  const showDiff = async () => {
    if (complete.length < 2) { diffBox.replaceChildren(h('p', { class: 'muted' }, 'One evaluation so far: nothing to compare.')); return; }
    try {
      const d = await query('diff', { from: fromSel.value, to: toSel.value }, 'rule');
      diffBox.replaceChildren(d.length ? h('table', { id: 'diff-table' }, h('thead', {}, h('tr', {}, ['Change', 'Rule', 'Severity', 'Before', 'After'].map((t) => h('th', {}, t)))),
        h('tbody', {}, d.map((r) => h('tr', { 'data-rule': r.id }, h('td', {}, r.change), h('td', {}, r.title || r.id), h('td', {}, r.severity || ''),
          h('td', { class: 'r-' + r.before }, r.before), h('td', { class: 'r-' + r.after }, r.after)))))
        : h('p', { class: 'muted', id: 'no-diff' }, 'No rule changed between these two evaluations.'));
    } catch (e) { diffBox.replaceChildren(h('p', { class: 'error' }, 'diff: ' + e.message)); }
  };
  fromSel.onchange = toSel.onchange = showDiff;
  showView(h('div', { id: 'endpoint-page', 'data-endpoint': endpoint },
    h('p', {}, h('a', { href: '#/' }, '\u2190 estate')),
    h('h2', {}, `${ep.hostname || latest.hostname || endpoint}`),
    h('p', { class: 'muted' }, `endpoint ${endpoint}; ${ep.platform || ''}; profile ${profileName(latest.profile || profile)}; policy ${short(latest.policy || policy, 16)}`),
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('b', {}, isNaN(num(latest.score)) ? '-' : num(latest.score).toFixed(1)), 'score'),
      h('div', { class: 'card' }, h('b', { id: 'waived-score' }, isNaN(num(latest['waived-score'])) ? '-' : num(latest['waived-score']).toFixed(1)),
        `waived score (${latest.waived || 0} waived)`),
      h('div', { class: 'card' }, h('b', { class: 'r-pass' }, latest.pass ?? '-'), 'pass'),
      h('div', { class: 'card' }, h('b', { class: 'r-fail' }, latest.fail ?? '-'), 'fail'),
      h('div', { class: 'card' }, h('b', {}, complete.length), 'evaluations'),
      h('div', { class: 'card' }, h('b', {}, ago(latest.evaluated)), 'last assessed')),
    h('h3', {}, 'Score over time'), chart(history),
    h('h3', {}, 'Report'),
    h('p', {}, h('button', { id: 'report', onclick: () => openReport(latest.id), disabled: !latest.id }, 'Open the HTML report'), ' ',
      h('a', { id: 'report-download', hidden: true }, 'download'), ' ', h('span', { id: 'report-error', class: 'error' })),
    h('h3', {}, 'Remediation'),
    h('p', {}, h('button', { id: 'remediation', onclick: () => downloadFix(latest.id), disabled: !latest.id }, 'Download the bash fix'), ' ',
      h('a', { id: 'remediation-download', hidden: true }, 'remediation.sh'), ' ', h('span', { id: 'remediation-info', class: 'muted' })),
    h('h3', {}, 'Difference between two evaluations'),
    h('div', { class: 'toolbar' }, h('label', {}, 'from ', fromSel), h('label', {}, 'to ', toSel)), diffBox,
    h('h3', {}, 'Rule results'),
    h('div', { class: 'toolbar' }, select('filter-result', 'result', results, 'result'), select('filter-severity', 'severity', sevs, 'severity'),
      h('input', { type: 'search', id: 'rule-search', placeholder: 'search rules', oninput: (e) => { filt.text = e.target.value; fill(); } }), counter),
    h('table', { id: 'rules' }, h('thead', {}, h('tr', {}, ['Result', 'Severity', 'Title', 'Rule'].map((t) => h('th', {}, t)))), tbody)));
  showDiff();
}

// ---- start -----------------------------------------------------------------

async function start() {
  try {
    const r = await fetch('config.json', { cache: 'no-store' });
    if (r.ok) Object.assign(conf, await r.json());
  } catch (e) { /* defaults */ }
  document.getElementById('jid').value = conf.jid;
  document.getElementById('login').hidden = false;
  document.getElementById('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    document.getElementById('login-error').hidden = true;
    creds = { jid: document.getElementById('jid').value.trim(), password: document.getElementById('password').value };
    retry = 0;
    connect();
  });
  window.addEventListener('hashchange', () => render());
  setInterval(() => { if (currentView() === 'estate') render(true); }, 30000);
}

window.sacmDashboard = { tryPublish, model, get connection() { return conn; } };
start();
