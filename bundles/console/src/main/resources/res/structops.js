// The structops console page: polls state.json (the commands' own JSON) each second and draws it; values are put in
// as text, never as markup. Actions are POSTs with the X-Structops-Action header, which a form of another site
// cannot send.
(function () {
  "use strict";
  var page = document.getElementById("structops");
  // Absolute, from the origin: a page opened as http://user:token@host/... would otherwise make every request's URL
  // carry the credentials, which fetch refuses; the browser sends them by itself.
  var root = window.location.origin + page.getAttribute("data-root");
  var chart = new window.StructOpsLineChart(
    document.getElementById("so-chart"), document.getElementById("so-legend"), 120);
  var chosen = null;

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
    return td;
  }

  function fill(tableId, rows, columns) {
    var body = document.querySelector("#" + tableId + " tbody");
    while (body.firstChild) {
      body.removeChild(body.firstChild);
    }
    (rows || []).forEach(function (r) {
      var tr = document.createElement("tr");
      columns(r).forEach(function (c) { cell(tr, c); });
      body.appendChild(tr);
    });
    return body;
  }

  // A held map's figures: the numbers and yes/no values of its handler's status, nested ones under dotted names.
  function figures(status, prefix, out) {
    Object.keys(status || {}).forEach(function (k) {
      var v = status[k];
      if (typeof v === "number") {
        out[prefix + k] = v;
      } else if (typeof v === "boolean") {
        out[prefix + k] = v ? 1 : 0;
      } else if (v && typeof v === "object" && !Array.isArray(v)) {
        figures(v, prefix + k + ".", out);
      }
    });
    return out;
  }

  function options(select, names) {
    var current = select.value;
    while (select.firstChild) {
      select.removeChild(select.firstChild);
    }
    names.forEach(function (n) {
      var o = document.createElement("option");
      o.value = n;
      o.textContent = n;
      select.appendChild(o);
    });
    if (names.indexOf(current) >= 0) {
      select.value = current;
    }
  }

  function action(path, body) {
    return fetch(root + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Structops-Action": "1" },
      body: body
    }).then(function (r) {
      return r.text().then(function (t) { return (r.ok ? "" : r.status + " ") + t; });
    });
  }

  function unloadButton(td, name) {
    var b = document.createElement("button");
    b.textContent = "unload";
    b.addEventListener("click", function () {
      if (window.confirm("Unload " + name + " from the kernel?")) {
        var form = new URLSearchParams();
        form.set("map", name);
        action("/unload", form).then(function (t) { showError(t.trim()); });
      }
    });
    td.appendChild(b);
  }

  function showError(text) {
    var e = document.getElementById("so-error");
    e.textContent = text || "";
    e.hidden = !text;
  }

  function draw(state) {
    var maps = state.list || [];
    var body = fill("so-maps", maps, function (m) {
      return [m.id, m.name, m.type, m.linkId, m.owned ? "yes" : "no", m.handler ? m.handler.bundle : ""];
    });
    maps.forEach(function (m, i) {
      var td = cell(body.children[i], "");
      if (m.owned) {
        unloadButton(td, m.name);
      }
    });
    var held = maps.filter(function (m) { return m.owned; }).map(function (m) { return m.name; });
    options(document.getElementById("so-chart-map"), held);
    options(document.getElementById("so-swap-map"), held);
    var select = document.getElementById("so-chart-map");
    if (select.value !== chosen) {
      chosen = select.value;
      chart.clear();
    }
    var map = maps.filter(function (m) { return m.name === chosen; })[0];
    if (map) {
      chart.add(figures(map.status, "", {}));
    }
    if (chart.draw() > 0) {
      page.setAttribute("data-updates", String(Number(page.getAttribute("data-updates")) + 1));
    }
    fill("so-handlers", state.handlers, function (h) {
      return [h.struct, h.bundle, h.version, (h.maps || []).join(", ")];
    });
    fill("so-deployed", state.deployed, function (d) {
      return [d.file, (d.maps || []).join(", "), d.outcome, d.attempts];
    });
    var kernel = document.getElementById("so-kernel");
    while (kernel.firstChild) {
      kernel.removeChild(kernel.firstChild);
    }
    var s = state.status || {};
    [["release", s.kernel], ["BTF", s.btfSource], ["sched_ext", s.schedExt || "not in this kernel"],
      ["struct_ops types", (s.structOpsTypes || []).length],
      ["privileges", Object.keys(s.capabilities || {}).filter(function (c) { return s.capabilities[c]; }).join(" ")]]
      .forEach(function (pair) {
        var dt = document.createElement("dt");
        dt.textContent = pair[0];
        var dd = document.createElement("dd");
        dd.textContent = pair[1] === undefined || pair[1] === null ? "" : String(pair[1]);
        kernel.appendChild(dt);
        kernel.appendChild(dd);
      });
  }

  function poll() {
    fetch(root + "/state.json", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("state.json: " + r.status);
        }
        return r.json();
      })
      .then(function (state) { draw(state); })
      .catch(function (e) { showError(e.message); })
      .then(function () { window.setTimeout(poll, 1000); });
  }

  document.getElementById("so-chart-map").addEventListener("change", function () {
    chosen = null;
  });
  document.getElementById("so-swap").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = document.getElementById("so-swap-object").files[0];
    var result = document.getElementById("so-swap-result");
    if (!file) {
      result.textContent = "choose an object file";
      return;
    }
    var form = new FormData();
    form.set("map", document.getElementById("so-swap-map").value);
    form.set("object", file, file.name);
    action("/swap", form).then(function (t) { result.textContent = t.trim(); });
  });
  poll();
})();
