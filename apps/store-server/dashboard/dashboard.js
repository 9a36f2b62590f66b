// The manager dashboard: reads the same public API as every other client.
const params = new URLSearchParams(location.search);
const storeId = params.get('store') ?? 'demo';
const $ = (id) => document.getElementById(id);

// A manager key arrives once in the link the server prints (#key=…) and is kept in this browser.
const fromLink = new URLSearchParams(location.hash.slice(1)).get('key');
if (fromLink) {
  localStorage.setItem('till.managerKey', fromLink);
  history.replaceState(null, '', location.pathname + location.search);
}
let apiKey = localStorage.getItem('till.managerKey');

async function api(path) {
  if (!apiKey) {
    apiKey = prompt('Manager API key (printed by `pnpm start`):')?.trim() ?? null;
    if (apiKey) localStorage.setItem('till.managerKey', apiKey);
  }
  const res = await fetch(path, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const body = await res.json();
  if (res.status === 401) localStorage.removeItem('till.managerKey');
  if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fill(tbody, rows) {
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      tr.append(...cells);
      return tr;
    }),
  );
}

async function load() {
  const body = await api(`/v1/stores/${encodeURIComponent(storeId)}/summary`);
  const fmt = new Intl.NumberFormat('en-US');
  $('store-name').textContent = body.store.name;
  $('kpi-products').textContent = fmt.format(body.products);
  $('kpi-low').textContent = fmt.format(body.lowStockCount);
  $('kpi-currency').textContent = body.store.currency;
  $('kpi-seq').textContent = body.lastEventSeq ?? '–';
  fill(
    document.querySelector('#categories tbody'),
    body.categories.map((c) => [cell(c.name), cell(fmt.format(c.products), 'num')]),
  );
  fill(
    document.querySelector('#low-stock tbody'),
    body.lowStock.map((s) => [
      cell(s.sku),
      cell(s.name),
      cell(String(s.available), s.available <= 0 ? 'num zero' : 'num'),
      cell(String(s.threshold), 'num'),
    ]),
  );
  $('status').textContent = `Updated ${new Date().toLocaleTimeString()}`;
  $('status').className = '';
}

load().catch((error) => {
  $('status').textContent = `Could not load the dashboard: ${error.message}`;
  $('status').className = 'error';
});
