/*
 * The copilot in the agent console: the hand-off summary at the top of the open conversation (REST
 * /api/v1/conversations/{id}/summary/) and a drafted reply for the customer's latest message, streamed over
 * the agent socket (draft -> draft.token ... draft.done; draft_cancel; draft_discard). Drafting never blocks
 * typing: it runs on the server in a thread, and the draft waits beside the composer until the agent
 * inserts it. The reply frame then names the draft, so the server can tell sent unchanged from edited.
 * All text goes through textContent. Talks to console.js through window.agentConsole and "console:frame".
 */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const agentConsole = () => window.agentConsole;
  const panel = $("copilot");
  const draftText = $("draft-text");
  const draftStatus = $("draft-status");
  const replyBox = $("reply");
  let draft = null; // the finished draft {id, text, sources}
  let drafting = null; // the conversation a draft is being written for
  let mine = new Set(); // conversations this agent has (from the unread frames)
  const draftedFor = new Map(); // conversation -> the customer message last drafted for
  const latestCustomer = new Map(); // conversation -> its latest customer message id

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- the hand-off summary --------------------------------------------------------------------------

  async function loadSummary(id) {
    const box = $("handoff-summary");
    box.hidden = true;
    const response = await fetch(`/api/v1/conversations/${id}/summary/`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok || agentConsole().openId() !== id) return;
    renderSummary(await response.json());
  }

  function renderSummary(summary) {
    const wants = $("summary-wants");
    wants.replaceChildren(...(summary.wants.length ? summary.wants.map((s) => el("q", "summary-sentence", s)) : [el("span", "hint", "Nothing written yet.")]));
    $("summary-intent").textContent = summary.intent
      ? `${summary.intent} (${Math.round((summary.confidence || 0) * 100)}% confidence)` : "Not classified";
    $("summary-reason").textContent = summary.handoff_reason_label || "Not handed off by the bot";
    const articles = $("summary-articles");
    articles.replaceChildren(...summary.articles.map((a) => {
      const item = el("li");
      const link = el("a", null, a.title);
      if (a.url) { link.href = a.url; link.target = "_blank"; link.rel = "noopener"; }
      item.appendChild(link);
      return item;
    }));
    if (!summary.articles.length) articles.appendChild(el("li", "hint", "None"));
    const provided = $("summary-provided");
    provided.replaceChildren(...summary.provided.map((p) => el("li", "placeholder-value", `${p.entity_type}: ${p.placeholder}${p.purged ? " (purged)" : ""}`)));
    if (!summary.provided.length) provided.appendChild(el("li", "hint", "None"));
    $("summary-reveal").textContent = summary.provided.length
      ? (summary.may_reveal ? "You may reveal these in admin (PII vault; every reveal is audited)."
        : "Values are shown as placeholders; a privacy officer can reveal them (audited).")
      : "";
    $("handoff-summary").hidden = false;
  }

  // --- the draft -------------------------------------------------------------------------------------

  function resetDraft(statusText) {
    draft = null;
    draftText.textContent = "";
    $("draft-sources").replaceChildren();
    $("draft-insert").disabled = true;
    $("draft-discard").disabled = true;
    $("draft-cancel").hidden = true;
    draftStatus.textContent = statusText || "";
  }

  function requestDraft() {
    const id = agentConsole().openId();
    if (!id) return;
    resetDraft("Drafting\u2026");
    drafting = id;
    panel.dataset.state = "drafting";
    $("draft-cancel").hidden = false;
    agentConsole().send({ type: "draft", conversation: id });
  }

  function maybeDraft(id) {
    // A fresh draft for each new customer message in the open conversation, once this agent has it.
    const messageId = latestCustomer.get(id);
    if (!messageId || !mine.has(id) || agentConsole().openId() !== id || draftedFor.get(id) === messageId) return;
    draftedFor.set(id, messageId);
    requestDraft();
  }

  const ON_FRAME = {
    "draft.token"(frame) {
      if (frame.conversation !== drafting) return;
      draftText.textContent += frame.text;
    },
    "draft.done"(frame) {
      if (frame.conversation !== agentConsole().openId()) return;
      drafting = null;
      $("draft-cancel").hidden = true;
      if (!frame.draft || frame.reason === "cancelled") {
        panel.dataset.state = "none";
        resetDraft(frame.message);
        return;
      }
      draft = frame.draft;
      panel.dataset.state = "ready";
      draftText.textContent = draft.text;
      $("draft-sources").replaceChildren(...draft.sources.map((s) => el("li", null, `[${s.n || "?"}] ${s.title}`)));
      draftStatus.textContent = `Drafted from ${draft.sources.length} article${draft.sources.length === 1 ? "" : "s"} (${draft.answer_tier || "bot"} tier). Insert it, edit it, send it.`;
      $("draft-insert").disabled = false;
      $("draft-discard").disabled = false;
    },
    transcript(frame) {
      resetDraft("");
      panel.dataset.state = "none";
      drafting = null;
      loadSummary(frame.conversation.id);
      // Only when the customer spoke last (an agent's reply already answered it).
      const last = frame.messages.filter((m) => m.role !== "system").pop();
      if (last && last.role === "customer") latestCustomer.set(frame.conversation.id, last.id);
      else latestCustomer.delete(frame.conversation.id);
      // Drafted once the counters say the agent has it (this frame's own, then each change's).
    },
    message(frame) {
      if (frame.message.role === "customer") {
        latestCustomer.set(frame.conversation, frame.message.id);
        maybeDraft(frame.conversation);
      }
      if (frame.message.role === "agent") latestCustomer.delete(frame.conversation);
      if (frame.message.role === "agent" && frame.conversation === agentConsole().openId() && draft) resetDraft("Sent.");
    },
    status(frame) {
      if (frame.conversation !== agentConsole().openId()) return;
      if (frame.status === "closed") resetDraft("");
      loadSummary(frame.conversation);
    },
    error(frame) {
      if (drafting && frame.conversation === drafting) {
        drafting = null;
        panel.dataset.state = "none";
        resetDraft(frame.message);
      }
    },
  };

  function applyUnread(rows) {
    Object.entries(rows).forEach(([id, row]) => { if (row.mine) mine.add(id); else mine.delete(id); });
    const open = agentConsole().openId();
    if (open && rows[open]) maybeDraft(open);
  }

  document.addEventListener("console:frame", (event) => {
    const frame = event.detail;
    (ON_FRAME[frame.type] || (() => {}))(frame);
    // Whose each conversation is comes with the counters on the queue, transcript, conversation and unread frames.
    const rows = frame.type === "unread" ? frame.conversations : frame.unread;
    if (rows) applyUnread(rows);
  });

  $("draft-request").addEventListener("click", requestDraft);
  $("draft-cancel").addEventListener("click", () => {
    const id = agentConsole().openId();
    if (id) agentConsole().send({ type: "draft_cancel", conversation: id });
  });
  $("draft-insert").addEventListener("click", () => {
    if (!draft) return;
    replyBox.value = draft.text;
    replyBox.dataset.draft = String(draft.id);
    replyBox.focus();
    draftStatus.textContent = "Inserted: edit it if needed, then send.";
  });
  $("draft-discard").addEventListener("click", () => {
    const id = agentConsole().openId();
    if (!draft || !id) return;
    agentConsole().send({ type: "draft_discard", conversation: id, draft: draft.id });
    if (replyBox.dataset.draft === String(draft.id)) delete replyBox.dataset.draft;
    resetDraft("Draft dismissed.");
    panel.dataset.state = "none";
  });
})();
