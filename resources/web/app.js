// Microcosm's web storefront: the shop's user app, in plain JavaScript.
//
// Every action is one request to Microcosm's HTTP front, which hands it to
// the gateway as the caller "http" (the same routes, policies and metrics as
// the simulated users). Every answer goes to the log strip with its status,
// latency and trace id; a failure shows its reason in words.
//
// Invariants: a checkout attempt has one Idempotency-Key, and every retry of
// that attempt sends the same key, so the shop makes at most one order of it
// however many times the request reaches it. Nothing is fetched from outside
// the front that served this page.
'use strict';

(() => {
  const RequestTimeoutMs = 8000;   // no answer by then: treated as a network error
  const CheckoutAttempts = 4;      // first try + 3 retries, all with the same key
  const LogEntries = 60;           // kept in the strip; older ones drop off

  const $ = (id) => document.getElementById(id);
  const state = {products: new Map(), cart: [], checkingOut: false};

  // ---- ids -------------------------------------------------------------

  function randomHex(bytes) {
    const a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // W3C Trace Context, "traceparent" header: version 00, a 16-byte trace id
  // and an 8-byte parent id as lower-case hex, neither all zeros, and the
  // flags 01 (sampled), so that Microcosm traces the request.
  // https://www.w3.org/TR/trace-context/#traceparent-header-field-values
  function traceparent() {
    let traceId, parentId;
    do traceId = randomHex(16); while (/^0+$/.test(traceId));
    do parentId = randomHex(8); while (/^0+$/.test(parentId));
    return {header: `00-${traceId}-${parentId}-01`, traceId};
  }

  function idempotencyKey() {
    const id = crypto.randomUUID ? crypto.randomUUID() : randomHex(16);
    return `web-${id}`;
  }

  // ---- the user ----------------------------------------------------------

  // As the cart and order services accept it: 1 to 200 letters, digits or - _ . @
  const UserPattern = /^[A-Za-z0-9_.@-]{1,200}$/;

  function currentUser() {
    const field = $('user');
    const user = field.value.trim();
    if (!UserPattern.test(user)) {
      field.classList.add('invalid');
      showOutcome('bad', 'User name must be 1 to 200 letters, digits or - _ . @');
      return null;
    }
    field.classList.remove('invalid');
    return user;
  }

  // ---- requests ----------------------------------------------------------

  // The reason of a failed answer, in words: the JSON body's "error" (the
  // front's, in full) or "reason" (a failed order's), else the front's
  // X-Microcosm-Reason header (the same reason, ASCII only), else the HTTP
  // status text.
  function reasonOf(response, body) {
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      if (typeof body.error === 'string' && body.error) return body.error;
      if (typeof body.reason === 'string' && body.reason) return body.reason;
    }
    const header = response.headers.get('X-Microcosm-Reason');
    if (header) return header;
    return response.statusText || `HTTP ${response.status}`;
  }

  // One request. Resolves (never rejects) to
  // {ok, status, body, reason, networkError, traceId, latencyMs, entry}.
  async function api(method, path, {body, headers = {}, note = ''} = {}) {
    const trace = traceparent();
    const init = {
      method,
      headers: {'Accept': 'application/json', 'traceparent': trace.header, ...headers},
      cache: 'no-store',
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), RequestTimeoutMs);
    init.signal = abort.signal;
    const started = performance.now();
    const result = {ok: false, status: 0, body: null, reason: '', networkError: false,
                    traceId: '', sentTraceId: trace.traceId, latencyMs: null, roundTripMs: null};
    try {
      const response = await fetch(path, init);
      const text = await response.text();
      result.status = response.status;
      result.ok = response.ok;
      if (text) {
        try { result.body = JSON.parse(text); } catch (e) { result.body = null; }
      }
      const latency = parseFloat(response.headers.get('X-Microcosm-Latency-Ms'));
      result.latencyMs = Number.isFinite(latency) ? latency : null;
      result.traceId = response.headers.get('X-Trace-Id') || '';
      if (!result.ok) result.reason = reasonOf(response, result.body);
      else if (text && result.body === null) {
        result.ok = false;
        result.reason = 'the answer was not JSON';
      }
    } catch (e) {
      result.networkError = true;
      result.reason = abort.signal.aborted
        ? `no answer within ${RequestTimeoutMs / 1000} s`
        : `network error: ${e.message || e}`;
    } finally {
      clearTimeout(timer);
    }
    result.roundTripMs = performance.now() - started;
    result.entry = logAnswer(method, path, result, note);
    return result;
  }

  // ---- the log strip -----------------------------------------------------

  function statusClass(result) {
    if (result.networkError || result.status === 0) return 'net';
    if (result.status < 300) return 'ok';
    if (result.status < 500) return 'warn';
    return 'bad';
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function logAnswer(method, path, result, note) {
    const li = el('li', `entry ${statusClass(result)}`);
    li.dataset.test = 'log-entry';
    li.dataset.method = method;
    li.dataset.path = path;
    li.dataset.status = String(result.status);
    li.dataset.traceId = result.traceId;
    li.dataset.sentTraceId = result.sentTraceId;
    li.append(el('span', 'status', result.networkError ? '—' : String(result.status)),
              el('span', 'method', method), el('span', 'path', path));
    if (note) li.append(el('span', 'note', note));
    const ms = result.latencyMs !== null ? result.latencyMs : result.roundTripMs;
    li.append(el('span', 'latency', `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`));
    const trace = el('span', 'trace', result.traceId ? result.traceId : 'not traced');
    trace.title = result.traceId ? `trace id ${result.traceId}` : 'the answer carried no trace id';
    li.append(trace);
    if (!result.ok) li.append(el('span', 'reason', result.reason));
    const log = $('log');
    log.prepend(li);
    while (log.children.length > LogEntries) log.lastElementChild.remove();
    return li;
  }

  // ---- messages ----------------------------------------------------------

  function showOutcome(kind, text, orderId) {
    const box = $('checkout-status');
    box.hidden = false;
    box.className = `outcome ${kind}`;
    box.textContent = text;
    if (orderId) box.dataset.orderId = orderId;
    else delete box.dataset.orderId;
  }

  function money(cents) {
    return `$${(Number(cents) / 100).toFixed(2)}`;
  }

  function productName(id) {
    const p = state.products.get(Number(id));
    return p ? p.name : `product ${id}`;
  }

  // ---- catalogue and product ---------------------------------------------

  async function loadCatalogue() {
    const list = $('catalogue');
    const r = await api('GET', '/products');
    if (!r.ok || !Array.isArray(r.body)) {
      list.replaceChildren(el('li', 'empty bad',
                              `Could not load the catalogue: ${r.reason || 'unexpected answer'}`));
      return;
    }
    state.products.clear();
    const items = r.body.map((p) => {
      state.products.set(Number(p.id), p);
      return productCard(p);
    });
    list.replaceChildren(...items);
    renderCart();
  }

  function productCard(p) {
    const li = el('li', 'product');
    li.dataset.test = 'product';
    li.dataset.id = String(p.id);
    const name = el('button', 'name link', p.name);
    name.dataset.test = 'view';
    name.title = `View ${p.name} (GET /products/${p.id})`;
    name.addEventListener('click', () => viewProduct(p.id));
    const what = el('div', 'what');
    what.append(name, el('span', 'stock', `${p.stock} in stock`));
    const add = el('button', 'add', 'Add');
    add.dataset.test = 'add';
    add.title = `Add one ${p.name} to the cart (POST /carts/{user}/items)`;
    add.addEventListener('click', () => addToCart(p.id, 1));
    li.append(what, el('span', 'price', money(p.priceCents)), add);
    return li;
  }

  async function viewProduct(id) {
    const box = $('product-detail');
    const r = await api('GET', `/products/${encodeURIComponent(id)}`);
    box.hidden = false;
    box.dataset.id = String(id);
    if (!r.ok || !r.body) {
      box.replaceChildren(el('p', 'bad', `Product ${id}: ${r.reason}`), closeButton());
      return;
    }
    const p = r.body;
    state.products.set(Number(p.id), p);
    const title = el('h3', null, p.name);
    const facts = el('p', 'facts');
    facts.append(el('span', 'price', money(p.priceCents)),
                 el('span', 'stock', `${p.stock} in stock`), el('span', 'id', `#${p.id}`));
    const qty = el('input', 'qty');
    qty.type = 'number';
    qty.min = '1';
    qty.max = '99';
    qty.value = '1';
    qty.id = 'detail-quantity';
    qty.dataset.test = 'detail-quantity';
    qty.setAttribute('aria-label', 'Quantity');
    const add = el('button', 'primary', 'Add to cart');
    add.dataset.test = 'detail-add';
    add.addEventListener('click', () => {
      const n = Number(qty.value);
      if (!Number.isInteger(n) || n < 1 || n > 99) {
        qty.classList.add('invalid');
        return;
      }
      qty.classList.remove('invalid');
      addToCart(p.id, n);
    });
    const row = el('div', 'row');
    row.append(qty, add, closeButton());
    box.replaceChildren(title, facts, row);
  }

  function closeButton() {
    const b = el('button', 'quiet', 'Close');
    b.dataset.test = 'detail-close';
    b.addEventListener('click', () => { $('product-detail').hidden = true; });
    return b;
  }

  // ---- cart ----------------------------------------------------------------

  async function addToCart(productId, quantity) {
    const user = currentUser();
    if (!user) return;
    const r = await api('POST', `/carts/${encodeURIComponent(user)}/items`,
                        {body: {productId: Number(productId), quantity}});
    if (r.ok) {
      showOutcome('info', `Added ${quantity} × ${productName(productId)}.`);
    } else {
      showOutcome('bad', `Could not add ${productName(productId)}: ${r.reason}`);
    }
    await loadCart();
  }

  async function loadCart() {
    const user = currentUser();
    if (!user) return;
    const r = await api('GET', `/carts/${encodeURIComponent(user)}`);
    if (!r.ok || !r.body || !Array.isArray(r.body.items)) {
      $('cart').replaceChildren(el('li', 'empty bad', `Could not load the cart: ${r.reason}`));
      return;
    }
    state.cart = r.body.items;
    renderCart();
  }

  function renderCart() {
    const list = $('cart');
    if (!state.cart.length) {
      list.replaceChildren(el('li', 'empty', 'The cart is empty.'));
      $('cart-total').textContent = '';
      $('checkout').disabled = true;
      return;
    }
    let total = 0;
    let priced = true;
    const rows = state.cart.map((item) => {
      const li = el('li', 'line');
      li.dataset.test = 'cart-item';
      li.dataset.id = String(item.productId);
      li.dataset.quantity = String(item.quantity);
      const p = state.products.get(Number(item.productId));
      if (p) total += p.priceCents * item.quantity;
      else priced = false;
      li.append(el('span', 'qty', `${item.quantity} ×`),
                el('span', 'name', productName(item.productId)));
      const remove = el('button', 'quiet small', 'Remove');
      remove.dataset.test = 'remove';
      remove.title = 'DELETE /carts/{user}/items/{product}';
      remove.addEventListener('click', () => removeFromCart(item.productId));
      li.append(remove);
      return li;
    });
    list.replaceChildren(...rows);
    $('cart-total').textContent = priced ? money(total) : '';
    $('checkout').disabled = state.checkingOut;
  }

  async function removeFromCart(productId) {
    const user = currentUser();
    if (!user) return;
    const r = await api('DELETE',
                        `/carts/${encodeURIComponent(user)}/items/${encodeURIComponent(productId)}`);
    if (!r.ok) showOutcome('bad', `Could not remove ${productName(productId)}: ${r.reason}`);
    await loadCart();
  }

  // ---- checkout --------------------------------------------------------------

  // Worth retrying with the same key: no answer at all (a network error, or
  // nothing within the timeout), a 504 (the gateway gave up waiting: the
  // order may or may not exist), or the order still being placed by an
  // earlier try (409 "still in progress"). Any other answer is final: a
  // failed order keeps its first answer, so a retry would only repeat it.
  function retryable(r) {
    if (r.networkError || r.status === 504) return true;
    return r.status === 409 && /in progress/i.test(r.reason);
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function checkout() {
    const user = currentUser();
    if (!user || state.checkingOut) return;
    state.checkingOut = true;
    $('checkout').disabled = true;
    const key = idempotencyKey();
    let r = null;
    try {
      for (let attempt = 1; attempt <= CheckoutAttempts; ++attempt) {
        showOutcome('info', attempt === 1
          ? 'Placing the order…'
          : `Retrying, attempt ${attempt} of ${CheckoutAttempts}, with the same key…`);
        r = await api('POST', '/orders', {
          body: {user},
          headers: {'Idempotency-Key': key},
          note: attempt === 1 ? `key …${key.slice(-6)}`
                              : `retry ${attempt}/${CheckoutAttempts}, same key …${key.slice(-6)}`,
        });
        r.entry.dataset.idempotencyKey = key;
        r.entry.dataset.attempt = String(attempt);
        if (!retryable(r) || attempt === CheckoutAttempts) break;
        // Exponential back-off with jitter: 0.4 s, 0.8 s, 1.6 s, each ± 50%.
        await sleep(400 * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
      const tries = Number(r.entry.dataset.attempt);
      const after = tries > 1 ? ` after ${tries} attempts with one key` : '';
      if (r.ok && r.body && r.body.id) {
        showOutcome('ok', `Order ${r.body.id} is ${r.body.status}, ${money(r.body.totalCents)}` +
                          after + '.', r.body.id);
      } else {
        const id = r.body && r.body.id ? ` (order ${r.body.id})` : '';
        showOutcome('bad', `Checkout failed${id}${after}: ${r.reason}`);
      }
    } finally {
      state.checkingOut = false;
    }
    await loadCart();
    await loadOrders();
  }

  // ---- orders ----------------------------------------------------------------

  async function loadOrders() {
    const user = currentUser();
    if (!user) return;
    const r = await api('GET', `/orders?user=${encodeURIComponent(user)}`);
    const list = $('orders');
    if (!r.ok || !Array.isArray(r.body)) {
      list.replaceChildren(el('li', 'empty bad', `Could not load the orders: ${r.reason}`));
      return;
    }
    if (!r.body.length) {
      list.replaceChildren(el('li', 'empty', 'No orders yet.'));
      return;
    }
    list.replaceChildren(...r.body.map(orderRow));
  }

  function orderRow(o) {
    const li = el('li', 'line order');
    li.dataset.test = 'order';
    li.dataset.orderId = o.id;
    li.dataset.status = o.status;
    const badge = el('span', `badge ${String(o.status).toLowerCase()}`, o.status);
    badge.dataset.test = 'order-status';
    const items = Array.isArray(o.items) ? o.items : [];
    const count = items.reduce((n, i) => n + Number(i.quantity), 0);
    const first = el('div', 'row');
    first.append(badge, el('span', 'name', `${count} item${count === 1 ? '' : 's'}`),
                 el('span', 'total', o.totalCents ? money(o.totalCents) : ''));
    const when = typeof o.createdAt === 'string' ? o.createdAt.slice(11, 19) : '';
    const id = el('div', 'order-id', when ? `${o.id.slice(0, 8)} · ${when}` : o.id.slice(0, 8));
    id.title = `order ${o.id}`;
    const lines = el('div', 'order-items',
                     items.map((i) => `${i.quantity} × ${productName(i.productId)}`).join(', '));
    li.append(first, lines, id);
    if (o.reason) li.append(el('div', 'reason', o.reason));
    return li;
  }

  // ---- wiring ----------------------------------------------------------------

  function userChanged() {
    if (!currentUser()) return;
    $('checkout-status').hidden = true;
    loadCart();
    loadOrders();
  }

  document.addEventListener('DOMContentLoaded', async () => {
    $('reload-catalogue').addEventListener('click', loadCatalogue);
    $('checkout').addEventListener('click', checkout);
    $('refresh-orders').addEventListener('click', loadOrders);
    $('user').addEventListener('change', userChanged);
    await loadCatalogue();
    await loadCart();
    await loadOrders();
    document.body.dataset.ready = 'true';
  });
})();
