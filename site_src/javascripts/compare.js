/* The "compare two versions" picker on a version list (generator/templates/pages/
   compare_picker.html.j2). Without JavaScript the picker stays hidden and the table's links
   lead to the pages the site renders: each version against the one before it, and each
   past version against the current one. With it, any two versions can be compared: a pair
   the site renders opens that page; any other pair is compared here, from the two
   versions' own permalink pages (no extra data is published for it).

   Text documents are compared section by section, word by word, inside the rendered
   document (lists stay lists, bold stays bold), as generator/rendered_redline.py does at
   build time. The sub-processor list is compared entry by entry. Everything shown is
   cloned from those pages or created as text: nothing is parsed as HTML from strings. */
(function () {
  "use strict";

  var TOKEN = /\s+|[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]/gu;
  var VOID = { BR: 1, HR: 1, IMG: 1 };
  var CONTAINERS = { UL: 1, OL: 1, TABLE: 1, THEAD: 1, TBODY: 1, TR: 1, BLOCKQUOTE: 1 };
  var MAX_CELLS = 4000000; // past this, a section shows as deleted and inserted whole

  function signature(el) {
    var attrs = [];
    for (var i = 0; i < el.attributes.length; i++) {
      attrs.push(el.attributes[i].name + "=" + el.attributes[i].value);
    }
    return el.tagName + "[" + attrs.sort().join(" ") + "]";
  }

  /* The words of a rendered body, each with the elements it sits in. */
  function tokenize(root) {
    var out = [];
    function walk(node, path, sig) {
      node.childNodes.forEach(function (child) {
        if (child.nodeType === Node.TEXT_NODE) {
          var layout = node === root || CONTAINERS[node.tagName];
          var pre = path.some(function (el) { return el.tagName === "PRE"; });
          (child.data.match(TOKEN) || []).forEach(function (text) {
            var space = !text.trim();
            if (space && layout) {
              return;
            }
            out.push({ text: text, path: path, key: sig + "|" + (space && !pre ? " " : text) });
          });
        } else if (child.nodeType === Node.ELEMENT_NODE) {
          var childSig = sig + "/" + signature(child);
          if (VOID[child.tagName]) {
            out.push({ text: "", path: path.concat([child]), key: childSig });
          } else {
            walk(child, path.concat([child]), childSig);
          }
        }
      });
    }
    walk(root, [], "");
    return out;
  }

  /* [kind, oldIndex, newIndex] in order: "=" equal, "-" deleted, "+" inserted. */
  function diff(a, b) {
    var start = 0;
    while (start < a.length && start < b.length && a[start].key === b[start].key) {
      start++;
    }
    var endA = a.length, endB = b.length;
    while (endA > start && endB > start && a[endA - 1].key === b[endB - 1].key) {
      endA--;
      endB--;
    }
    var ops = [], i, j;
    for (i = 0; i < start; i++) { ops.push(["=", i, i]); }
    var n = endA - start, m = endB - start;
    if (n * m > MAX_CELLS) {
      for (i = start; i < endA; i++) { ops.push(["-", i, -1]); }
      for (j = start; j < endB; j++) { ops.push(["+", -1, j]); }
    } else {
      var width = m + 1, lcs = new Uint32Array((n + 1) * width);
      for (i = n - 1; i >= 0; i--) {
        for (j = m - 1; j >= 0; j--) {
          lcs[i * width + j] = a[start + i].key === b[start + j].key
            ? lcs[(i + 1) * width + j + 1] + 1
            : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
        }
      }
      var dels = [], inss = [];
      var flush = function () {
        ops.push.apply(ops, dels);
        ops.push.apply(ops, inss);
        dels = [];
        inss = [];
      };
      i = 0;
      j = 0;
      while (i < n || j < m) {
        if (i < n && j < m && a[start + i].key === b[start + j].key) {
          flush();
          ops.push(["=", start + i, start + j]);
          i++;
          j++;
        } else if (j >= m || (i < n && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) {
          dels.push(["-", start + i, -1]);
          i++;
        } else {
          inss.push(["+", -1, start + j]);
          j++;
        }
      }
      flush();
    }
    for (i = endA, j = endB; i < a.length; i++, j++) { ops.push(["=", i, j]); }
    return ops;
  }

  /* The redline of two rendered bodies, built as DOM nodes into `target`. */
  function redline(oldRoot, newRoot, target) {
    var a = tokenize(oldRoot), b = tokenize(newRoot);
    var ops = diff(a, b);
    var mapped = new Map();
    ops.forEach(function (op) {
      if (op[0] === "=") {
        a[op[1]].path.forEach(function (el, depth) {
          if (!mapped.has(el)) { mapped.set(el, b[op[2]].path[depth]); }
        });
      }
    });
    var open = []; // [{src, node}]
    var mark = null, markKind = null;
    function parent() { return open.length ? open[open.length - 1].node : target; }
    ops.forEach(function (op) {
      var token = op[0] === "+" || op[0] === "=" ? b[op[2]] : a[op[1]];
      var path = op[0] === "-"
        ? token.path.map(function (el) { return mapped.get(el) || el; })
        : token.path;
      var isVoid = token.text === "";
      var elements = isVoid ? path.slice(0, -1) : path;
      var keep = 0;
      while (keep < open.length && keep < elements.length && open[keep].src === elements[keep]) {
        keep++;
      }
      if (keep < open.length || keep < elements.length) { mark = null; }
      open.length = keep;
      elements.slice(keep).forEach(function (el) {
        var node = el.cloneNode(false);
        parent().appendChild(node);
        open.push({ src: el, node: node });
      });
      var kind = op[0] === "=" ? null : op[0] === "-" ? "del" : "ins";
      if (kind !== markKind || !mark) {
        mark = kind ? document.createElement(kind) : null;
        markKind = kind;
        if (mark) { parent().appendChild(mark); }
      }
      var into = mark || parent();
      into.appendChild(isVoid ? path[path.length - 1].cloneNode(false) : document.createTextNode(token.text));
    });
  }

  function fetchPage(href) {
    return fetch(href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(href + ": " + response.status); }
      return response.text();
    }).then(function (text) {
      return new DOMParser().parseFromString(text, "text/html");
    });
  }

  function sections(doc) {
    var result = [];
    doc.querySelectorAll(".ts-section").forEach(function (body) {
      var heading = body.previousElementSibling;
      while (heading && heading.tagName !== "H2") { heading = heading.previousElementSibling; }
      if (!heading) { return; }
      var title = heading.cloneNode(true);
      title.querySelectorAll(".headerlink").forEach(function (a) { a.remove(); });
      result.push({ id: heading.id, title: title.textContent.trim(), body: body });
    });
    return result;
  }

  function element(tag, text, className) {
    var el = document.createElement(tag);
    if (text) { el.textContent = text; }
    if (className) { el.className = className; }
    return el;
  }

  function compareTexts(oldDoc, newDoc, target) {
    var before = sections(oldDoc), after = sections(newDoc);
    var byId = new Map(before.map(function (s) { return [s.id, s]; }));
    var seen = new Set();
    var order = [];
    after.forEach(function (s) { order.push([byId.get(s.id) || null, s]); seen.add(s.id); });
    before.forEach(function (s, index) {
      if (seen.has(s.id)) { return; }
      var prev = index > 0 ? before[index - 1].id : null;
      var at = order.findIndex(function (pair) { return (pair[1] || pair[0]).id === prev; });
      order.splice(at + 1, 0, [s, null]);
    });
    var empty = document.createElement("div");
    var changes = 0;
    order.forEach(function (pair) {
      var old = pair[0], now = pair[1];
      var same = old && now && old.body.innerHTML === now.body.innerHTML && old.title === now.title;
      var label = !old ? "Added" : !now ? "Removed" : same ? "Unchanged" : "Changed";
      target.appendChild(element("h3", (now || old).title));
      var box = element("div", null, "ts-redline ts-redline--" + label.toLowerCase());
      box.appendChild(element("p", label, "ts-change-label"));
      if (old && now && old.title !== now.title) {
        var line = element("p", "Title: ", "ts-title-change");
        line.appendChild(element("del", old.title));
        line.appendChild(document.createTextNode(" "));
        line.appendChild(element("ins", now.title));
        box.appendChild(line);
      }
      if (same) {
        box = element("details", null, "ts-redline ts-redline--same");
        box.appendChild(element("summary", "Unchanged"));
        Array.from(now.body.childNodes).forEach(function (n) { box.appendChild(n.cloneNode(true)); });
      } else {
        changes++;
        redline(old ? old.body : empty, now ? now.body : empty, box);
      }
      target.appendChild(box);
    });
    return changes;
  }

  function entries(doc) {
    var result = new Map();
    doc.querySelectorAll("tr[id^='sp-']").forEach(function (row) {
      var name = row.querySelector("th a");
      var cells = Array.from(row.querySelectorAll("td")).map(function (td) { return td.textContent.trim(); });
      result.set(row.id, { name: name ? name.textContent.trim() : row.id, cells: cells });
    });
    var heads = Array.from(doc.querySelectorAll("table thead tr")[0]
      ? doc.querySelectorAll("table thead tr")[0].querySelectorAll("th") : []).map(function (th) {
      return th.textContent.trim();
    });
    return { rows: result, heads: heads };
  }

  function compareLists(oldDoc, newDoc, target) {
    var before = entries(oldDoc), after = entries(newDoc);
    var added = [], removed = [], changed = [];
    after.rows.forEach(function (entry, id) { if (!before.rows.has(id)) { added.push(entry); } });
    before.rows.forEach(function (entry, id) {
      var now = after.rows.get(id);
      if (!now) { removed.push(entry); return; }
      var fields = [];
      now.cells.forEach(function (cell, index) {
        if (cell !== entry.cells[index]) {
          fields.push([after.heads[index + 1] || "Field", entry.cells[index], cell]);
        }
      });
      if (entry.name !== now.name) { fields.unshift(["Entity", entry.name, now.name]); }
      if (fields.length) { changed.push([now, fields]); }
    });
    [["Added", added], ["Removed", removed]].forEach(function (group) {
      target.appendChild(element("h3", group[0] + " (" + group[1].length + ")"));
      var list = element("ul");
      group[1].forEach(function (entry) {
        list.appendChild(element("li", entry.name + ": " + entry.cells.join(" · ")));
      });
      target.appendChild(group[1].length ? list : element("p", "None."));
    });
    target.appendChild(element("h3", "Changed (" + changed.length + ")"));
    var list = element("ul");
    changed.forEach(function (pair) {
      var item = element("li", pair[0].name + ": ");
      pair[1].forEach(function (field, index) {
        item.appendChild(document.createTextNode((index ? "; " : "") + field[0] + " "));
        item.appendChild(element("del", field[1]));
        item.appendChild(document.createTextNode(" "));
        item.appendChild(element("ins", field[2]));
      });
      list.appendChild(item);
    });
    target.appendChild(changed.length ? list : element("p", "None."));
    return added.length + removed.length + changed.length;
  }

  function enhance(box) {
    var form = box.querySelector("form");
    var from = form.elements.from, to = form.elements.to;
    var status = box.querySelector(".ts-compare-status");
    var result = box.querySelector(".ts-compare-result");
    box.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var a = from.selectedIndex, b = to.selectedIndex; // the list is newest first
      if (a === b) {
        status.textContent = "Choose two different versions.";
        return;
      }
      // Both lists hold the same versions; the options of "to" carry the links.
      var older = to.options[Math.max(a, b)], newer = to.options[Math.min(a, b)];
      if (newer.hasAttribute("data-current") && older.dataset.since) {
        window.location.assign(older.dataset.since);
        return;
      }
      if (newer.dataset.previous === older.value && newer.dataset.diff) {
        window.location.assign(newer.dataset.diff);
        return;
      }
      status.textContent = "Comparing version " + older.value + " with version " + newer.value + "…";
      result.replaceChildren();
      Promise.all([fetchPage(older.dataset.href), fetchPage(newer.dataset.href)]).then(function (docs) {
        var heading = element("h3", "Version " + older.value + " compared with version " + newer.value);
        heading.tabIndex = -1;
        result.appendChild(heading);
        result.appendChild(element("p", "Legend: ", "ts-legend"));
        result.lastChild.appendChild(element("ins", "inserted text"));
        result.lastChild.appendChild(document.createTextNode(" · "));
        result.lastChild.appendChild(element("del", "deleted text"));
        var count = box.dataset.topic === "subprocessors"
          ? compareLists(docs[0], docs[1], result)
          : compareTexts(docs[0], docs[1], result);
        status.textContent = "Version " + older.value + " compared with version " + newer.value
          + ": " + (count === 1 ? "1 change" : count + " changes") + ".";
        heading.focus();
      }).catch(function () {
        status.textContent = "The two versions could not be loaded. Use the links in the table above.";
      });
    });
  }

  function init() {
    if (!window.fetch || !window.DOMParser || !window.Map) { return; }
    document.querySelectorAll("[data-ts-compare]").forEach(function (box) {
      if (!box.dataset.tsEnhanced) {
        box.dataset.tsEnhanced = "1";
        enhance(box);
      }
    });
  }

  // Material's instant navigation swaps pages without a load event: document$ covers both.
  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
