// Case-entry desk: ask the server for a suggestion while the operator types, fill the
// topic, flags and agency fields unless the operator has already changed them, and
// submit with Ctrl+Enter. Ctrl+Enter pressed before the suggestion for the text arrives
// waits for it (a few seconds at most: the server fills in whatever is still empty).
// Text goes into the page with textContent only.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }
  var text = document.getElementById("text");
  var topic = document.getElementById("topic");
  var agency = document.getElementById("agency");
  var status = document.getElementById("sg-status");
  var token = document.querySelector('meta[name="csrf-token"]');
  var touched = {};
  var timer = null;
  var seq = 0;
  var askedFor = null;
  var pending = null;
  var MIN_CHARS = 15;
  var WAIT_MS = 5000;

  function flagBoxes() {
    return form.querySelectorAll('input[name="flags"]');
  }
  function say(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value || ""; }
  }
  function pct(x) {
    return (Math.round(x * 1000) / 10).toString().replace(".", ",") + " %";
  }
  function choose(select, value) {
    if (!select || touched[select.id] || !value) { return; }
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) {
        select.value = value;
        select.dispatchEvent(new Event("sync"));
        return;
      }
    }
  }
  // The units an ambiguous place may mean, each a button that picks its committee.
  var candidates = document.getElementById("sg-candidates");
  function showCandidates(list) {
    candidates.textContent = "";
    (list || []).forEach(function (c) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "candidate";
      button.dataset.agency = c.agency_code;
      button.textContent = c.ward;
      button.title = c.agency_name;
      candidates.appendChild(button);
    });
  }
  candidates.addEventListener("click", function (e) {
    var button = e.target.closest("button.candidate");
    if (!button) { return; }
    agency.value = button.dataset.agency;
    agency.dispatchEvent(new Event("change", { bubbles: true }));
    candidates.querySelectorAll("button.candidate").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
  });
  function show(s) {
    if (!s.ready) { say("sg-status", s.message || "Chưa đủ nội dung để gợi ý."); return; }
    var unsure = (s.review_reasons && s.review_reasons.length) || !s.confident;
    say("sg-status", s.message || (unsure
      ? "Gợi ý chưa chắc chắn — kiểm tra lĩnh vực và cơ quan trước khi chuyển."
      : "Đã có gợi ý — kiểm tra rồi bấm «Chấp nhận và chuyển xử lý»."));
    choose(topic, s.topic);
    var topicWhy = "";
    if (s.topic) {
      topicWhy = "Độ tin cậy " + pct(s.topic_confidence || 0);
      if (s.explanation && s.explanation.length) { topicWhy += " — từ khóa: " + s.explanation.join(", "); }
    }
    say("sg-topic", topicWhy);
    // Urgency is read before accepting: a "Khẩn cấp" complaint gets hours, not days.
    var u = s.urgency;
    say("sg-urgency", u ? "Mức độ: " + u.name + (u.reason ? " — " + u.reason : "") : "");
    // Repeat reports: the case this complaint would join, before it is accepted.
    var r = s.related || [];
    say("sg-related", r.length ? "Có thể trùng: " + r.map(function (c) {
      return c.code + " (" + pct(c.score) + ")";
    }).join(", ") + " — " + r[0].reason : "");
    if (!touched.flags && s.topic) {
      var wanted = (s.flags || []).map(function (f) { return f.code; });
      flagBoxes().forEach(function (box) { box.checked = wanted.indexOf(box.value) >= 0; });
    }
    say("sg-place", s.place || "—");
    showCandidates(s.candidates);
    choose(agency, s.agency_code);
    var why = s.reason || "";
    if (why && !s.confident) { why += " (chưa chắc chắn, cần xem lại)"; }
    say("sg-reason", why);
  }
  function ask() {
    var value = text.value;
    if (value.trim().length < MIN_CHARS) { return null; }
    var mine = ++seq;
    askedFor = value;
    say("sg-status", "Đang phân tích nội dung…");
    pending = fetch("/tiep-nhan/goi-y", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token ? token.content : "" },
      body: JSON.stringify({ text: value })
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (s) {
      if (mine === seq) { show(s); }
    }).catch(function () {
      if (mine === seq) { say("sg-status", "Không lấy được gợi ý; bấm «Xem gợi ý» để thử lại."); }
    });
    return pending;
  }
  function accept() {
    clearTimeout(timer);
    var wait = askedFor === text.value ? pending : ask();
    var sent = false;
    function go() {
      if (!sent) { sent = true; document.getElementById("accept").click(); }
    }
    if (!wait) { go(); return; }
    say("sg-status", "Đang chờ gợi ý để chuyển xử lý…");
    wait.then(go, go);
    setTimeout(go, WAIT_MS);
  }
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 600);
  });
  [topic, agency].forEach(function (el) {
    if (el) { el.addEventListener("change", function () { touched[el.id] = true; }); }
  });
  flagBoxes().forEach(function (box) {
    box.addEventListener("change", function () { touched.flags = true; });
  });
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      accept();
    }
  });
  if (text.value.trim().length >= MIN_CHARS && !topic.value) { ask(); }
})();
