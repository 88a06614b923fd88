// Agency picker: a search box in front of each <select data-picker="agency">. What is
// typed goes to the server, which folds it as it folds every name (case and diacritics
// do not matter) and answers the closest agencies; the list is used with the keyboard
// (arrows, Enter, Escape) or the mouse, and choosing sets the <select>, which stays the
// form's field (and works alone without scripts). Text goes in with textContent only.
(function () {
  "use strict";
  var count = 0;

  function setup(select) {
    var n = ++count;
    var wrap = document.createElement("div");
    wrap.className = "picker";
    var input = document.createElement("input");
    input.type = "search";
    input.id = "picker-" + n;
    input.className = "picker-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", "picker-list-" + n);
    input.setAttribute("aria-label", "Tìm cơ quan xử lý (gõ không dấu cũng được)");
    input.placeholder = "Tìm cơ quan: gõ vài chữ, không dấu cũng được";
    input.autocomplete = "off";
    var list = document.createElement("ul");
    list.id = "picker-list-" + n;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Cơ quan tìm được");
    list.hidden = true;
    wrap.appendChild(input);
    wrap.appendChild(list);
    select.parentNode.insertBefore(wrap, select);
    var items = [];
    var active = -1;
    var timer = null;
    var seq = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(index) {
      var options = list.querySelectorAll('[role="option"]');
      active = index;
      options.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }
    function choose(item) {
      select.value = item.code;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = item.name;
      close();
    }
    function render(found) {
      items = found;
      list.textContent = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = "Không tìm thấy cơ quan nào.";
        list.appendChild(none);
      }
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.code = item.code;
        var name = document.createElement("span");
        name.textContent = item.name;
        var level = document.createElement("small");
        level.textContent = item.level;
        li.appendChild(name);
        li.appendChild(level);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(found.length ? 0 : -1);
    }
    function ask() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var mine = ++seq;
      fetch("/co-quan/tim?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (found) { if (mine === seq) { render(found); } })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden) { ask(); return; }
        var step = e.key === "ArrowDown" ? 1 : -1;
        mark(Math.max(0, Math.min(items.length - 1, active + step)));
      } else if (e.key === "Enter" && !(e.ctrlKey || e.metaKey)) {
        e.preventDefault();  // Enter chooses; it never sends the form from here
        if (!list.hidden && items[active]) { choose(items[active]); }
      } else if (e.key === "Escape" && !list.hidden) {
        e.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    function sync() {
      var option = select.options[select.selectedIndex];
      if (document.activeElement !== input) { input.value = option && option.value ? option.text : ""; }
    }
    // "sync": the page set the <select> itself (a suggestion), not the operator.
    select.addEventListener("change", sync);
    select.addEventListener("sync", sync);
    sync();
  }

  document.querySelectorAll('select[data-picker="agency"]').forEach(setup);
})();
