/* Progressive enhancement of the subscribe form: without JavaScript the form posts to the
   service and the service redirects back to /subscribe/check-email/. With it, the form is
   sent with fetch and the answer is shown in place, in the form's aria-live region. If the
   service cannot be reached this way (offline, another origin without CORS), the form is
   submitted the ordinary way instead, so nobody is left without an answer. */
(function () {
  "use strict";

  function message(status, body) {
    if (status >= 200 && status < 300) {
      return "Thank you. We sent you an email: follow the link in it to confirm your subscription.";
    }
    if (status === 429) {
      return "Too many attempts from this address. Please wait a few minutes and try again.";
    }
    var detail = body && (body.message || body.error || body.detail);
    return typeof detail === "string" && detail
      ? detail
      : "The subscription could not be saved. Please check the address and try again.";
  }

  function enhance(form) {
    var result = form.querySelector(".ts-result");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.URLSearchParams) {
        return; // old browser: let the form post normally
      }
      event.preventDefault();
      button.disabled = true;
      result.classList.remove("ts-result--error");
      result.textContent = "Sending…";
      fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new URLSearchParams(new FormData(form)),
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () { return null; })
            .then(function (body) {
              var ok = response.status >= 200 && response.status < 300;
              result.classList.toggle("ts-result--error", !ok);
              result.textContent = message(response.status, body);
              if (ok) {
                // Only the address is cleared: the documents chosen stay as they were, so
                // the reader sees what they subscribed to (reset() would tick every box).
                var email = form.querySelector("input[type=email]");
                if (email) {
                  email.value = "";
                }
              }
            });
        })
        .catch(function () {
          form.submit(); // network or CORS failure: fall back to the plain form post
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  }

  // The choice of products and regions only narrows sub-processor notices: it is offered
  // while that topic is ticked. A disabled fieldset's boxes are not sent, so unticking the
  // topic also drops a choice that would mean nothing. The folded choice's summary says
  // what is chosen, so a reader sees it without unfolding it.
  function linkScope(form) {
    var scope = form.querySelector("details[data-ts-scope]");
    var topic = form.querySelector("input[name=topics][value=subprocessors]");
    if (!scope) {
      return;
    }
    var fieldsets = scope.querySelectorAll("fieldset");
    var said = scope.querySelector("[data-ts-scope-choice]");
    function chosen(name) {
      var boxes = scope.querySelectorAll("input[name=" + name + "]:checked");
      var names = [];
      for (var j = 0; j < boxes.length; j++) {
        names.push(boxes[j].parentNode.textContent.trim());
      }
      return names;
    }
    function sync() {
      var off = topic ? !topic.checked : false;
      for (var j = 0; j < fieldsets.length; j++) {
        fieldsets[j].disabled = off;
      }
      // "(SMS Messaging in European Union)": a notice reaches the reader through an entry
      // serving one of the products ticked and one of the regions ticked.
      var products = chosen("products");
      var regions = chosen("regions");
      var words = "all";
      if (products.length || regions.length) {
        // "every product in European Union" when only regions are ticked on a site
        // with products; just "European Union" on a site without them.
        var offered = scope.querySelector("input[name=products]");
        var which = products.length ? products.join(", ") : offered ? "every product" : "";
        words = regions.length
          ? (which ? which + " in " : "") + regions.join(", ")
          : which;
      }
      said.textContent = off ? "" : "(" + words + ")";
    }
    preselect(scope, topic);
    if (topic) {
      topic.addEventListener("change", sync);
    }
    scope.addEventListener("change", sync);
    form.addEventListener("reset", function () { window.setTimeout(sync, 0); });
    sync();
  }

  // A product's or region's page links to /subscribe/?products=<id> (or ?regions=<id>):
  // that choice arrives ticked. Only boxes the page offers are ticked (the query is
  // compared with their values, never made into a selector); anything else is ignored.
  function preselect(scope, topic) {
    if (!window.URLSearchParams) {
      return;
    }
    var query = new URLSearchParams(window.location.search);
    var ticked = false;
    ["products", "regions"].forEach(function (name) {
      var wanted = query.getAll(name);
      var boxes = scope.querySelectorAll("input[type=checkbox][name=" + name + "]");
      for (var j = 0; j < boxes.length; j++) {
        if (wanted.indexOf(boxes[j].value) !== -1) {
          boxes[j].checked = true;
          ticked = true;
        }
      }
    });
    if (ticked) {
      if (topic) {
        topic.checked = true;
      }
      scope.open = true;
    }
  }

  var forms = document.querySelectorAll("form[data-ts-subscribe]");
  for (var i = 0; i < forms.length; i++) {
    enhance(forms[i]);
    linkScope(forms[i]);
  }
})();
