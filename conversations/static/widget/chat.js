/*
 * The chat widget. Embed it on any page with one script tag:
 *
 *   <script src="https://chat.example.com/static/widget/chat.js" defer></script>
 *
 * The server is the script's own origin (or data-server). Optional: data-title, data-greeting,
 * data-max-chars. Plain JavaScript, no build step; the protocol is in docs/protocol.md.
 * Message text is only ever set with textContent, never parsed as HTML.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__chatWidgetLoaded) return;
  window.__chatWidgetLoaded = true;

  const server = (script.dataset.server || new URL(script.src).origin).replace(/\/+$/, "");
  const wsServer = server.replace(/^http/, "ws");
  const config = {
    title: script.dataset.title || "Support",
    greeting: script.dataset.greeting || "Hi! How can we help?",
    maxChars: parseInt(script.dataset.maxChars || "2000", 10),
  };
  const STORAGE_KEY = "chat-widget:" + server;
  const TYPING_IDLE_MS = 4000;
  const TYPING_EVERY_MS = 3000;
  const MAX_BACKOFF_MS = 15000;

  // --- state kept across reloads: the conversation and the messages not yet acknowledged --------------

  const store = {
    load() {
      try { return JSON.parse(localStorage.getItem(STORAGE_KEY)) || {}; } catch (e) { return {}; }
    },
    save() {
      try { localStorage.setItem(STORAGE_KEY, JSON.stringify({ conversation, pending })); } catch (e) { /* private mode */ }
    },
  };
  const saved = store.load();
  let conversation = saved.conversation || null; // {id, token}
  let pending = Array.isArray(saved.pending) ? saved.pending : []; // [{client_message_id, text}]
  let status = "with_bot";
  let socket = null;
  let ready = false;
  let attempt = 0;
  let reconnectTimer = null;
  let afterReady = [];
  let streaming = null; // {bubble, text}
  let creating = null;
  const rendered = new Map(); // message id -> element

  // --- DOM ----------------------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  const hostEl = el("div", { "data-chat-widget": "" });
  const root = hostEl.attachShadow({ mode: "open" });
  root.appendChild(el("link", { rel: "stylesheet", href: new URL("chat.css", script.src).href }));

  const launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": "chat-panel", text: "Chat with us" });
  const statusLine = el("p", { class: "status-line", text: "" });
  const closeBtn = el("button", { class: "icon", type: "button", "aria-label": "Minimise chat", text: "\u2013" });
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
  const typingLine = el("p", { class: "typing", "aria-live": "polite", hidden: true });
  const notice = el("p", { class: "notice", role: "status" });
  const input = el("textarea", { id: "chat-input", rows: "2", maxlength: String(config.maxChars), placeholder: "Type your message", "aria-label": "Your message" });
  const sendBtn = el("button", { type: "submit", class: "send", text: "Send" });
  const composer = el("form", { class: "composer" }, [input, sendBtn]);
  const humanBtn = el("button", { type: "button", class: "secondary human", text: "Talk to a person" });
  const endBtn = el("button", { type: "button", class: "secondary end", text: "End chat" });
  const forgetBtn = el("button", { type: "button", class: "secondary forget", text: "End and forget",
    title: "Ends the chat, erases the personal details you gave and removes it from this device" });
  const ratingBox = el("div", { class: "rating", role: "group", "aria-label": "Rate this conversation", hidden: true }, [
    el("p", { text: "How did we do?" }),
  ]);
  for (let stars = 1; stars <= 5; stars++) {
    ratingBox.appendChild(el("button", { type: "button", class: "star", "data-rating": String(stars), "aria-label": `Rate ${stars} out of 5`, text: "\u2605", onclick: () => rate(stars) }));
  }
  // An optional comment with the rating (sent with it over REST; anonymized on the server).
  const commentInput = el("textarea", { class: "rating-comment", rows: "2", maxlength: "1000", "aria-label": "Add a comment (optional)",
    placeholder: "Add a comment (optional)" });
  const commentBtn = el("button", { type: "button", class: "secondary comment-send", text: "Send comment", onclick: sendComment });
  ratingBox.append(commentInput, commentBtn);
  // With no agent online, or outside business hours: when a reply can be expected, and an e-mail address for it.
  const offlineText = el("p", { class: "offline-text" });
  const emailInput = el("input", { type: "email", class: "offline-email", maxlength: "254", "aria-label": "Your e-mail address",
    placeholder: "you@example.com", autocomplete: "email" });
  const emailForm = el("form", { class: "offline-form" }, [emailInput, el("button", { type: "submit", class: "secondary", text: "Leave my e-mail" })]);
  const offlineBox = el("div", { class: "offline", role: "region", "aria-label": "No one is available right now", hidden: true },
    [offlineText, emailForm]);
  const newBtn = el("button", { type: "button", class: "secondary new", text: "Start a new conversation", hidden: true, onclick: startOver });
  const panel = el("section", { id: "chat-panel", class: "panel", role: "dialog", "aria-label": config.title, hidden: true }, [
    el("header", {}, [el("div", {}, [el("h2", { text: config.title }), statusLine]), closeBtn]),
    log, typingLine, notice, offlineBox, ratingBox,
    el("div", { class: "actions" }, [humanBtn, endBtn, forgetBtn, newBtn]),
    composer,
  ]);
  root.append(launcher, panel);

  function mount() { document.body.appendChild(hostEl); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  // --- rendering ----------------------------------------------------------------------------------------

  const WHO = { customer: "You", bot: "Assistant", system: "Notice", agent: "Agent" };

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function safeUrl(url) {
    try {
      const parsed = new URL(url, server);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) { return null; }
  }

  function bubble(role, text, author) {
    const who = role === "agent" && author ? author : WHO[role] || role;
    const body = el("p", { class: "text", text });
    const node = el("div", { class: `msg msg-${role}` }, [el("span", { class: "who", text: who }), body]);
    log.appendChild(node);
    scrollDown();
    return node;
  }

  function setSources(node, sources) {
    const old = node.querySelector(".sources");
    if (old) old.remove();
    const items = (sources || []).map((s) => {
      const href = safeUrl(s.url);
      // A cited source shows the [n] the reply refers to it by.
      const label = (s.n ? `[${s.n}] ` : "") + (s.title || s.url || "Source");
      return el("li", {}, [href ? el("a", { href, target: "_blank", rel: "noopener noreferrer", text: label }) : el("span", { text: label })]);
    });
    if (items.length) node.appendChild(el("div", { class: "sources" }, [el("span", { text: "Sources:" }), el("ul", {}, items)]));
  }

  function renderMessage(message) {
    if (rendered.has(message.id)) return rendered.get(message.id);
    const node = bubble(message.role, message.text, message.author);
    node.dataset.id = String(message.id);
    if (message.client_message_id) node.dataset.clientId = message.client_message_id;
    setSources(node, message.sources);
    rendered.set(message.id, node);
    return node;
  }

  function renderPending(item) {
    let node = log.querySelector(`[data-pending="${CSS.escape(item.client_message_id)}"]`);
    if (!node) {
      node = bubble("customer", item.text);
      node.dataset.pending = item.client_message_id;
      node.classList.add("sending");
    }
    return node;
  }

  function resetLog() {
    log.replaceChildren(el("div", { class: "msg msg-bot greeting" }, [el("span", { class: "who", text: WHO.bot }), el("p", { class: "text", text: config.greeting })]));
    rendered.clear();
    streaming = null;
  }

  const STATUS_TEXT = {
    with_bot: "Virtual assistant",
    waiting_for_agent: "Waiting for a person\u2026",
    with_agent: "With our support team",
    closed: "Conversation closed",
  };

  function setStatus(next, agent) {
    if (next === "waiting_for_agent" && status !== next) checkOffline();
    if (next !== "waiting_for_agent") offlineBox.hidden = true;
    status = next;
    statusLine.textContent = next === "with_agent" && agent ? `With ${agent}` : STATUS_TEXT[next] || next;
    const closed = next === "closed";
    input.disabled = sendBtn.disabled = closed;
    humanBtn.hidden = closed || next !== "with_bot";
    endBtn.hidden = closed || !conversation;
    forgetBtn.hidden = !conversation;
    newBtn.hidden = !closed;
    ratingBox.hidden = !closed;
  }

  let typingTimer = null;
  function showTyping(text) {
    clearTimeout(typingTimer);
    typingLine.textContent = text;
    typingLine.hidden = !text;
    if (text) typingTimer = setTimeout(() => showTyping(""), 6000);
  }

  function say(text) { notice.textContent = text || ""; }

  // --- the socket ---------------------------------------------------------------------------------------

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function whenReady(action) {
    if (ready) action(); else { afterReady.push(action); ensureConnected(); }
  }

  function ensureConnected() {
    if (!conversation || (socket && socket.readyState <= WebSocket.OPEN) || reconnectTimer) return;
    const ws = new WebSocket(`${wsServer}/ws/chat/${encodeURIComponent(conversation.id)}/`);
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: conversation.token }));
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      const handler = HANDLERS[frame.type];
      if (handler) handler(frame);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      ready = false;
      if (event.code === 4403) { forget("This conversation has ended. Send a message to start a new one."); return; }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (!conversation || reconnectTimer) return;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    say(`Connection lost. Reconnecting\u2026`);
    reconnectTimer = setTimeout(() => { reconnectTimer = null; ensureConnected(); }, delay);
  }

  function forget(message) {
    conversation = null;
    pending = [];
    afterReady = [];
    store.save();
    resetLog();
    setStatus("with_bot");
    say(message);
  }

  function flushPending() {
    for (const item of pending) {
      renderPending(item);
      send({ type: "message", text: item.text, client_message_id: item.client_message_id });
    }
  }

  function acknowledge(clientId, messageId) {
    pending = pending.filter((p) => p.client_message_id !== clientId);
    store.save();
    const node = clientId && log.querySelector(`[data-pending="${CSS.escape(clientId)}"]`);
    if (node && messageId != null) {
      node.classList.remove("sending");
      delete node.dataset.pending;
      node.dataset.id = String(messageId);
      rendered.set(messageId, node);
    }
  }

  function startStream(clientId) {
    showTyping("");
    if (streaming) return;
    const node = bubble("bot", "");
    node.classList.add("streaming");
    log.setAttribute("aria-busy", "true");
    streaming = { node, text: node.querySelector(".text"), clientId };
  }

  const HANDLERS = {
    history(frame) {
      ready = true;
      attempt = 0;
      say("");
      resetLog();
      for (const message of frame.messages) {
        renderMessage(message);
        if (message.role === "customer" && message.client_message_id) {
          pending = pending.filter((p) => p.client_message_id !== message.client_message_id);
        }
      }
      store.save();
      setStatus(frame.conversation.status, frame.conversation.assigned_agent);
      if (frame.conversation.rating) { ratedStars = frame.conversation.rating; markRated(frame.conversation.rating); }
      flushPending();
      const actions = afterReady;
      afterReady = [];
      actions.forEach((action) => action());
    },
    ack(frame) {
      acknowledge(frame.client_message_id, frame.message_id);
      if (!streaming && status !== "with_bot") showTyping("");
    },
    reply_start(frame) { startStream(frame.client_message_id); },
    token(frame) {
      if (!streaming) startStream(null);
      streaming.text.textContent += frame.text;
      scrollDown();
    },
    reply_end(frame) {
      if (!streaming) startStream(frame.client_message_id);
      const node = streaming.node;
      streaming = null;
      log.removeAttribute("aria-busy");
      node.classList.remove("streaming", "msg-bot");
      node.classList.add(`msg-${frame.role}`);
      node.querySelector(".who").textContent = WHO[frame.role] || frame.role;
      node.querySelector(".text").textContent = frame.text;
      node.dataset.id = String(frame.message_id);
      setSources(node, frame.sources);
      rendered.set(frame.message_id, node);
      setStatus(frame.status);
      showTyping("");
      scrollDown();
    },
    message(frame) { renderMessage(frame.message); },
    agent_message(frame) { showTyping(""); renderMessage(frame.message); },
    status(frame) {
      setStatus(frame.status, frame.agent);
      if (frame.event === "closed") say("This conversation is closed. Please rate it below.");
    },
    typing(frame) { showTyping(frame.typing ? `${frame.role === "agent" ? "Agent" : "Someone"} is typing\u2026` : ""); },
    rated(frame) { markRated(frame.rating); },
    error(frame) {
      say(frame.message);
      // Not taken (too fast, or the service is briefly unavailable): the message stays pending and is sent again.
      if (frame.code === "rate_limited" || frame.code === "unavailable") setTimeout(flushPending, 5000);
      else if (frame.client_message_id) {
        // The server refused this message (too long, conversation closed): resending would not help.
        const node = log.querySelector(`[data-pending="${CSS.escape(frame.client_message_id)}"]`);
        if (node) node.classList.replace("sending", "failed");
        acknowledge(frame.client_message_id, null);
      }
      showTyping("");
    },
  };

  // --- actions ------------------------------------------------------------------------------------------

  async function ensureConversation() {
    if (conversation) return conversation;
    if (!creating) {
      creating = fetch(`${server}/api/v1/conversations/`, {
        method: "POST", mode: "cors", credentials: "omit",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ channel: "widget" }),
      }).then(async (response) => {
        if (!response.ok) throw new Error(`status ${response.status}`);
        const body = await response.json();
        conversation = { id: body.id, token: body.access_token };
        store.save();
        setStatus(body.status);
        return conversation;
      }).finally(() => { creating = null; });
    }
    return creating;
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  }

  async function submit(text) {
    text = text.trim();
    if (!text) return;
    if (text.length > config.maxChars) { say(`Messages are limited to ${config.maxChars} characters.`); return; }
    const item = { client_message_id: newClientId(), text };
    pending.push(item);
    store.save();
    renderPending(item);
    input.value = "";
    stopTyping();
    if (status === "with_bot") showTyping("Assistant is typing\u2026");
    try {
      await ensureConversation();
    } catch (e) {
      say("We could not start the chat. Please try again in a moment.");
      return;
    }
    // Not yet connected: the history frame's handler sends every pending message.
    if (ready) send({ type: "message", text: item.text, client_message_id: item.client_message_id });
    else ensureConnected();
  }

  async function requestHuman() {
    try { await ensureConversation(); } catch (e) { say("We could not start the chat. Please try again in a moment."); return; }
    whenReady(() => send({ type: "handoff" }));
  }

  function rate(stars) { ratedStars = stars; whenReady(() => send({ type: "rating", rating: stars })); }

  let ratedStars = 0;
  function api(path, method, body) {
    return fetch(`${server}/api/v1/conversations/${conversation.id}/${path}`, {
      method, mode: "cors", credentials: "omit",
      headers: { Authorization: `Conversation ${conversation.token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  }

  async function sendComment() {
    const comment = commentInput.value.trim();
    if (!conversation || !comment) return;
    if (!ratedStars) { say("Please choose a rating first."); return; }
    try {
      const response = await api("rate/", "POST", { rating: ratedStars, comment });
      if (!response.ok) { say((await response.json()).error.message); return; }
      commentInput.value = "";
      say("Thank you for your comment.");
    } catch (e) { say("We could not reach the server. Please try again."); }
  }

  async function checkOffline() {
    if (!conversation) return;
    try {
      const response = await api("", "GET");
      if (!response.ok) return;
      const body = await response.json();
      if (!body.offline_notice || status !== "waiting_for_agent") return;
      offlineText.textContent = body.offline_notice;
      emailForm.hidden = body.contact_email_left;
      if (body.contact_email_left) offlineText.textContent += " We have your e-mail address for the answer.";
      offlineBox.hidden = false;
      scrollDown();
    } catch (e) { /* the hand-off notice in the conversation still says a person will answer */ }
  }

  emailForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = emailInput.value.trim();
    if (!email || !conversation) return;
    try {
      const response = await api("contact-email/", "POST", { email });
      if (!response.ok) { say((await response.json()).error.message); return; }
      emailInput.value = "";
      emailForm.hidden = true;
      offlineText.textContent = "Thank you. We will answer at the e-mail address you left.";
      say("");
    } catch (e) { say("We could not reach the server. Please try again."); }
  });

  function markRated(stars) {
    for (const button of ratingBox.querySelectorAll(".star")) {
      const on = Number(button.dataset.rating) <= stars;
      button.classList.toggle("on", on);
      button.setAttribute("aria-pressed", String(Number(button.dataset.rating) === stars));
    }
    say("Thank you for your feedback.");
  }

  // End and forget: the server closes the conversation, revokes its token and erases the personal values
  // it held (POST .../forget/); then the conversation leaves this device (storage, log, socket).
  async function endAndForget() {
    if (!conversation) return;
    const { id, token } = conversation;
    forgetBtn.disabled = true;
    try {
      const response = await fetch(`${server}/api/v1/conversations/${id}/forget/`, {
        method: "POST", mode: "cors", credentials: "omit", headers: { Authorization: `Conversation ${token}` },
      });
      // 401: the token was already revoked; there is nothing left to forget on the server.
      if (!response.ok && response.status !== 401) { say("We could not forget this conversation. Please try again."); return; }
      if (socket) { const old = socket; socket = null; old.close(); }
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      forget("This conversation has ended and was forgotten.");
    } catch (e) {
      say("We could not reach the server. Please try again.");
    } finally {
      forgetBtn.disabled = false;
    }
  }

  function startOver() {
    if (socket) { const old = socket; socket = null; old.close(); }
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    forget("");
    input.focus();
  }

  let lastTypingSent = 0;
  let idleTimer = null;
  function stopTyping() {
    clearTimeout(idleTimer);
    if (lastTypingSent) { send({ type: "typing", typing: false }); lastTypingSent = 0; }
  }
  input.addEventListener("input", () => {
    // Only people watch typing; the bot does not.
    if (!ready || (status !== "with_agent" && status !== "waiting_for_agent")) return;
    const now = Date.now();
    if (now - lastTypingSent > TYPING_EVERY_MS) { send({ type: "typing", typing: true }); lastTypingSent = now; }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  function openPanel(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.hidden = open;
    if (open) { ensureConnected(); input.focus(); scrollDown(); } else launcher.focus();
  }

  composer.addEventListener("submit", (event) => { event.preventDefault(); submit(input.value); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); submit(input.value); }
  });
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") openPanel(false); });
  launcher.addEventListener("click", () => openPanel(true));
  closeBtn.addEventListener("click", () => openPanel(false));
  humanBtn.addEventListener("click", requestHuman);
  endBtn.addEventListener("click", () => whenReady(() => send({ type: "close" })));
  forgetBtn.addEventListener("click", endAndForget);
  window.addEventListener("online", () => { clearTimeout(reconnectTimer); reconnectTimer = null; ensureConnected(); });

  resetLog();
  setStatus("with_bot");
  if (conversation) ensureConnected();
})();
