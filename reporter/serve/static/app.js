// The review page: decisions, filters, search, keyboard. Plain JS served from the package (no CDN, no
// build step); the Content-Security-Policy allows this file and nothing inline. Text from the server is
// only ever put into the page with textContent, never as HTML.
"use strict";

(function () {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const flags = Array.from(document.querySelectorAll("[data-flag-id]"));
  const byId = new Map(flags.map((el) => [el.dataset.flagId, el]));
  const $ = (id) => document.getElementById(id);
  const filters = { q: $("q"), severity: $("f-severity"), kind: $("f-kind"), status: $("f-status"), source: $("f-source") };
  let current = null;

  function toast(message, isError) {
    const t = $("toast");
    t.textContent = message;
    t.className = isError ? "show error" : "show";
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.className = ""; }, isError ? 6000 : 2000);
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = { error: response.status + " " + response.statusText }; }
    if (!response.ok) throw new Error(data.error || ("HTTP " + response.status));
    return data;
  }

  function apply(data) {
    for (const f of data.flags) {
      const el = byId.get(f.id);
      if (!el) continue;
      el.dataset.status = f.status;
      el.querySelector('[data-role="status"]').textContent = f.status;
      el.querySelector(".note").value = f.note || "";
      el.querySelector(".correction").value = f.correction || "";
      const who = f.reviewer ? " by " + f.reviewer : "";
      el.querySelector('[data-role="saved"]').textContent = f.decided_at ? f.status + who + ", " + f.decided_at : "";
    }
    if (data.summary) $("summary").textContent = data.summary;
    recount();
    applyFilters();
  }

  async function decide(el, status, withText) {
    const body = { id: el.dataset.flagId };
    if (status) body.status = status;
    if (withText) {
      body.note = el.querySelector(".note").value;
      body.correction = el.querySelector(".correction").value;
    }
    try {
      apply(await post("/api/decision", body));
      toast((status || "saved") + ": " + el.querySelector("h3").textContent.trim().slice(0, 80));
    } catch (err) {
      toast("Not saved: " + err.message, true);
    }
  }

  async function bulk(kind, source) {
    try {
      const data = await post("/api/bulk", { kind: kind, source_id: source });
      apply(data);
      toast("Dismissed " + data.flags.length + " flag(s)");
    } catch (err) {
      toast("Not saved: " + err.message, true);
    }
  }

  function recount() {
    const counts = {};
    for (const el of flags) counts[el.dataset.status] = (counts[el.dataset.status] || 0) + 1;
    for (const span of document.querySelectorAll("[data-count-status]")) {
      const st = span.dataset.countStatus;
      span.textContent = (counts[st] || 0) + " " + st.replace("-", " ");
    }
  }

  function visible(el) {
    const q = filters.q.value.trim().toLowerCase();
    if (filters.severity.value && el.dataset.severity !== filters.severity.value) return false;
    if (filters.kind.value && el.dataset.kind !== filters.kind.value) return false;
    if (filters.status.value && el.dataset.status !== filters.status.value) return false;
    if (filters.source.value && !el.dataset.sources.split(" ").includes(filters.source.value)) return false;
    return !q || el.textContent.toLowerCase().includes(q) || el.querySelector(".note").value.toLowerCase().includes(q);
  }

  function applyFilters() {
    let shown = 0;
    for (const el of flags) {
      const show = visible(el);
      el.hidden = !show;
      if (show) shown++;
    }
    $("shown").textContent = shown + " of " + flags.length + " flags shown";
  }

  function focusFlag(el) {
    if (!el) return;
    if (current) current.classList.remove("current");
    current = el;
    el.classList.add("current");
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
  }

  function step(delta) {
    const shown = flags.filter((el) => !el.hidden);
    if (!shown.length) return;
    const i = shown.indexOf(current);
    focusFlag(shown[i < 0 ? (delta > 0 ? 0 : shown.length - 1) : Math.min(shown.length - 1, Math.max(0, i + delta))]);
  }

  function highlight(anchorId) {
    const target = document.getElementById(anchorId);
    if (!target) return;
    const mark = target.closest("mark") || target;
    mark.scrollIntoView({ block: "center" });
    mark.classList.remove("flash");
    void mark.offsetWidth; // restart the animation
    mark.classList.add("flash");
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    const flag = event.target.closest("[data-flag-id]");
    if (button && flag && button.dataset.decide) { focusFlag(flag); decide(flag, button.dataset.decide, false); return; }
    if (button && flag && button.classList.contains("save")) { focusFlag(flag); decide(flag, null, true); return; }
    if (button && button.dataset.bulkKind) { bulk(button.dataset.bulkKind, button.dataset.bulkSource); return; }
    const go = event.target.closest("[data-goto]");
    if (go) { event.preventDefault(); highlight(go.dataset.goto); history.replaceState(null, "", "#" + go.dataset.goto); return; }
    const mark = event.target.closest("mark[data-flags]");
    if (mark) {
      const el = byId.get(mark.dataset.flags.split(" ")[0]);
      if (el) { el.hidden = false; focusFlag(el); el.scrollIntoView({ block: "center" }); }
      return;
    }
    if (flag && !event.target.closest("textarea, a, summary, select, input")) focusFlag(flag);
  });

  for (const input of Object.values(filters)) {
    input.addEventListener("input", applyFilters);
    input.addEventListener("change", applyFilters);
  }

  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select");
    if (event.key === "Escape") { if (typing) event.target.blur(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = { j: () => step(1), ArrowDown: null, k: () => step(-1), "/": () => filters.q.focus(),
      c: () => current && decide(current, "confirmed"), d: () => current && decide(current, "dismissed"),
      n: () => current && decide(current, "needs-check"), o: () => current && decide(current, "open") };
    const action = keys[event.key];
    if (action) { event.preventDefault(); action(); }
  });

  // Keep scrolled-to flags and spans clear of the sticky header, whatever its height on this screen.
  function padForHeader() {
    const top = document.getElementById("top");
    const sticky = getComputedStyle(top).position === "sticky";
    document.documentElement.style.scrollPaddingTop = sticky ? (top.offsetHeight + 8) + "px" : "8px";
    document.documentElement.style.setProperty("--header-h", (sticky ? top.offsetHeight : 0) + "px");
  }
  window.addEventListener("resize", padForHeader);

  padForHeader();
  recount();
  applyFilters();
})();
