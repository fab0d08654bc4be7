/* The filter of the sub-processor list: by product and region (on a site with them),
   country, purpose and data category.

   Progressive enhancement: without JavaScript the placeholder stays hidden and the whole
   list shows. With it, the choices are read from the rows themselves (each row's
   `data-ts-facets`, written by generator/list_filter.py), the rows that do not match are
   hidden, and a status line says how many are shown. Nothing is fetched. */
(function () {
  "use strict";

  var FACETS = [
    // Rows carry `product` (`region`) only on a site with products (regions); without,
    // the control is left out.
    { key: "product", label: "Product", all: "All products" },
    { key: "region", label: "Region", all: "All regions" },
    { key: "country", label: "Country", all: "All countries" },
    { key: "purpose", label: "Purpose", all: "All purposes" },
    { key: "category", label: "Data category", all: "All data categories" },
  ];

  function facetsOf(row) {
    try {
      return JSON.parse(row.getAttribute("data-ts-facets")) || {};
    } catch (error) {
      return {};
    }
  }

  function sortedValues(rows, key) {
    var seen = {};
    rows.forEach(function (row) {
      (row.facets[key] || []).forEach(function (value) { seen[value] = true; });
    });
    return Object.keys(seen).sort(function (a, b) { return a.localeCompare(b); });
  }

  function control(facet, values) {
    var label = document.createElement("label");
    var select = document.createElement("select");
    select.id = "ts-filter-" + facet.key;
    select.setAttribute("data-ts-facet", facet.key);
    label.htmlFor = select.id;
    label.appendChild(document.createTextNode(facet.label));
    var all = document.createElement("option");
    all.value = "";
    all.textContent = facet.all;
    select.appendChild(all);
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    });
    label.appendChild(select);
    return label;
  }

  function enhance(box) {
    var rows = Array.prototype.map.call(
      document.querySelectorAll("[data-ts-filtered] tr[data-ts-facets]"),
      function (row) { return { element: row, facets: facetsOf(row) }; }
    );
    if (!rows.length) {
      return;
    }
    var count = document.createElement("p");
    count.className = "ts-filter-count";
    count.setAttribute("role", "status");
    count.setAttribute("aria-live", "polite");
    var present = FACETS.filter(function (facet) {
      return sortedValues(rows, facet.key).length > 0;
    });
    var selects = present.map(function (facet) {
      var label = control(facet, sortedValues(rows, facet.key));
      box.appendChild(label);
      return label.querySelector("select");
    });
    box.appendChild(count);

    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var match = selects.every(function (select) {
          var wanted = select.value;
          var values = row.facets[select.getAttribute("data-ts-facet")] || [];
          return !wanted || values.indexOf(wanted) !== -1;
        });
        row.element.hidden = !match;
        shown += match ? 1 : 0;
      });
      count.textContent = shown === rows.length
        ? "Showing all " + rows.length + " sub-processors."
        : "Showing " + shown + " of " + rows.length + " sub-processors.";
    }

    selects.forEach(function (select) { select.addEventListener("change", apply); });
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Filter the sub-processors");
    box.hidden = false;
    apply();
  }

  var boxes = document.querySelectorAll("[data-ts-filter]");
  for (var i = 0; i < boxes.length; i++) {
    enhance(boxes[i]);
  }
})();
