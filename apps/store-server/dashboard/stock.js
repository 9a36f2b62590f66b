// Stock, holds and low-stock alerts for the manager dashboard. Reads the same public API as
// every other client, with the manager key the dashboard keeps (see dashboard.js).
const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat('en-US');
const REFRESH_MS = 5_000;

async function api(path) {
  const key = localStorage.getItem('till.managerKey');
  const res = await fetch(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const [text, className] of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    tr.append(td);
  }
  return tr;
}

function placeholder(tbody, columns, text) {
  const tr = document.createElement('tr');
  const td = document.createElement('td');
  td.colSpan = columns;
  td.className = 'empty';
  td.textContent = text;
  tr.append(td);
  tbody.replaceChildren(tr);
}

const DELIVERY = {
  pending: 'sending…',
  delivered: 'sent',
  failed: 'not delivered',
  not_configured: 'no webhook',
};

async function refresh() {
  const [held, alerts] = await Promise.all([api('/v1/stock?filter=held&limit=50'), api('/v1/stock/alerts?limit=20')]);
  const heldBody = document.querySelector('#stock-held tbody');
  if (held.items.length === 0) placeholder(heldBody, 5, 'Nothing is held right now');
  else
    heldBody.replaceChildren(
      ...held.items.map((s) =>
        row([
          [s.sku],
          [s.name],
          [fmt.format(s.onHand), 'num'],
          [fmt.format(s.held), 'num'],
          [fmt.format(s.available), s.available <= 0 ? 'num zero' : 'num'],
        ]),
      ),
    );
  const alertBody = document.querySelector('#stock-alerts tbody');
  if (alerts.items.length === 0) placeholder(alertBody, 5, 'No low-stock alerts');
  else
    alertBody.replaceChildren(
      ...alerts.items.map((a) =>
        row([
          [new Date(a.at).toLocaleString()],
          [`${a.sku} · ${a.name}`],
          [fmt.format(a.available), a.available <= 0 ? 'num zero' : 'num'],
          [fmt.format(a.threshold), 'num'],
          [DELIVERY[a.delivery] ?? a.delivery, a.delivery === 'failed' ? 'zero' : ''],
        ]),
      ),
    );
  $('stock-status').textContent = `Stock updated ${new Date().toLocaleTimeString()}`;
  $('stock-status').className = '';
}

async function lookup(event) {
  event.preventDefault();
  const sku = $('stock-sku').value.trim();
  if (!sku) return;
  try {
    const a = await api(`/v1/products/${encodeURIComponent(sku)}/availability`);
    $('stock-answer').textContent =
      `${a.sku}: ${fmt.format(a.onHand)} on hand, ${fmt.format(a.held)} held, ${fmt.format(a.available)} available`;
  } catch (error) {
    $('stock-answer').textContent = error.message;
  }
}

function tick() {
  refresh().catch((error) => {
    $('stock-status').textContent = `Could not load stock: ${error.message}`;
    $('stock-status').className = 'error';
  });
}

$('stock-lookup').addEventListener('submit', lookup);
tick();
setInterval(tick, REFRESH_MS);
// Live updates (Socket.IO) can call this when stock.changed / hold.* / alert.low_stock events arrive.
window.tillStock = { refresh: tick };
