// The dashboard's pages: the at-risk list and the live alerts (server-sent events), and a customer's page.
// Every value from the server is set as text (never as HTML).
"use strict";
const Dashboard = (() => {
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = text; if (cls) e.className = cls; return e; };
  const pct = p => p === null || p === undefined ? "–" : (p * 100).toFixed(1) + " %";
  const levelCell = level => el("td", level, "level level-" + level);
  const customerLink = id => { const a = el("a", id); a.href = "customer.html?id=" + encodeURIComponent(id); return a; };
  const why = a => [...(a.symptoms || []).filter(s => s.severity === "critical").map(s => s.explanation), ...(a.reasons || [])].slice(0, 3).join("; ");

  async function json(url) {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  async function refreshAtRisk() {
    const rows = await json("api/at-risk?limit=100");
    const body = document.querySelector("#at-risk tbody");
    body.replaceChildren(...rows.map(a => {
      const tr = el("tr");
      tr.dataset.customer = a.customerId;
      const id = el("td"); id.append(customerLink(a.customerId));
      tr.append(id, levelCell(a.level), el("td", pct(a.probability), "n"), el("td", a.owner || "–"), el("td", why(a)));
      return tr;
    }));
    document.getElementById("at-risk-empty").hidden = rows.length > 0;
  }

  function showAlert(alert) {
    const li = el("li");
    li.dataset.customer = alert.customerId;
    li.append(el("time", new Date(alert.raisedAt).toISOString().replace("T", " ").slice(0, 16) + " UTC · to " + (alert.owner || "nobody")));
    const who = el("strong"); who.append(customerLink(alert.customerId));
    li.append(who, document.createTextNode(" " + alert.message));
    const list = document.getElementById("alerts");
    list.prepend(li);
    while (list.children.length > 50) list.lastElementChild.remove();
  }

  function home() {
    const state = document.getElementById("feed-state");
    const feed = new EventSource("api/alerts/stream");
    feed.onopen = () => { state.dataset.connected = "true"; state.textContent = "live"; };
    feed.onerror = () => { state.dataset.connected = "false"; state.textContent = "reconnecting…"; };
    let pending = null;
    feed.addEventListener("alert", e => {
      state.dataset.connected = "true"; state.textContent = "live";
      showAlert(JSON.parse(e.data));
      // One refresh of the list for a burst of alerts.
      pending ??= setTimeout(() => { pending = null; refreshAtRisk().catch(console.warn); }, 300);
    });
    refreshAtRisk().catch(console.warn);
    setInterval(() => refreshAtRisk().catch(console.warn), 15000);
  }

  async function customer(id) {
    document.getElementById("customer-id").textContent = id || "?";
    document.title = (id || "?") + " · churn monitor";
    const current = document.getElementById("current");
    let data;
    try {
      data = await json("api/customers/" + encodeURIComponent(id || ""));
    } catch {
      current.textContent = "No customer '" + (id || "") + "' has been seen.";
      return;
    }

    const now = data.current;
    if (now) {
      current.replaceChildren(el("span", now.level, "level level-" + now.level), document.createTextNode(
        " · probability " + pct(now.probability) + " · as of " + now.asOf.replace("T", " ").slice(0, 16) + " · owner " + (now.owner || "–") + " — " + (now.levelReason || "")));
      document.getElementById("reasons").replaceChildren(...now.reasons.map(r => el("li", r)));
      document.getElementById("symptoms").replaceChildren(...now.symptoms.map(s => el("li", s.severity + ": " + s.explanation)));
    } else {
      current.textContent = "Not assessed since the last restart.";
    }

    document.querySelector("#history tbody").replaceChildren(...data.history.map(a => {
      const tr = el("tr");
      tr.append(el("td", a.asOf.replace("T", " ").slice(0, 16)), levelCell(a.level), el("td", pct(a.probability), "n"), el("td", why(a) || a.levelReason));
      return tr;
    }));
  }

  return { home, customer };
})();
