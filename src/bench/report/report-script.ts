/**
 * The report's interactive part, as a script string: click a flag or a heatmap cell to open its session at the
 * quoted turn, filter flags, and put two models side by side on one scenario. Plain DOM code, no eval, no network;
 * transcripts are rendered on demand from the embedded JSON so a large run stays light.
 */
export const REPORT_SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var entries = {};
  data.entries.forEach(function (e) { entries[e.id] = e; });
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined) n.textContent = text;
    return n;
  }
  function renderTurn(turn, flags, focusRound) {
    var div = el("div", { "class": "turn " + turn.role, id: "turn-" + turn.round });
    div.appendChild(el("span", { "class": "who" }, "round " + turn.round + " · " + (turn.role === "ai" ? "NPC" : "user") + (turn.round < 2 ? " · scripted" : "")));
    var here = flags.filter(function (f) { return f.round === turn.round; });
    var text = turn.text;
    var quote = here.length ? here[0].quote : "";
    var at = quote ? text.indexOf(quote) : -1;
    if (at >= 0) {
      div.appendChild(document.createTextNode(text.slice(0, at)));
      div.appendChild(el("mark", null, quote));
      div.appendChild(document.createTextNode(text.slice(at + quote.length)));
    } else div.appendChild(document.createTextNode(text));
    if (here.length) {
      if (here.some(function (f) { return f.status === "standing"; })) div.classList.add("flagged");
      var chips = el("div");
      here.forEach(function (f) {
        chips.appendChild(el("span", { "class": "chip " + f.status, title: f.reason }, f.dimension + "/" + f.subtype + " · sev " + f.severity + " · " + f.status + " · " + f.by));
      });
      div.appendChild(chips);
    }
    if (turn.round === focusRound) div.classList.add("focus");
    return div;
  }
  function renderSession(container, session, focusRound) {
    container.textContent = "";
    var entry = entries[session.entry];
    container.appendChild(el("p", { "class": "muted" }, (entry ? entry.label : session.entry) + " · " + session.seedId + " · " + session.runId + (session.overall !== undefined && session.overall !== null ? " · Overall " + session.overall.toFixed(1) : "")));
    session.turns.forEach(function (t) { container.appendChild(renderTurn(t, session.flags, focusRound)); });
  }
  var viewer = document.getElementById("viewer");
  function openSession(index, round) {
    var s = data.sessions[index];
    if (!s || !viewer) return;
    renderSession(viewer, s, round);
    document.getElementById("viewer-section").scrollIntoView({ block: "start" });
    var target = document.getElementById("turn-" + round);
    if (target) viewer.scrollTop = target.offsetTop - viewer.offsetTop - 8;
  }
  window.troupeOpenSession = openSession;

  // Heatmap cells carry data-session and data-round.
  Array.prototype.forEach.call(document.querySelectorAll("rect.cell"), function (r) {
    r.addEventListener("click", function () { openSession(Number(r.getAttribute("data-session")), Number(r.getAttribute("data-round"))); });
  });

  // Flag browser.
  var table = document.getElementById("flag-table");
  var fEntry = document.getElementById("flag-entry");
  var fStatus = document.getElementById("flag-status");
  var fDim = document.getElementById("flag-dimension");
  var fMore = document.getElementById("flag-more");
  var limit = 300;
  function renderFlags() {
    if (!table) return;
    var body = table.querySelector("tbody");
    body.textContent = "";
    var shown = 0, total = 0;
    data.sessions.forEach(function (s, si) {
      if (fEntry.value && s.entry !== fEntry.value) return;
      s.flags.forEach(function (f) {
        if (fStatus.value && f.status !== fStatus.value) return;
        if (fDim.value && f.dimension !== fDim.value) return;
        total++;
        if (shown >= limit) return;
        shown++;
        var tr = el("tr", { "data-session": String(si), "data-round": String(f.round) });
        [entries[s.entry] ? entries[s.entry].label : s.entry, s.seedId + " " + s.runId, String(f.round), f.dimension + "/" + f.subtype, String(f.severity), f.status, f.quote, f.reason, f.by].forEach(function (v, i) {
          var td = el("td", i === 5 ? { "class": "status-" + f.status } : i === 0 || i === 6 || i === 7 ? { "class": "wrap" } : null, v);
          tr.appendChild(td);
        });
        tr.addEventListener("click", function () { openSession(si, f.round); });
        body.appendChild(tr);
      });
    });
    document.getElementById("flag-count").textContent = shown + " of " + total + " flags shown";
    fMore.hidden = shown >= total;
  }
  if (table) {
    [fEntry, fStatus, fDim].forEach(function (x) { x.addEventListener("change", function () { limit = 300; renderFlags(); }); });
    fMore.addEventListener("click", function () { limit += 300; renderFlags(); });
    renderFlags();
  }

  // Side by side: one scenario, two entries.
  var sbsSeed = document.getElementById("sbs-seed");
  var sbsLeft = document.getElementById("sbs-left");
  var sbsRight = document.getElementById("sbs-right");
  var sbsRun = document.getElementById("sbs-run");
  function findSession(entry, seed, run) {
    var idx = -1;
    data.sessions.forEach(function (s, i) { if (idx < 0 && s.entry === entry && s.seedId === seed && (!run || s.runId === run)) idx = i; });
    return idx;
  }
  function renderSideBySide() {
    if (!sbsSeed) return;
    [["sbs-left-col", sbsLeft.value], ["sbs-right-col", sbsRight.value]].forEach(function (pair) {
      var col = document.getElementById(pair[0]);
      var idx = findSession(pair[1], sbsSeed.value, sbsRun.value);
      if (idx < 0) { col.textContent = "No session of this model on this scenario" + (sbsRun.value ? " and run." : "."); return; }
      renderSession(col, data.sessions[idx], -1);
    });
  }
  if (sbsSeed) {
    [sbsSeed, sbsLeft, sbsRight, sbsRun].forEach(function (x) { x.addEventListener("change", renderSideBySide); });
    renderSideBySide();
  }
})();
`;
