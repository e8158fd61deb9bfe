/*
 * The agent workspace in the console (docs/agent-workspace.md): the mine / unassigned / all queues, the
 * online / away toggle (and a presence frame every minute while the console is open), canned replies
 * picked by typing "/" in the composer (rendered by the server for the open conversation), private notes,
 * tags and transfer. Frames: docs/protocol.md. All text goes through textContent.
 */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const agentConsole = () => window.agentConsole;
  const replyBox = $("reply");
  const picker = $("canned-picker");
  const PRESENCE_EVERY_MS = 60000;
  let canned = []; // [{shortcut, title, rendered}] for the open conversation
  let choices = [];
  let active = 0;
  let slash = -1; // where the "/" that opened the picker is in the composer
  let agents = [];
  let availability = "away";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  const send = (frame) => agentConsole().send(frame);
  const openId = () => agentConsole().openId();

  // --- queues -----------------------------------------------------------------------------------------

  document.querySelectorAll(".queue-tabs button").forEach((button) => {
    button.addEventListener("click", () => {
      document.querySelectorAll(".queue-tabs button").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      agentConsole().showQueue(button.dataset.queue);
    });
  });

  // --- availability -----------------------------------------------------------------------------------

  function showAvailability(online, count) {
    availability = online;
    const toggle = $("availability-toggle");
    toggle.textContent = online === "online" ? "Online" : "Away";
    toggle.setAttribute("aria-pressed", String(online === "online"));
    toggle.title = online === "online" ? "Click to set yourself away" : "Click to go online";
    if (count !== undefined) $("agents-online").textContent = `${count} agent${count === 1 ? "" : "s"} online`;
  }
  $("availability-toggle").addEventListener("click", () => send({ type: "availability", availability: availability === "online" ? "away" : "online" }));
  setInterval(() => send({ type: "presence" }), PRESENCE_EVERY_MS);

  function showAgents(list) {
    agents = list;
    const select = $("transfer-to");
    const me = $("layout").dataset.me;
    select.replaceChildren(el("option", "", "Unassigned queue"), ...list.filter((a) => a.username !== me).map((a) => {
      const option = el("option", "", `${a.name}${a.online ? " (online)" : ""}`);
      option.value = a.username;
      return option;
    }));
    select.firstChild.value = "";
  }

  // --- notes and tags ---------------------------------------------------------------------------------

  function renderNote(note) {
    const list = $("notes");
    if (list.querySelector(`[data-id="${note.id}"]`)) return;
    const item = el("li", "note");
    item.dataset.id = String(note.id);
    item.append(el("span", "who", `${note.author || "Agent"} \u00b7 ${new Date(note.created_at).toLocaleString()}`), el("p", "text", note.text));
    list.appendChild(item);
  }

  function renderTags(tags) {
    $("tags").replaceChildren(...(tags || []).map((name) => {
      const item = el("li", "tag");
      item.dataset.tag = name;
      const remove = el("button", "link tag-remove", "\u00d7");
      remove.type = "button";
      remove.setAttribute("aria-label", `Remove tag ${name}`);
      remove.addEventListener("click", () => send({ type: "tag_remove", conversation: openId(), tag: name }));
      item.append(el("span", "", name), remove);
      return item;
    }));
  }

  $("note-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("note-input").value.trim();
    if (!text || !openId()) return;
    send({ type: "note", conversation: openId(), text });
    $("note-input").value = "";
  });
  $("tag-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const tag = $("tag-input").value.trim();
    if (!tag || !openId()) return;
    send({ type: "tag_add", conversation: openId(), tag });
    $("tag-input").value = "";
  });
  $("transfer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (openId()) send({ type: "transfer", conversation: openId(), to_agent: $("transfer-to").value || null });
  });

  // --- canned replies ---------------------------------------------------------------------------------

  async function loadCanned(id) {
    canned = [];
    try {
      const response = await fetch(`/api/v1/canned-replies/?conversation=${encodeURIComponent(id)}`, { credentials: "same-origin" });
      if (response.ok && id === openId()) canned = await response.json();
    } catch (e) { /* the picker stays empty; typing still works */ }
  }

  function closePicker() { picker.hidden = true; slash = -1; choices = []; }

  function showPicker(query) {
    const q = query.toLowerCase();
    choices = canned.filter((c) => c.shortcut.includes(q) || c.title.toLowerCase().includes(q)).slice(0, 8);
    if (!choices.length) { picker.hidden = true; return; }
    active = Math.min(active, choices.length - 1);
    picker.replaceChildren(...choices.map((c, i) => {
      const item = el("li", "canned-choice");
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(i === active));
      item.dataset.shortcut = c.shortcut;
      item.append(el("strong", "", `/${c.shortcut}`), el("span", "", ` ${c.title}`), el("span", "canned-preview", c.rendered));
      item.addEventListener("mousedown", (event) => { event.preventDefault(); insert(c); });
      return item;
    }));
    picker.hidden = false;
  }

  function insert(choice) {
    const before = replyBox.value.slice(0, slash);
    const after = replyBox.value.slice(replyBox.selectionStart);
    replyBox.value = before + choice.rendered + after;
    const caret = (before + choice.rendered).length;
    replyBox.setSelectionRange(caret, caret);
    closePicker();
    replyBox.focus();
  }

  replyBox.addEventListener("input", () => {
    const upto = replyBox.value.slice(0, replyBox.selectionStart);
    const match = /(^|\s)\/([\w-]*)$/.exec(upto);
    if (!match) { closePicker(); return; }
    slash = upto.length - match[2].length - 1;
    showPicker(match[2]);
  });
  // Capture phase: the picker's keys come before the console's Enter-to-send.
  replyBox.addEventListener("keydown", (event) => {
    if (picker.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
      showPicker(replyBox.value.slice(slash + 1, replyBox.selectionStart));
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      event.stopImmediatePropagation();
      insert(choices[active]);
    } else if (event.key === "Escape") {
      closePicker();
    }
  }, true);
  replyBox.addEventListener("blur", () => setTimeout(closePicker, 150));

  // --- frames -----------------------------------------------------------------------------------------

  const HANDLERS = {
    workspace(frame) { showAgents(frame.agents); showAvailability(frame.availability, frame.agents_online); },
    availability(frame) {
      showAgents(frame.agents);
      if (frame.mine) showAvailability(frame.availability, frame.agents_online);
      else $("agents-online").textContent = `${frame.agents_online} agent${frame.agents_online === 1 ? "" : "s"} online`;
    },
    // Asked once the socket is up (and again after a reconnect).
    queue() { send({ type: "workspace" }); },
    transcript(frame) {
      $("notes").replaceChildren();
      (frame.notes || []).forEach(renderNote);
      renderTags(frame.conversation.tags);
      loadCanned(frame.conversation.id);
    },
    note(frame) { if (frame.conversation === openId()) renderNote(frame.note); },
    conversation(frame) { if (frame.conversation.id === openId() && frame.conversation.tags) renderTags(frame.conversation.tags); },
  };
  document.addEventListener("console:frame", (event) => (HANDLERS[event.detail.type] || (() => {}))(event.detail));
})();
