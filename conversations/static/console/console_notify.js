/*
 * Notifications in the agent console: unread counters per conversation (carried by the socket's queue,
 * transcript and conversation frames, and by the unread frame that answers a read), their total in the tab title ("(3) Agent console"), and, when
 * the agent opted in, a desktop notification (the Notification API, permission asked on that click) and a
 * short sound for a new hand-off or a new customer message in one of the agent's conversations. The opt-ins
 * are remembered on the server (PATCH /api/v1/agents/me/notifications/). Reading: opening a conversation
 * marks it read on the server; a message shown while the tab is visible is marked read with a "read" frame.
 */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const agentConsole = () => window.agentConsole;
  const baseTitle = document.title;
  const unread = new Map(); // conversation -> {unread, mine, waiting}
  const statuses = new Map(); // conversation -> last status seen, to tell a new hand-off
  const prefs = { desktop: false, sound: false };
  const PREFS_URL = "/api/v1/agents/me/notifications/";

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- counters and the tab title ------------------------------------------------------------------

  function counts(id) {
    const row = unread.get(id);
    return row && (row.mine || row.waiting) ? row.unread : 0;
  }

  function render() {
    let total = 0;
    document.querySelectorAll("#queue .conversation-row").forEach((button) => {
      const n = counts(button.dataset.id);
      total += n;
      let badge = button.querySelector(".unread-badge");
      if (!n) { if (badge) badge.remove(); return; }
      if (!badge) { badge = document.createElement("span"); badge.className = "unread-badge"; button.appendChild(badge); }
      badge.textContent = String(n);
      badge.setAttribute("aria-label", `${n} unread`);
    });
    document.title = total ? `(${total}) ${baseTitle}` : baseTitle;
  }

  // console.js re-renders the queue's rows on every change: decorate them again each time (the badges go
  // inside the rows, so this observer does not hear its own changes).
  new MutationObserver(render).observe($("queue"), { childList: true });

  // --- desktop notification and sound -------------------------------------------------------------

  function beep() {
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
      window.consoleSoundsPlayed = (window.consoleSoundsPlayed || 0) + 1;
    } catch (e) { /* no audio device: the counter and title still show it */ }
  }

  function notify(title, body, id) {
    if (prefs.sound) beep();
    if (!prefs.desktop || !("Notification" in window) || Notification.permission !== "granted") return;
    const note = new Notification(title, { body, tag: `conversation-${id}` });
    note.onclick = () => { window.focus(); agentConsole().send({ type: "open", conversation: id }); };
  }

  function attentionNeeded(id) {
    return document.hidden || agentConsole().openId() !== id;
  }

  const ON_FRAME = {
    queue(frame) { frame.conversations.forEach((c) => statuses.set(c.id, c.status)); },
    conversation(frame) {
      const c = frame.conversation;
      const before = statuses.get(c.id);
      statuses.set(c.id, c.status);
      if (c.status === "waiting_for_agent" && before !== "waiting_for_agent") {
        notify("New hand-off", c.last_message || "A customer is waiting for an agent.", c.id);
      }
    },
    unread(frame) { applyUnread(frame.conversations); },
    message(frame) {
      // Shown in the open conversation while the tab is visible: read.
      if (frame.message.role === "customer" && frame.conversation === agentConsole().openId() && !document.hidden) {
        agentConsole().send({ type: "read", conversation: frame.conversation, message: frame.message.id });
      }
    },
  };
  function applyUnread(rows) {
    Object.entries(rows).forEach(([id, row]) => {
      const before = unread.get(id);
      unread.set(id, row);
      const rose = before && row.unread > before.unread;
      if (rose && row.mine && attentionNeeded(id)) notify("New customer message", "A customer wrote in one of your conversations.", id);
    });
    render();
  }

  document.addEventListener("console:frame", (event) => {
    const frame = event.detail;
    (ON_FRAME[frame.type] || (() => {}))(frame);
    // The queue, transcript and conversation frames carry this agent's counters (docs/protocol.md).
    if (frame.unread) applyUnread(frame.unread);
  });
  document.addEventListener("visibilitychange", () => {
    const id = agentConsole().openId();
    if (!document.hidden && id && counts(id)) agentConsole().send({ type: "read", conversation: id });
  });

  // --- the opt-ins -----------------------------------------------------------------------------------

  function showPrefs() {
    $("notify-desktop").checked = prefs.desktop;
    $("notify-sound").checked = prefs.sound;
    const denied = "Notification" in window && Notification.permission === "denied";
    $("notify-hint").textContent = denied ? "This browser blocks notifications for this site." : "";
  }

  async function save(change) {
    const response = await fetch(PREFS_URL, {
      method: "PATCH", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(change),
    });
    if (response.ok) Object.assign(prefs, await response.json());
    showPrefs();
  }

  $("notify-desktop").addEventListener("click", async (event) => {
    const wanted = event.target.checked;
    if (wanted && "Notification" in window && Notification.permission !== "granted") {
      // Asked only here, on the agent's own click.
      if ((await Notification.requestPermission()) !== "granted") { event.target.checked = false; showPrefs(); return; }
    }
    await save({ desktop: wanted });
  });
  $("notify-sound").addEventListener("click", (event) => save({ sound: event.target.checked }));

  fetch(PREFS_URL, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : prefs)).then((p) => { Object.assign(prefs, p); showPrefs(); });
})();
