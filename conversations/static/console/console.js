/*
 * The agent console: the queue of waiting and assigned conversations, live, and the open one's
 * transcript with join / reply / return-to-bot / close. Talks to /ws/agent/ (docs/protocol.md).
 * All text goes through textContent.
 */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const queue = $("queue");
  const transcript = $("transcript");
  const replyBox = $("reply");
  const STATUS_TEXT = { waiting_for_agent: "Waiting", with_agent: "With agent", with_bot: "With bot", closed: "Closed" };
  const WHO = { customer: "Customer", bot: "Bot", system: "Notice", agent: "Agent" };
  const conversations = new Map(); // id -> summary
  let socket = null;
  let openId = null;
  let attempt = 0;
  let lastTypingSent = 0;
  // The queue shown: "mine" (assigned to me), "unassigned" (waiting, no agent) or "all" (console_workspace.js switches it).
  let queueView = "all";
  const me = $("layout").dataset.me;

  function inView(c) {
    if (queueView === "mine") return c.agent_username === me;
    if (queueView === "unassigned") return c.status === "waiting_for_agent" && !c.agent_username;
    return true;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/agent/`);
    socket = ws;
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      (HANDLERS[frame.type] || (() => {}))(frame);
      // The copilot and notifications (console_copilot.js, console_notify.js) hear every frame after the console.
      document.dispatchEvent(new CustomEvent("console:frame", { detail: frame }));
    };
    ws.onopen = () => { attempt = 0; $("connection").textContent = "Live"; };
    ws.onclose = () => {
      $("connection").textContent = "Disconnected. Reconnecting\u2026";
      const delay = Math.min(15000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  // --- the queue ----------------------------------------------------------------------------------------

  function renderQueue() {
    const rows = [...conversations.values()]
      .filter((c) => (c.status === "waiting_for_agent" || c.status === "with_agent") && inView(c))
      .sort((a, b) => (a.status === b.status ? (a.escalated_at || "").localeCompare(b.escalated_at || "") : a.status === "waiting_for_agent" ? -1 : 1));
    queue.replaceChildren(...rows.map((c) => {
      const button = el("button", "conversation-row");
      button.type = "button";
      button.dataset.id = c.id;
      if (c.id === openId) button.setAttribute("aria-current", "true");
      button.append(
        el("span", `badge ${c.status}`, c.status === "with_agent" && c.assigned_agent ? `With ${c.assigned_agent}` : STATUS_TEXT[c.status]),
        el("span", "preview", c.last_message || "(no messages)"),
        el("span", "meta", `#${c.id.slice(0, 8)}`),
      );
      if (c.offline_handoff) button.appendChild(el("span", "badge offline", c.contact_email_left ? "Offline hand-off \u00b7 e-mail left" : "Offline hand-off"));
      if (c.tags && c.tags.length) button.appendChild(el("span", "row-tags", c.tags.join(", ")));
      button.addEventListener("click", () => send({ type: "open", conversation: c.id }));
      const item = el("li");
      item.appendChild(button);
      return item;
    }));
    $("queue-empty").hidden = rows.length > 0;
    $("queue-empty").textContent = queueView === "mine" ? "No conversation is assigned to you." : "No one is waiting.";
    const queued = [...conversations.values()].filter((c) => c.status === "waiting_for_agent" || c.status === "with_agent");
    document.querySelectorAll(".queue-tabs button").forEach((tab) => {
      const view = queueView;
      queueView = tab.dataset.queue;
      tab.textContent = `${tab.dataset.label} (${queued.filter(inView).length})`;
      queueView = view;
    });
  }

  // --- the open conversation ----------------------------------------------------------------------------

  function renderMessage(message) {
    if (transcript.querySelector(`[data-id="${message.id}"]`)) return;
    const node = el("div", `msg msg-${message.role}`);
    node.dataset.id = String(message.id);
    const who = message.role === "agent" && message.author ? message.author : WHO[message.role];
    node.append(el("span", "who", who), el("p", "text", message.text));
    if (message.role === "customer" && message.intent) {
      node.appendChild(el("span", "meta", `${message.intent} (${Math.round((message.confidence || 0) * 100)}%)`));
    }
    transcript.appendChild(node);
    transcript.scrollTop = transcript.scrollHeight;
  }

  function showConversation(summary) {
    $("conversation-title").textContent = `Conversation #${summary.id.slice(0, 8)}`;
    const who = summary.assigned_agent ? ` \u00b7 ${summary.assigned_agent}` : "";
    $("conversation-status").textContent = `${STATUS_TEXT[summary.status] || summary.status}${who}`;
    $("join").disabled = summary.status === "closed" || summary.status === "with_agent";
    $("return").disabled = !(summary.status === "waiting_for_agent" || summary.status === "with_agent");
    $("close").disabled = summary.status === "closed";
    replyBox.disabled = summary.status === "closed";
  }

  function act(type, extra) {
    $("console-error").textContent = "";
    if (openId) send({ type, conversation: openId, ...(extra || {}) });
  }

  const HANDLERS = {
    queue(frame) {
      conversations.clear();
      frame.conversations.forEach((c) => conversations.set(c.id, c));
      renderQueue();
      if (openId) send({ type: "open", conversation: openId });
    },
    conversation(frame) {
      const summary = frame.conversation;
      const known = conversations.get(summary.id);
      conversations.set(summary.id, { ...known, ...summary });
      renderQueue();
      if (summary.id === openId) showConversation(conversations.get(summary.id));
    },
    transcript(frame) {
      openId = frame.conversation.id;
      conversations.set(openId, { ...conversations.get(openId), ...frame.conversation });
      $("placeholder").hidden = true;
      $("conversation").hidden = false;
      transcript.replaceChildren();
      frame.messages.forEach(renderMessage);
      showConversation(frame.conversation);
      renderQueue();
      replyBox.focus();
    },
    message(frame) { if (frame.conversation === openId) { $("customer-typing").hidden = true; renderMessage(frame.message); } },
    status(frame) {
      if (frame.conversation !== openId) return;
      const summary = { ...conversations.get(openId), status: frame.status, assigned_agent: frame.agent };
      conversations.set(openId, summary);
      showConversation(summary);
    },
    typing(frame) {
      if (frame.conversation === openId) $("customer-typing").hidden = !frame.typing;
    },
    error(frame) { $("console-error").textContent = frame.message; },
  };

  $("join").addEventListener("click", () => act("join"));
  $("return").addEventListener("click", () => act("return_to_bot"));
  $("close").addEventListener("click", () => act("close"));
  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = replyBox.value.trim();
    if (!text) return;
    const draft = Number(replyBox.dataset.draft) || undefined; // the copilot draft the agent inserted, if any
    act("reply", draft ? { text, draft } : { text });
    delete replyBox.dataset.draft;
    replyBox.value = "";
    lastTypingSent = 0;
  });
  replyBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); $("reply-form").requestSubmit(); }
  });
  replyBox.addEventListener("input", () => {
    const now = Date.now();
    if (openId && now - lastTypingSent > 3000) { act("typing", { typing: true }); lastTypingSent = now; }
  });

  // What the copilot and notification scripts use: the socket and the open conversation.
  window.agentConsole = {
    send, openId: () => openId, conversation: (id) => conversations.get(id),
    showQueue(view) { queueView = view; renderQueue(); },
  };
  connect();
})();
