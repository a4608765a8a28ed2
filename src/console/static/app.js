// qblink console. Plain JavaScript; calls only /api/v1. Data is always inserted as text
// (textContent, never parsed as HTML), and the page runs under a CSP with no inline script.
'use strict';

const state = {
  user: '', csrf: '', page: 'status', review: [], current: 0, runs: [], run: null,
  admin: false, viewing: '', idle: 0, idleTimer: null, editing: '', unlinked: [],
};
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

const EXPIRED = 'Your console session has expired or ended; sign in again.';

async function request(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // An admin reads the tenant it opened (read-only: the API refuses changes).
  if (state.viewing && path !== '/session') headers['X-Qblink-Tenant'] = state.viewing;
  const res = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    const detail = (data && (data.detail || data.title)) || ('HTTP ' + res.status);
    if (res.status === 401 && path !== '/session') signedOut(EXPIRED);
    throw new ApiError(res.status, detail);
  }
  armIdle();
  return res;
}

async function api(method, path, body) {
  const res = await request(method, path, body);
  try { return await res.json(); } catch (e) { return null; }
}

// Saves a response or text as a file download (no navigation: the page keeps its state).
function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function download(path, fallbackName) {
  const res = await request('GET', path);
  const cd = res.headers.get('Content-Disposition') || '';
  const m = /filename="([^"]+)"/.exec(cd);
  saveFile(await res.blob(), m ? m[1] : fallbackName);
}

// Idle expiry: the server ends a session unused for idle_timeout seconds; the page then shows
// the sign-in form with a message without waiting for the next click.
function armIdle() {
  if (state.idleTimer) clearTimeout(state.idleTimer);
  state.idleTimer = null;
  if (!state.csrf || !state.idle) return;
  state.idleTimer = setTimeout(async () => {
    try { await request('GET', '/session'); } catch (e) { if (e.status === 401) signedOut(EXPIRED); }
  }, (state.idle + 2) * 1000);
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
  state.admin = !!session.admin;
  state.viewing = '';
  state.idle = session.idle_timeout || 0;
  $('who').textContent = state.admin ? 'Installation admin (token ' + session.token_name + ')' : 'Signed in as ' + session.user;
  $('nav').hidden = false;
  $('signout').hidden = false;
  applyMode();
  armIdle();
  show(location.hash.slice(1) || (state.admin ? 'installation' : 'status'));
}

function signedOut(text) {
  state.user = '';
  state.csrf = '';
  state.admin = false;
  state.viewing = '';
  armIdle();
  applyMode();
  $('who').textContent = '';
  $('nav').hidden = true;
  $('signout').hidden = true;
  for (const p of document.querySelectorAll('.page')) p.hidden = true;
  $('page-signin').hidden = false;
  document.title = 'qblink — sign in';
  say(text || '');
  $('signin-user').focus();
}

// An admin sees the installation page and, after opening one tenant, that tenant's pages
// read-only: every control that would change something is hidden (class "change").
function applyMode() {
  const readOnly = state.admin && !!state.viewing;
  document.body.classList.toggle('readonly', readOnly);
  $('viewing').hidden = !readOnly;
  $('viewing-user').textContent = state.viewing;
  $('nav-installation').hidden = !state.admin;
  for (const a of document.querySelectorAll('#nav .tenant-page')) a.hidden = state.admin && !state.viewing;
}

const loaders = { installation: loadInstallation, status: loadStatus, review: loadReview, adds: loadAdds, links: loadLinks, log: loadLog };

function show(page) {
  if (!loaders[page]) page = state.admin ? 'installation' : 'status';
  if (state.admin && !state.viewing) page = 'installation';
  if (!state.admin && page === 'installation') page = 'status';
  if (page !== state.page) say('');
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

async function signInAdmin(ev) {
  ev.preventDefault();
  $('admin-error').textContent = '';
  try {
    const s = await api('POST', '/session', { token: $('signin-token').value.trim() });
    $('signin-token').value = '';
    say('');
    location.hash = '#installation';
    signedIn(s);
  } catch (e) {
    $('admin-error').textContent = e.status === 429 ? 'Too many failed attempts; try again later.' : 'Sign-in failed: ' + e.message;
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
  $('qwc-user-2').textContent = s.user;
  if (!$('qwc-url').value) $('qwc-url').value = defaultQwcUrl();
}

// The Web Connector refuses IP-address URLs; on the server itself localhost is the same place.
function defaultQwcUrl() {
  const host = ['127.0.0.1', '[::1]'].includes(location.hostname) ? 'localhost' : location.hostname;
  return location.protocol + '//' + host + (location.port ? ':' + location.port : '') + '/qbwc';
}

async function downloadQwc(ev) {
  ev.preventDefault();
  $('qwc-error').textContent = '';
  const p = new URLSearchParams({ url: $('qwc-url').value.trim(), every_minutes: $('qwc-every').value || '60' });
  try {
    await download('/qwc?' + p.toString(), (state.viewing || state.user) + '.qwc');
    say('Downloaded the .qwc file; add it to the Web Connector as the steps below say.');
  } catch (e) {
    if (e.status !== 401) $('qwc-error').textContent = 'No .qwc file: ' + e.message;
  }
}

// ------------------------------------------------------------------ installation (admin)

async function loadInstallation() {
  const r = await api('GET', '/tenants/status');
  const tb = $('tenants-table').tBodies[0];
  clear(tb);
  const run = (x) => x ? ('#' + x.id + ', ' + time(x.started_at) + ' — ' + x.outcome) : 'never';
  const stale = [];
  for (const t of r.items) {
    const company = t.company ? t.company.name + (t.company.path ? ' (' + t.company.path + ')' : '') : (t.company_file ? t.company_file + ' (not seen yet)' : 'not seen yet');
    let polling = el('span', { class: 'status-linked', text: 'polling' });
    if (t.stale) {
      polling = el('strong', { class: 'status-error', text: 'stopped polling' });
      stale.push(t.user);
    } else if (t.polling === 'never') {
      polling = el('span', { class: 'status-review', text: 'never connected' });
    }
    const n = (v) => el('td', { class: v ? 'num waiting' : 'num', text: String(v) });
    tb.append(el('tr', { 'data-user': t.user },
      el('th', { scope: 'row', text: t.user }), el('td', { text: company }),
      el('td', { text: run(t.last_run) }), el('td', { text: run(t.last_successful_run) }),
      el('td', null, polling), n(t.waiting.review), n(t.waiting.approval), n(t.waiting.in_doubt),
      el('td', null, el('button', { type: 'button', class: 'nowrap', text: 'Open read-only', 'aria-label': 'Open ' + t.user + ' read-only', onclick: () => openTenant(t.user) }))));
  }
  if (!r.items.length) tb.append(el('tr', null, el('td', { colspan: '9', class: 'empty', text: 'No tenant yet (qblink user add USER).' })));
  $('installation-stale').hidden = stale.length === 0;
  $('installation-stale').textContent = 'The Web Connector has stopped polling for: ' + stale.join(', ') + '. Check that their QuickBooks computers are on and the Web Connector runs.';
}

function openTenant(user) {
  state.viewing = user;
  state.run = null;
  state.editing = '';
  $('qwc-url').value = '';
  applyMode();
  say('');
  if (location.hash === '#status') show('status'); else location.hash = '#status';
}

function backToInstallation() {
  state.viewing = '';
  applyMode();
  say('');
  if (location.hash === '#installation') show('installation'); else location.hash = '#installation';
}

// ------------------------------------------------------------------ review

const contactFields = [['company_name', 'Company'], ['first_name', 'First'], ['last_name', 'Last'], ['phone', 'Phone'], ['email', 'Email'], ['addr1', 'Address'], ['city', 'City'], ['postal_code', 'Postcode']];

function contactList(obj, fields) {
  const ul = el('ul', { class: 'contact' });
  for (const [k, label] of fields) if (obj[k]) ul.append(el('li', { text: label + ': ' + obj[k] }));
  return ul;
}

// The QuickBooks list an account of `kind` links into.
const listOf = (kind) => kind === 'supplier' ? 'vendor' : 'customer';

// Suggestions for "type another exact QuickBooks name": the lists the store holds from the last
// sync, one <datalist> per QuickBooks list.
async function loadQbNames(lists) {
  for (const list of lists) {
    const names = await all('/quickbooks?kind=' + list, 5000);
    const dl = $('qb-names-' + list);
    clear(dl);
    for (const e of names) dl.append(el('option', { value: e.FullName }));
  }
}

// Sets the accounting name; returns what to tell the user (what the next sync does with it), or
// '' when nothing was sent. The caller reloads its table first, then says it.
async function setName(a, name) {
  if (!name) { say('Type the exact QuickBooks name first.', true); return ''; }
  const r = await api('PUT', '/account/link', { kind: a.kind, account_id: a.account_id, accounting_name: name });
  return 'Accounting name of ' + a.name + ' set to "' + name + '". ' + (r.detail ? r.detail.charAt(0).toUpperCase() + r.detail.slice(1) + '.' : '');
}

async function loadReview() {
  state.review = await all('/review', 500);
  if (!state.viewing) await loadQbNames([...new Set(state.review.map((a) => listOf(a.kind)))]);
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
        el('div', { class: 'actions change' },
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
        el('div', { class: 'actions change' },
          el('button', { type: 'button', class: 'danger', 'aria-label': 'Reject: ' + a.name + ' is new',
            text: 'Reject (new)', onclick: () => decide(a, 'reject') })),
        nameForm(a, 'review-name-' + i, async (name) => {
          const said = await setName(a, name);
          if (said) { await loadReview(); say(said); }
        })),
      cl);
    li.addEventListener('focus', () => { state.current = i; markCurrent(); });
    list.append(li);
  });
}

// "Type another exact QuickBooks name": a labelled input with the QuickBooks list as suggestions.
function nameForm(a, id, onName, extra) {
  const input = el('input', { id, list: 'qb-names-' + listOf(a.kind), autocomplete: 'off', spellcheck: 'false', required: true, class: 'qb-name', value: extra && extra.value });
  const form = el('form', { class: 'name-form change' },
    el('label', { for: id, text: extra && extra.label ? extra.label : 'Or type another exact QuickBooks name' }),
    el('div', { class: 'row' }, input, el('button', { type: 'submit', text: extra && extra.submit ? extra.submit : 'Set name' }),
      ...(extra && extra.more ? extra.more : [])));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); guarded(() => onName(input.value.trim())); });
  return form;
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
    await loadReview();
    say((action === 'accept' ? 'Accepted a link for ' : 'Rejected the candidates of ') + a.name + '.');
    const first = document.querySelectorAll('#review-list .item')[state.current];
    if (first) first.focus();
  });
}

async function acceptStrong() {
  await guarded(async () => {
    const r = await api('POST', '/review/decisions', { accept_all_strong: true });
    await loadReview();
    say('Accepted ' + r.applied + ' strong match(es).');
  });
}

function reviewKeys(ev) {
  if (state.page !== 'review' || state.viewing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
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
  } else if (ev.key === 'n') {
    const input = nodes[state.current].querySelector('input.qb-name');
    if (input) input.focus();
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
    await loadAdds();  // first, so that the message describes the table on screen
    say(approve ? 'Approved ' + r.approved + ' add(s); they go to QuickBooks on the next run.' : 'Rejected ' + r.rejected + ' add(s).');
  });
}

// ------------------------------------------------------------------ links

let accounts = [];

async function loadLinks() {
  const [cust, supp] = await Promise.all([all('/accounts?kind=customer', 5000), all('/accounts?kind=supplier', 5000)]);
  accounts = cust.concat(supp);
  if (!state.viewing) await loadQbNames(['customer', 'vendor']);
  renderLinks();
}

const keyOf = (a) => a.kind + ':' + a.account_id;

// Relink: another QuickBooks name (the next sync links it, exactly as the API says), or no link
// at all (the account is reconciled afresh on the next sync).
function relinkEditor(a) {
  const cancel = el('button', { type: 'button', text: 'Cancel', onclick: () => { state.editing = ''; renderLinks(); focusRelink(a); } });
  const clearLink = el('button', { type: 'button', class: 'danger', text: 'Clear the link',
    onclick: () => guarded(async () => {
      await api('DELETE', '/account?' + new URLSearchParams({ kind: a.kind, account_id: a.account_id }).toString());
      state.editing = '';
      await loadLinks();
      say('Cleared the link of ' + a.name + '; the next sync reconciles it afresh.');
      focusRelink(a);
    }) });
  const form = nameForm(a, 'relink-name', async (name) => {
    const said = await setName(a, name);
    if (said) {
      state.editing = '';
      await loadLinks();
      say(said);
      focusRelink(a);
    }
  }, { label: 'QuickBooks name for ' + a.name + ' (' + a.account_id + ')', submit: 'Link to this name', value: a.qb_full_name || a.accounting_name || '', more: [clearLink, cancel] });
  return el('tr', { class: 'editor' }, el('td', { colspan: '8' }, form));
}

function focusRelink(a) {
  const b = document.querySelector('#links-table button[data-key="' + CSS.escape(keyOf(a)) + '"]');
  if (b) b.focus();
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
      el('td', { text: a.list_id || '' }), el('td', { text: a.reason + (a.detail ? ' — ' + a.detail : '') }),
      el('td', { class: 'change' }, el('button', { type: 'button', text: 'Relink', 'data-key': keyOf(a), 'aria-label': 'Relink ' + a.name + ' (' + a.account_id + ')', 'aria-expanded': String(state.editing === keyOf(a)),
        onclick: () => { state.editing = state.editing === keyOf(a) ? '' : keyOf(a); renderLinks(); const i = $('relink-name'); if (i) i.focus(); } }))));
    if (state.editing === keyOf(a) && !state.viewing) tb.append(relinkEditor(a));
  }
  $('links-count').textContent = (shown > 1000 ? 'First 1000 of more' : shown) + ' of ' + accounts.length + ' account(s) shown.';
}

// ------------------------------------------------------------------ log

// One CSV field (RFC 4180): quoted when it holds a quote, comma or line break. A value a
// spreadsheet would run as a formula (= + - @, tab, carriage return first) gets a leading '.
function csvField(v) {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function toCsv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const unlinkedColumns = [['kind', 'List'], ['FullName', 'QuickBooks name'], ['ListID', 'ListID'], ['IsActive', 'Active'], ['CompanyName', 'Company'], ['Phone', 'Phone'], ['Email', 'Email']];

async function loadUnlinked() {
  state.unlinked = await all('/quickbooks?unlinked=true', 5000);
  const tb = $('unlinked-table').tBodies[0];
  clear(tb);
  for (const e of state.unlinked.slice(0, 1000))
    tb.append(el('tr', null, el('td', { text: e.kind }), el('td', { text: e.FullName }), el('td', { text: e.ListID }),
      el('td', { text: e.IsActive ? 'yes' : 'no' }), el('td', { text: e.Phone || '' }), el('td', { text: e.Email || '' })));
  if (!state.unlinked.length) tb.append(el('tr', null, el('td', { colspan: '6', class: 'empty', text: 'Every QuickBooks customer and vendor is linked.' })));
  $('unlinked-count').textContent = state.unlinked.length + ' name(s)' + (state.unlinked.length > 1000 ? '; the first 1000 shown, all in the CSV' : '');
  $('unlinked-csv').disabled = state.unlinked.length === 0;
}

function unlinkedCsv() {
  const rows = state.unlinked.map((e) => unlinkedColumns.map(([k]) => k === 'IsActive' ? (e.IsActive ? 'true' : 'false') : e[k]));
  const text = toCsv(unlinkedColumns.map(([, label]) => label), rows);
  // The BOM lets spreadsheet programs read the file as UTF-8.
  saveFile(new Blob(['\ufeff' + text], { type: 'text/csv;charset=utf-8' }), 'quickbooks-unlinked-' + (state.viewing || state.user) + '.csv');
  say('Downloaded ' + rows.length + ' QuickBooks name(s) linked to no account as CSV.');
}

async function loadLog() {
  await loadUnlinked();
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
  $('admin-form').addEventListener('submit', signInAdmin);
  $('viewing-back').addEventListener('click', backToInstallation);
  $('qwc-form').addEventListener('submit', downloadQwc);
  $('unlinked-csv').addEventListener('click', unlinkedCsv);
  $('signout').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => { if (state.csrf) show(location.hash.slice(1)); });
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
