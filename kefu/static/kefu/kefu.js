/* kefu.js: live countdowns and small conveniences. Every page works without it.
 *
 * Countdowns: any element with data-due="ISO time" (and optionally data-warn="ISO time") is
 * updated every second: class due-ok before the warning time, due-warn from it, due-overdue from
 * the due time; the text goes into its .cd child (or the element itself). The server's clock is
 * used when the page carries <meta name="server-now" content="ISO time">, so a PC with a wrong
 * clock still counts right.
 *
 * Forms: data-show-when="field=value1,value2" shows an element only while the field of the same
 * form has one of those values (it stays visible if it holds an error or a value); data-confirm on
 * a form asks before submitting; submit buttons are disabled briefly after a submit so a double
 * click does not post twice.
 */
(function () {
  "use strict";

  var lang = (document.documentElement.getAttribute("lang") || "").toLowerCase();
  var EN = lang.indexOf("en") === 0;
  var T = EN
    ? { left: "in", over: "overdue by", d: "d ", h: "h ", m: "m ", s: "s" }
    : { left: "剩余", over: "已超时", d: "天", h: "小时", m: "分", s: "秒" };

  var skew = 0;
  var meta = document.querySelector('meta[name="server-now"]');
  if (meta) {
    var serverNow = Date.parse(meta.getAttribute("content"));
    if (!isNaN(serverNow)) {
      skew = serverNow - Date.now();
    }
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function span(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var d = Math.floor(total / 86400);
    var h = Math.floor((total % 86400) / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    if (d > 0) {
      return d + T.d + h + T.h.trim();
    }
    if (h > 0) {
      return h + T.h + pad(m) + T.m.trim();
    }
    return m + T.m + pad(s) + T.s;
  }

  var STATES = ["due-ok", "due-warn", "due-overdue"];

  function setState(el, state) {
    for (var i = 0; i < STATES.length; i++) {
      el.classList.toggle(STATES[i], STATES[i] === "due-" + state);
    }
    var row = el.closest("[data-live-row]");
    if (row) {
      row.classList.toggle("row-overdue", state === "overdue");
      row.classList.toggle("row-warn", state === "warn");
    }
    var box = el.closest("[data-live-box]");
    if (box) {
      ["ok", "warn", "overdue"].forEach(function (s) {
        box.classList.toggle("state-" + s, s === state);
      });
    }
  }

  function tick() {
    var now = Date.now() + skew;
    var items = document.querySelectorAll("[data-due]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) {
        continue;
      }
      var warnAttr = el.getAttribute("data-warn");
      var warn = warnAttr ? Date.parse(warnAttr) : NaN;
      var state = now >= due ? "overdue" : !isNaN(warn) && now >= warn ? "warn" : "ok";
      setState(el, state);
      var out = el.querySelector(".cd") || el;
      out.textContent = state === "overdue" ? T.over + " " + span(now - due) : T.left + " " + span(due - now);
    }
  }

  function fieldValue(form, name) {
    var field = form.elements.namedItem(name);
    if (!field) {
      return null;
    }
    if (field.type === "checkbox") {
      return field.checked ? field.value || "on" : "";
    }
    return field.value;
  }

  function hasContent(el) {
    if (el.querySelector(".errorlist")) {
      return true;
    }
    var inputs = el.querySelectorAll("input, textarea, select");
    for (var i = 0; i < inputs.length; i++) {
      var inp = inputs[i];
      if (inp.type === "checkbox" ? inp.checked : inp.type !== "hidden" && inp.value && inp.tagName !== "SELECT") {
        return true;
      }
    }
    return false;
  }

  function applyShowWhen(root) {
    var els = (root || document).querySelectorAll("[data-show-when]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var form = el.closest("form");
      if (!form) {
        continue;
      }
      var rule = el.getAttribute("data-show-when").split("=");
      var value = fieldValue(form, rule[0]);
      if (value === null) {
        continue;
      }
      var wanted = (rule[1] || "").split(",");
      var show = wanted.indexOf(value) !== -1 || hasContent(el);
      el.classList.toggle("hidden", !show);
    }
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.querySelector("[data-show-when]")) {
      applyShowWhen(form);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.method.toLowerCase() !== "post") {
      return;
    }
    var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    window.setTimeout(function () {
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].disabled = true;
      }
    }, 0);
    window.setTimeout(function () {
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].disabled = false;
      }
    }, 4000);
  });

  // a page restored from the back/forward cache must not keep disabled buttons
  window.addEventListener("pageshow", function () {
    var buttons = document.querySelectorAll("button[disabled]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = false;
    }
  });

  function start() {
    applyShowWhen(document);
    tick();
    window.setInterval(tick, 1000);
    var focus = document.querySelector("[data-autofocus]");
    if (focus && !document.querySelector(".errorlist")) {
      focus.focus();
    }
  }

  // htmx live refresh swaps in new rows: give them their state at once
  document.addEventListener("htmx:afterSwap", function (event) {
    applyShowWhen(event.target);
    tick();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
