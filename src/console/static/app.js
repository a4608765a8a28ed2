// qblink console. Plain JavaScript; calls only /api/v1. Data is always inserted as text
// (textContent, never parsed as HTML), and the page runs under a CSP with no inline script.
'use strict';

const state = { user: '', csrf: '', page: 'status', review: [], current: 0, runs: [], run: null };
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ helpers

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function time(unix) {
  if (!unix) return '—';
  return new Date(unix * 1000).toLocaleString();
}

function say(text, bad) {
  const m = $('message');
  m.textContent = text || '';
  m.classList.toggle('bad', !!bad);
}

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const detail = (data && (data.detail || data.title)) || ('HTTP ' + res.status);
    if (res.status === 401 && path !== '/session') signedOut('Your session has ended; sign in again.');
    throw new ApiError(res.status, detail);
  }
  return data;
}

// Every page of a cursor-paged list.
async function all(path, limit) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 50; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', path + sep + 'limit=' + limit + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

async function guarded(fn) {
  try { await fn(); } catch (e) { if (!(e instanceof ApiError && e.status === 401)) say(e.message, true); }
}

// ------------------------------------------------------------------ session and navigation

function signedIn(session) {
  state.user = session.user;
  state.csrf = session.csrf_token;
  $('who').textContent = 'Signed in as ' + session.user;
  $('nav').hidden = false;
  $('signout').hidden = false;
  show(location.hash.slice(1) || 'status');
}

function signedOut(text) {
  state.user = '';
  state.csrf = '';
  $('who').textContent = '';
  $('nav').hidden = true;
  $('signout').hidden = true;
  for (const p of document.querySelectorAll('.page')) p.hidden = true;
  $('page-signin').hidden = false;
  say(text || '');
  $('signin-user').focus();
}

const loaders = { status: loadStatus, review: loadReview, adds: loadAdds, links: loadLinks, log: loadLog };

function show(page) {
  if (!loaders[page]) page = 'status';
  state.page = page;
  for (const p of document.querySelectorAll('.page')) p.hidden = p.id !== 'page-' + page;
  for (const a of document.querySelectorAll('#nav a'))
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  document.title = 'qblink — ' + page;
  guarded(loaders[page]);
}

async function signIn(ev) {
  ev.preventDefault();
  $('signin-error').textContent = '';
  try {
    const s = await api('POST', '/session', { user: $('signin-user').value, password: $('signin-password').value });
    $('signin-password').value = '';
    say('');
    signedIn(s);
  } catch (e) {
    $('signin-error').textContent = e.status === 429 ? 'Too many failed attempts; try again later.' : 'Sign-in failed: ' + e.message;
  }
}

async function signOut() {
  try { await api('DELETE', '/session'); } catch (e) { /* gone already */ }
  signedOut('You are signed out.');
}

// ------------------------------------------------------------------ status

async function loadStatus() {
  const s = await api('GET', '/status');
  const dl = $('status-list');
  clear(dl);
  const fact = (k, v) => { dl.append(el('dt', { text: k }), el('dd', { text: v })); };
  fact('User', s.user);
  fact('Company file', s.company ? (s.company.name + (s.company.path ? ' (' + s.company.path + ')' : '')) : 'not seen yet (no successful run)');
  const run = (r) => r ? ('#' + r.id + ', ' + time(r.started_at) + ' — ' + r.outcome) : 'never';
  fact('Last run', run(s.last_run));
  fact('Last success', run(s.last_successful_run));
  fact('Web Connector polling', s.polling === 'ok' ? 'yes' : s.polling);
  const stale = $('stale');
  stale.hidden = !(s.stale || s.polling === 'never');
  stale.textContent = s.polling === 'stopped'
    ? 'The Web Connector has stopped polling: no run for more than twice the ' + s.schedule_minutes + '-minute schedule. Check that the computer with QuickBooks is on and the Web Connector is running.'
    : s.stale
      ? 'The Web Connector polls, but no run has succeeded for more than twice the ' + s.schedule_minutes + '-minute schedule: see the last run and its log.'
      : 'The Web Connector has never connected. Add the .qwc file as described below.';
  const tiles = (ul, pairs) => {
    clear(ul);
    for (const [label, n] of pairs) ul.append(el('li', null, el('strong', { text: String(n) }), label));
  };
  tiles($('status-waiting'), [['to review', s.waiting.review], ['adds to approve', s.waiting.approval], ['adds in doubt', s.waiting.in_doubt]]);
  tiles($('status-accounts'), [['total', s.accounts.total], ['linked', s.accounts.linked], ['new', s.accounts.new], ['pending', s.accounts.pending], ['review', s.accounts.review], ['error', s.accounts.error]]);
  $('nav-review-count').textContent = s.waiting.review ? String(s.waiting.review) : '';
  $('nav-adds-count').textContent = s.waiting.approval ? String(s.waiting.approval) : '';
  $('qwc-user').textContent = s.user;
  $('qwc-host').textContent = location.host;
}

// ------------------------------------------------------------------ review

const contactFields = [['company_name', 'Company'], ['first_name', 'First'], ['last_name', 'Last'], ['phone', 'Phone'], ['email', 'Email'], ['addr1', 'Address'], ['city', 'City'], ['postal_code', 'Postcode']];

function contactList(obj, fields) {
  const ul = el('ul', { class: 'contact' });
  for (const [k, label] of fields) if (obj[k]) ul.append(el('li', { text: label + ': ' + obj[k] }));
  return ul;
}

async function loadReview() {
  state.review = await all('/review', 500);
  const reasons = [...new Set(state.review.map((a) => a.reason))].sort();
  const sel = $('review-reason');
  const keep = sel.value;
  clear(sel);
  sel.append(el('option', { value: '', text: 'All reasons' }));
  for (const r of reasons) sel.append(el('option', { value: r, text: r }));
  sel.value = reasons.includes(keep) ? keep : '';
  renderReview();
}

function visibleReview() {
  const r = $('review-reason').value;
  return state.review.filter((a) => !r || a.reason === r);
}

function renderReview() {
  const list = $('review-list');
  clear(list);
  const items = visibleReview();
  $('review-empty').hidden = items.length > 0;
  $('review-accept-strong').disabled = !state.review.some((a) => (a.candidates || []).some((c) => c.strong));
  $('nav-review-count').textContent = state.review.length ? String(state.review.length) : '';
  if (state.current >= items.length) state.current = Math.max(0, items.length - 1);
  items.forEach((a, i) => {
    const cands = (a.candidates || []).slice().sort((x, y) => y.score - x.score);
    const cl = el('ul', { class: 'candidates', 'aria-label': 'Candidates for ' + a.name });
    for (const c of cands) {
      const ev = el('ul', { class: 'evidence' });
      for (const e of c.evidence || []) ev.append(el('li', { text: e }));
      const contact = el('ul', { class: 'contact' });
      for (const [k, v] of Object.entries(c.contact || {})) if (v) contact.append(el('li', { text: k + ': ' + v }));
      cl.append(el('li', { class: 'candidate' },
        el('header', null,
          el('span', { class: 'name', text: c.full_name }),
          el('span', { class: 'badge' + (c.strong ? ' strong' : ''), text: (c.strong ? 'strong · ' : '') + 'score ' + Number(c.score).toFixed(2) }),
          c.is_active ? null : el('span', { class: 'badge', text: 'inactive' }),
          el('span', { class: 'hint', text: c.list + ' ' + c.list_id })),
        contact, ev,
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'primary', 'aria-label': 'Accept ' + c.full_name + ' for ' + a.name,
            text: 'Accept', onclick: () => decide(a, 'accept', c.list_id) }))));
    }
    if (!cands.length) cl.append(el('li', { class: 'empty', text: 'No candidate.' }));
    const li = el('li', { class: 'item' + (i === state.current ? ' current' : ''), tabindex: '0', 'data-account': a.account_id },
      el('div', null,
        el('h3', { text: a.name }),
        el('div', { class: 'hint', text: a.kind + ' ' + a.account_id + (a.accounting_name && a.accounting_name !== a.name ? ' · accounting name ' + a.accounting_name : '') }),
        contactList(a, contactFields),
        el('p', { class: 'hint', text: 'Why: ' + a.reason + (a.detail ? ' — ' + a.detail : '') }),
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'danger', 'aria-label': 'Reject: ' + a.name + ' is new',
            text: 'Reject (new)', onclick: () => decide(a, 'reject') }))),
      cl);
    li.addEventListener('focus', () => { state.current = i; markCurrent(); });
    list.append(li);
  });
}

function markCurrent() {
  const items = document.querySelectorAll('#review-list .item');
  items.forEach((n, i) => n.classList.toggle('current', i === state.current));
}

async function decide(a, action, listId) {
  await guarded(async () => {
    const d = { kind: a.kind, account_id: a.account_id, action };
    if (listId) d.list_id = listId;
    await api('POST', '/review/decisions', { decisions: [d] });
    say((action === 'accept' ? 'Accepted a link for ' : 'Rejected the candidates of ') + a.name + '.');
    await loadReview();
    const first = document.querySelectorAll('#review-list .item')[state.current];
    if (first) first.focus();
  });
}

async function acceptStrong() {
  await guarded(async () => {
    const r = await api('POST', '/review/decisions', { accept_all_strong: true });
    say('Accepted ' + r.applied + ' strong match(es).');
    await loadReview();
  });
}

function reviewKeys(ev) {
  if (state.page !== 'review' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
  const items = visibleReview();
  if (!items.length) return;
  const nodes = document.querySelectorAll('#review-list .item');
  if (ev.key === 'j' || ev.key === 'k') {
    state.current = Math.min(items.length - 1, Math.max(0, state.current + (ev.key === 'j' ? 1 : -1)));
    nodes[state.current].focus();
    ev.preventDefault();
  } else if (ev.key === 'a') {
    const a = items[state.current];
    const best = (a.candidates || []).slice().sort((x, y) => y.score - x.score)[0];
    if (best) decide(a, 'accept', best.list_id);
    ev.preventDefault();
  } else if (ev.key === 'r') {
    decide(items[state.current], 'reject');
    ev.preventDefault();
  }
}

// ------------------------------------------------------------------ adds

async function loadAdds() {
  const rows = await all('/adds?status=proposed', 500);
  const tb = $('adds-table').tBodies[0];
  clear(tb);
  $('adds-empty').hidden = rows.length > 0;
  $('adds-all').checked = false;
  $('nav-adds-count').textContent = rows.length ? String(rows.length) : '';
  for (const r of rows) {
    const box = el('input', { type: 'checkbox', 'data-id': String(r.id), 'aria-label': 'Select ' + r.name });
    tb.append(el('tr', null, el('td', null, box), el('td', { text: r.name }), el('td', { text: r.account_id }),
      el('td', { text: r.kind }), el('td', { text: r.reason || '' })));
  }
}

async function decideAdds(approve, everyOne) {
  await guarded(async () => {
    let body;
    if (everyOne) body = { all: true };
    else {
      const ids = [...document.querySelectorAll('#adds-table tbody input:checked')].map((b) => Number(b.dataset.id));
      if (!ids.length) { say('Select at least one add first.', true); return; }
      body = { ids };
    }
    const r = await api('POST', approve ? '/adds/approve' : '/adds/reject', body);
    say(approve ? 'Approved ' + r.approved + ' add(s); they go to QuickBooks on the next run.' : 'Rejected ' + r.rejected + ' add(s).');
    await loadAdds();
  });
}

// ------------------------------------------------------------------ links

let accounts = [];

async function loadLinks() {
  const [cust, supp] = await Promise.all([all('/accounts?kind=customer', 5000), all('/accounts?kind=supplier', 5000)]);
  accounts = cust.concat(supp);
  renderLinks();
}

function renderLinks() {
  const q = $('links-search').value.trim().toLowerCase();
  const st = $('links-status').value;
  const tb = $('links-table').tBodies[0];
  clear(tb);
  let shown = 0;
  for (const a of accounts) {
    if (st && a.status !== st) continue;
    if (q && ![a.name, a.account_id, a.qb_full_name, a.list_id, a.accounting_name].some((v) => (v || '').toLowerCase().includes(q))) continue;
    if (++shown > 1000) break;
    tb.append(el('tr', null, el('td', { text: a.kind }), el('td', { text: a.account_id }), el('td', { text: a.name }),
      el('td', { class: 'status-' + a.status, text: a.status }), el('td', { text: a.qb_full_name || '' }),
      el('td', { text: a.list_id || '' }), el('td', { text: a.reason + (a.detail ? ' — ' + a.detail : '') })));
  }
  $('links-count').textContent = (shown > 1000 ? 'First 1000 of more' : shown) + ' of ' + accounts.length + ' account(s) shown.';
}

// ------------------------------------------------------------------ log

async function loadLog() {
  const r = await api('GET', '/runs?limit=100');
  state.runs = r.items;
  const tb = $('runs-table').tBodies[0];
  clear(tb);
  for (const run of state.runs) {
    const total = Math.max(1, run.linked + run.added + run.review);
    const bar = el('div', { class: 'bar', role: 'img', 'aria-label': run.linked + ' linked, ' + run.added + ' added, ' + run.review + ' review' });
    for (const [n, cls] of [[run.linked, 'linked'], [run.added, 'added'], [run.review, 'review-part']]) {
      const s = el('span', { class: cls });
      s.style.width = (100 * n / total) + '%';
      bar.append(s);
    }
    const tr = el('tr', { class: 'clickable' + (state.run === run.id ? ' selected' : ''), 'data-run': String(run.id) },
      el('td', null, el('button', { type: 'button', text: '#' + run.id, 'aria-label': 'Show the events of run ' + run.id, onclick: () => loadEvents(run.id) })),
      el('td', { text: time(run.started_at) }), el('td', { text: run.outcome }),
      el('td', null, bar, el('span', { class: 'hint', text: run.linked + ' / ' + run.added + ' / ' + run.review })),
      el('td', { text: run.summary }));
    tb.append(tr);
  }
  if (state.run === null && state.runs.length) await loadEvents(state.runs[0].id);
  else if (state.run !== null) await loadEvents(state.run);
}

async function loadEvents(id) {
  await guarded(async () => {
    state.run = id;
    for (const tr of document.querySelectorAll('#runs-table tbody tr')) tr.classList.toggle('selected', tr.dataset.run === String(id));
    const p = new URLSearchParams({ run: String(id) });
    if ($('events-level').value) p.set('level', $('events-level').value);
    if ($('events-kind').value.trim()) p.set('kind', $('events-kind').value.trim());
    if ($('events-account').value.trim()) p.set('account', $('events-account').value.trim());
    const items = await all('/runs/events?' + p.toString(), 1000);
    $('events').hidden = false;
    $('events-title').textContent = 'Events of run #' + id;
    const tb = $('events-table').tBodies[0];
    clear(tb);
    for (const e of items)
      tb.append(el('tr', null, el('td', { text: time(e.at) }), el('td', { class: 'level-' + e.level, text: e.level }),
        el('td', { text: e.kind }), el('td', { text: e.account_id }), el('td', { text: e.message })));
    if (!items.length) tb.append(el('tr', null, el('td', { colspan: '5', class: 'empty', text: 'No event matches.' })));
  });
}

// ------------------------------------------------------------------ start

document.addEventListener('DOMContentLoaded', () => {
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => { if (state.user) show(location.hash.slice(1)); });
  $('review-reason').addEventListener('change', () => { state.current = 0; renderReview(); });
  $('review-accept-strong').addEventListener('click', acceptStrong);
  document.addEventListener('keydown', reviewKeys);
  $('adds-approve').addEventListener('click', () => decideAdds(true, false));
  $('adds-reject').addEventListener('click', () => decideAdds(false, false));
  $('adds-approve-all').addEventListener('click', () => decideAdds(true, true));
  $('adds-reject-all').addEventListener('click', () => decideAdds(false, true));
  $('adds-all').addEventListener('change', (e) => {
    for (const b of document.querySelectorAll('#adds-table tbody input')) b.checked = e.target.checked;
  });
  $('links-search').addEventListener('input', renderLinks);
  $('links-status').addEventListener('change', renderLinks);
  $('events-filter').addEventListener('click', () => { if (state.run !== null) loadEvents(state.run); });
  api('GET', '/session').then(signedIn, () => signedOut(''));
});
