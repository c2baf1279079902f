// Editron dashboard: live updates from the event stream, players, and the review helpers.
// Plain JavaScript, no build step. Live regions ([data-live-region]) are re-read from the
// server when an event arrives; render progress is patched in place from the event itself.
"use strict";

(function () {
  const body = document.body;
  const state = document.getElementById("live-state");

  function say(text) { if (state) state.textContent = text; }

  let refreshTimer = null;
  function refreshSoon(delay) {
    if (refreshTimer) return;
    // A failed fetch (the server restarting) is not an error of the page: the next event or
    // reconnection refreshes again.
    refreshTimer = setTimeout(function () { refresh().catch(function () {}); }, delay);
  }

  async function refresh() {
    refreshTimer = null;
    const response = await fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
    if (response.redirected && new URL(response.url).pathname === "/login") { location.assign(response.url); return; }
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const main = document.getElementById("main");
    const freshMain = doc.getElementById("main");
    if (main && freshMain && main.dataset.pageState !== freshMain.dataset.pageState) {
      // The page changed shape (a cut finished assembling): take the new one whole.
      main.dataset.pageState = freshMain.dataset.pageState;
      main.innerHTML = freshMain.innerHTML;
      setup(main);
      return;
    }
    const active = document.activeElement;
    document.querySelectorAll("[data-live-region]").forEach(function (region) {
      const fresh = doc.getElementById(region.id);
      if (!fresh || region.contains(active) && active.matches("input, textarea, select")) return;
      if (fresh.innerHTML !== region.innerHTML) region.innerHTML = fresh.innerHTML;
    });
    setup(document);
  }

  function patchJob(item) {
    const row = document.getElementById("job-" + item.entity_id);
    if (!row) return false;
    const p = item.payload || {};
    const bar = row.querySelector("progress");
    if (bar && p.progress_percent !== undefined) bar.value = p.progress_percent;
    const pct = row.querySelector("[data-percent]");
    if (pct && p.progress_percent !== undefined) pct.textContent = Math.round(p.progress_percent) + "%";
    const eta = row.querySelector("[data-eta]");
    if (eta && p.eta_seconds !== undefined) eta.textContent = "ETA " + Math.round(p.eta_seconds) + " s";
    const fps = row.querySelector("[data-fps]");
    if (fps && p.fps !== undefined) fps.textContent = p.fps + " fps";
    return true;
  }

  // EventSource reconnects by itself after a drop and sends Last-Event-ID, so the server
  // resumes right after the last event this page saw. When the browser gives up instead (an
  // error status or a page that is not an event stream, say from a proxy while the server
  // restarts), a new stream is opened with that id as `after`, backing off up to 30 s.
  let lastEventId = null;
  let retryDelay = 1000;

  function liveUrl() {
    const url = new URL(body.dataset.live, location.href);
    if (lastEventId) url.searchParams.set("after", lastEventId);
    return url.pathname + url.search;
  }

  function connect() {
    if (!body.dataset.live || !window.EventSource) return;
    const source = new EventSource(liveUrl());
    source.addEventListener("open", function () {
      body.dataset.liveState = "open";
      retryDelay = 1000;
    });
    source.addEventListener("error", function () {
      body.dataset.liveState = "reconnecting";
      if (source.readyState !== EventSource.CLOSED) return;
      refreshSoon(0);  // catches up, and goes to /login if the session ended
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
    source.addEventListener("change", function (message) {
      const item = JSON.parse(message.data);
      lastEventId = message.lastEventId || lastEventId;
      body.dataset.lastEvent = lastEventId;
      if (item.event_type === "render_job.progress" && patchJob(item)) return;
      if (item.event_type === "batch.download_progress") { refreshSoon(1000); return; }
      refreshSoon(250);
    });
  }

  function play(button) {
    const player = document.getElementById("player");
    if (!player) return;
    const start = parseFloat(button.dataset.start || "0");
    const src = button.dataset.src;
    const seek = function () { player.currentTime = start; player.play().catch(function () {}); };
    if (player.dataset.src !== src) {
      player.dataset.src = src;
      player.src = src;
      player.addEventListener("loadedmetadata", seek, { once: true });
      player.load();
    } else { seek(); }
    const label = document.getElementById("player-label");
    if (label) label.textContent = "Playing " + (button.dataset.label || "");
  }

  function clockOf(seconds) {
    const m = Math.floor(seconds / 60);
    const s = (seconds - m * 60).toFixed(1).padStart(4, "0");
    return String(m).padStart(2, "0") + ":" + s;
  }

  let lastPaused = null;
  function addComment() {
    const box = document.getElementById("comments");
    const rows = box.querySelectorAll(".comment-row");
    const n = rows.length;
    const at = lastPaused ? clockOf(lastPaused.currentTime) : "";
    const first = rows[0];
    const firstAt = first.querySelector("input[name=comment_at]");
    let row = first;
    if (firstAt.value) {
      row = first.cloneNode(true);
      row.querySelectorAll("input").forEach(function (input) {
        input.value = "";
        input.id = input.id.replace(/-\d+$/, "-" + n);
      });
      row.querySelectorAll("label").forEach(function (label) {
        label.htmlFor = label.htmlFor.replace(/-\d+$/, "-" + n);
      });
      box.insertBefore(row, document.getElementById("add-comment"));
    }
    row.querySelector("input[name=comment_at]").value = at;
    row.querySelector("input[name=comment_text]").focus();
  }

  function bind(root) {
    root.querySelectorAll("button.play").forEach(function (b) {
      if (!once(b)) return;
      b.addEventListener("click", function () { play(b); });
    });
    root.querySelectorAll("button.seek").forEach(function (b) {
      if (!once(b)) return;
      b.addEventListener("click", function () {
        const video = document.getElementById(b.dataset.video);
        video.currentTime = parseFloat(b.dataset.start);
        video.focus();
      });
    });
  }

  function once(element) {
    if (element.dataset.bound) return false;
    element.dataset.bound = "1";
    return true;
  }

  function setup(root) {
    bind(root);
    root.querySelectorAll("input[data-filter]").forEach(function (input) {
      if (!once(input)) return;
      input.addEventListener("input", function () {
        const q = input.value.trim().toLowerCase();
        let first = null;
        document.querySelectorAll(input.dataset.filter).forEach(function (li) {
          const hit = !q || li.textContent.toLowerCase().includes(q);
          li.hidden = !hit;
          if (hit && q && !first) first = li;
        });
        const go = first && first.querySelector("button.play");
        if (go) play(go);
      });
    });
    root.querySelectorAll("video.review").forEach(function (video) {
      if (!once(video)) return;
      video.addEventListener("pause", function () { lastPaused = video; });
    });
    root.querySelectorAll("input.captions-toggle").forEach(function (box) {
      if (!once(box)) return;
      const video = document.getElementById(box.dataset.video);
      box.addEventListener("change", function () {
        for (const track of video.textTracks) track.mode = box.checked ? "showing" : "hidden";
      });
    });
    const add = document.getElementById("add-comment");
    if (add && once(add)) add.addEventListener("click", addComment);
  }

  setup(document);
  connect();
})();
