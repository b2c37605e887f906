/* Display board: announces each new call by voice where the browser can ("请A012号到3号窗口办理").
   The board refreshes itself by htmx polling; after each swap the calls are compared with the
   ones already seen (data-call-key changes on a recall too). The text is always on screen; voice
   needs one click on "开启语音播报" because browsers block speech until the page is used. */
(function () {
  "use strict";
  var seen = {};
  var voiceOn = false;
  var first = true;

  function say(text) {
    if (!voiceOn || !("speechSynthesis" in window) || !text) { return; }
    try {
      var u = new window.SpeechSynthesisUtterance(text);
      u.lang = "zh-CN";
      u.rate = 0.9;
      window.speechSynthesis.speak(u);
    } catch (err) { /* no voice: the text stays on screen */ }
  }

  function scan() {
    var items = document.querySelectorAll("[data-call-key]");
    var fresh = [];
    for (var i = 0; i < items.length; i++) {
      var key = items[i].getAttribute("data-call-key");
      if (!seen[key]) {
        seen[key] = true;
        if (!first && items[i].getAttribute("data-fresh") === "1") { fresh.push(items[i]); }
      }
    }
    first = false;
    // oldest first, so the latest call is spoken last
    for (var j = fresh.length - 1; j >= 0; j--) {
      var text = fresh[j].getAttribute("data-say");
      say(text);
      var board = document.getElementById("board-text");
      if (board) { board.textContent = text; }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    scan();
    var btn = document.getElementById("board-voice");
    if (btn) {
      if (!("speechSynthesis" in window)) { btn.hidden = true; }
      btn.addEventListener("click", function () {
        voiceOn = !voiceOn;
        btn.textContent = btn.getAttribute(voiceOn ? "data-off" : "data-on");
      });
    }
  });
  document.addEventListener("htmx:afterSwap", scan);
})();
