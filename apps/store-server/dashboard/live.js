// Live part of the dashboard: a dashboard client of the sync protocol (Socket.IO). It
// shows stock levels as they change, alerts as they happen, and each terminal's
// reconciliation report. No build step: the Socket.IO client comes from the server.
import { io } from '/socket.io/socket.io.esm.min.js';

/** The sync protocol this page speaks (packages/sync PROTOCOL_VERSION; a test keeps them equal). */
const PROTOCOL = 2;
const storeId = new URLSearchParams(location.search).get('store') ?? 'demo';
const $ = (id) => document.getElementById(id);
const key = () => localStorage.getItem('till.managerKey');
const time = (iso) => new Date(iso).toLocaleTimeString();
const MAX_ROWS = 25;

async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${key()}` } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

function row(cells, className) {
  const tr = document.createElement('tr');
  if (className) tr.className = className;
  for (const [text, cls] of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.append(td);
  }
  return tr;
}

function setStatus(text, kind) {
  const el = $('live-status');
  el.textContent = text;
  el.className = `live-status ${kind}`;
}

// --- what the changes show -------------------------------------------------------------

const levels = new Map(); // sku → { row, payload }

function showStock(change) {
  const p = change.payload;
  if (typeof p.sku !== 'string') return;
  const tbody = document.querySelector('#live-stock tbody');
  tbody.querySelector('tr.waiting')?.remove();
  levels.get(p.sku)?.remove();
  const tr = row(
    [
      [p.sku],
      [String(p.available ?? '–'), Number(p.available) <= 0 ? 'num zero' : 'num'],
      [String(p.onHand ?? '–'), 'num'],
      [String(p.held ?? '–'), 'num'],
      [time(change.at)],
    ],
    'fresh',
  );
  tr.dataset.sku = p.sku;
  levels.set(p.sku, tr);
  tbody.prepend(tr);
  while (tbody.rows.length > MAX_ROWS) {
    const last = tbody.rows[tbody.rows.length - 1];
    levels.delete(last.dataset.sku);
    last.remove();
  }
}

const ALERT_WORDS = {
  'alert.low_stock': (p) => `${p.sku} is running low: ${p.available} available (alert below ${p.threshold})`,
  'alert.low_stock_cleared': (p) => `${p.sku} is back above its threshold (${p.available} available)`,
  'alert.stock_discrepancy': (p) => p.message ?? `Terminal ${p.terminalId} sold more than was in stock`,
  'alert.upload_rejected': (p) => `A ${p.kind} from terminal ${p.terminalId} was rejected: ${p.reason}`,
  'alert.cash_difference': (p) =>
    `Drawer ${p.drawerId} at terminal ${p.terminalId}: counted ${p.counted}, expected ${p.expected} (${p.difference} ${p.currency})`,
  'drawer.opened': (p) => `No sale: ${p.cashier} opened the drawer at terminal ${p.terminalId} — “${p.reason}”`,
};

function showAlert(change) {
  $('live-alerts').querySelector('li.empty')?.remove();
  const words = ALERT_WORDS[change.type]?.(change.payload) ?? `${change.type}: ${JSON.stringify(change.payload)}`;
  const li = document.createElement('li');
  li.textContent = `${time(change.at)} — ${words}`;
  li.className = change.type === 'alert.low_stock_cleared' ? 'ok' : 'warn';
  const list = $('live-alerts');
  list.prepend(li);
  while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
}

// --- terminals and their reconciliation ------------------------------------------------

let terminalsTimer;
function refreshTerminalsSoon() {
  clearTimeout(terminalsTimer);
  terminalsTimer = setTimeout(() => refreshTerminals().catch(() => {}), 300);
}

async function refreshTerminals() {
  const { items } = await api(`/v1/terminals?store=${encodeURIComponent(storeId)}`);
  const reports = await Promise.all(
    items.map((t) =>
      api(`/v1/terminals/${t.id}/reconciliation?limit=1&store=${encodeURIComponent(storeId)}`).catch(() => null),
    ),
  );
  const tbody = document.querySelector('#terminals tbody');
  $('kpi-terminals').textContent = `${items.filter((t) => t.online && !t.revokedAt).length} / ${items.length}`;
  if (items.length === 0) {
    tbody.replaceChildren(row([['No terminal is enrolled yet: make an enrollment code below.', 'empty']]));
    tbody.firstElementChild.firstElementChild.colSpan = 8;
    return;
  }
  tbody.replaceChildren(
    ...items.map((t, i) => {
      const c = reports[i]?.counts ?? {};
      const state = t.revokedAt ? 'revoked' : t.online ? 'online' : 'offline';
      const tr = row([
        [t.name],
        [state, `state ${state}`],
        [String(c.accepted ?? 0), 'num'],
        [String(c.stock_discrepancy ?? 0), c.stock_discrepancy ? 'num warn' : 'num'],
        [String(c.price_discrepancy ?? 0), c.price_discrepancy ? 'num warn' : 'num'],
        [String(c.rejected ?? 0), c.rejected ? 'num zero' : 'num'],
        [String(reports[i]?.duplicatesReceived ?? 0), 'num'],
        [t.lastSeenAt ? time(t.lastSeenAt) : '–'],
      ]);
      tr.dataset.terminal = t.id;
      return tr;
    }),
  );
}

// The stock panels (stock.js) refresh at once when holds or stock move, at most every 500 ms.
let stockTimer;
function refreshStockSoon() {
  if (stockTimer) return;
  stockTimer = setTimeout(() => {
    stockTimer = undefined;
    window.tillStock?.refresh();
  }, 500);
}

function show(change) {
  if (change.type === 'stock.changed' || change.type.startsWith('hold.')) refreshStockSoon();
  if (change.type === 'stock.changed') showStock(change);
  else if (change.type.startsWith('alert.') || change.type === 'drawer.opened') showAlert(change);
  if (/^(sale|return|cash|terminal|drawer)\./.test(change.type) || change.type === 'alert.upload_rejected') {
    refreshTerminalsSoon();
  }
}

// --- the feed: batches continue from the cursor, or we pull what we missed -------------

let cursor = null;
let pulling = false;

const isBatch = (m) =>
  m && (m.prev === null || Number.isInteger(m.prev)) && Number.isInteger(m.to) && Array.isArray(m.changes);

async function pull(socket) {
  if (pulling || cursor === null) return;
  pulling = true;
  try {
    for (;;) {
      const answer = await socket.timeout(10_000).emitWithAck('sync.pull', { after: cursor, limit: 2000 });
      if (!answer?.ok) throw new Error(answer?.error?.message ?? 'no answer');
      if (answer.kind === 'snapshot') {
        // Too far behind for a replay: start from now (the tables above come from the API).
        const summary = await api(`/v1/stores/${encodeURIComponent(storeId)}/summary`);
        cursor = Number(summary.lastEventSeq ?? 0);
        break;
      }
      for (const change of answer.changes) if (change.seq > cursor) show(change);
      cursor = Math.max(cursor, answer.to);
      if (!answer.more) break;
    }
  } catch (error) {
    setStatus(`Live updates interrupted: ${error.message}`, 'error');
  } finally {
    pulling = false;
  }
}

async function connect() {
  if (!key()) return setStatus('Live updates need the manager key (open the link printed by `pnpm start`).', 'error');
  const summary = await api(`/v1/stores/${encodeURIComponent(storeId)}/summary`);
  cursor = Number(summary.lastEventSeq ?? 0);
  const socket = io({
    transports: ['websocket'],
    // At every (re)connection: who we are and where our feed stopped.
    auth: (send) => send({ protocol: PROTOCOL, token: key(), client: 'dashboard', storeId, lastSeq: cursor }),
  });
  socket.on('connect_error', (error) => {
    setStatus(`Not connected: ${error.message}`, 'error');
    // The server refused us (a key or protocol problem): Socket.IO will not retry by itself.
    if (error.data?.code && error.data.code !== 'SERVER_UNAVAILABLE') return;
    setTimeout(() => socket.connect(), 2000);
  });
  socket.on('disconnect', (reason) => setStatus(`Reconnecting (${reason})…`, 'warn'));
  socket.on('welcome', (welcome) => {
    if (welcome?.protocol !== PROTOCOL) {
      setStatus(`The store server speaks sync protocol ${welcome?.protocol}; reload this page.`, 'error');
      socket.disconnect();
      return;
    }
    setStatus(`Live · ${welcome.session.name}`, 'ok');
    if (welcome.plan.kind !== 'current') pull(socket);
  });
  socket.on('changes', (batch) => {
    if (!isBatch(batch)) return pull(socket);
    if (batch.to <= cursor) return;
    if (batch.prev === null || batch.prev > cursor) return pull(socket);
    for (const change of batch.changes) if (change.seq > cursor) show(change);
    cursor = batch.to;
  });
  socket.on('notice', (notice) => setStatus(notice.message, notice.level === 'error' ? 'error' : 'warn'));
  await refreshTerminals();
}

// Enrollment: a one-time code the new terminal exchanges for its token (`pnpm pos --code <code>`).
$('enroll').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('enroll-name').value.trim();
  if (!name) return;
  try {
    const res = await fetch(`/v1/terminals/enrollment-codes?store=${encodeURIComponent(storeId)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    $('enroll-answer').textContent =
      `Code for ${body.name}: ${body.code} — on the till run \`pnpm pos --code ${body.code}\` (valid until ${time(body.expiresAt)})`;
    $('enroll-name').value = '';
  } catch (error) {
    $('enroll-answer').textContent = `No code: ${error.message}`;
  }
});

connect().catch((error) => setStatus(`Live updates unavailable: ${error.message}`, 'error'));
