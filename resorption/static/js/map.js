/*
 * The map « Cartographie » (resorption/maps): draws the sites of the map's document (/carte/sites.json, with the
 * page's query string) as clustered markers coloured by site type, shows a site's summary beside the map when its
 * marker is chosen (mouse or keyboard: Tab, then Entrée), and centres the map on a place found by the place search.
 *
 * Everything it needs comes from the page: the #map-config JSON block (maps/views.py `index`). Leaflet and
 * Leaflet.markercluster are our own static files. No inline style or script: the page runs under a strict CSP.
 */
(function () {
  "use strict";

  var element = document.querySelector("[data-map]");
  var configBlock = document.getElementById("map-config");
  if (!element || !configBlock || typeof L === "undefined" || typeof L.markerClusterGroup === "undefined") {
    return;
  }
  var config = JSON.parse(configBlock.textContent);
  var status = document.getElementById("map-status");
  var panel = document.getElementById("map-panel");
  var chosen = null; // the marker whose summary is shown

  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function say(text) {
    status.textContent = text;
  }

  // The map ------------------------------------------------------------------------------------------------------

  var map = L.map(element, { zoomControl: false, minZoom: 2, maxZoom: 19 });
  L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com/">Leaflet</a>');
  if (config.tiles.url) {
    L.tileLayer(config.tiles.url, {
      attribution: escapeHtml(config.tiles.attribution),
      maxZoom: 19,
      crossOrigin: false,
    }).addTo(map);
  }
  map.setView([config.centre[0], config.centre[1]], config.centre[2]);

  var icons = config.types.map(function (type) {
    return L.divIcon({ className: "map-marker map-marker--" + type.code, iconSize: [18, 18] });
  });

  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var pixels = { small: 32, medium: 38, large: 46 }[size];
    return L.divIcon({
      html: "<span>" + count + '</span><span class="fr-sr-only"> sites, zoomer sur eux</span>',
      className: "map-cluster map-cluster--" + size,
      iconSize: [pixels, pixels],
    });
  }

  var clusters = L.markerClusterGroup({
    chunkedLoading: true,
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    iconCreateFunction: clusterIcon,
  });
  map.addLayer(clusters);

  function markerTitle(row) {
    var people = row[5] === null ? "nombre de personnes inconnu" : row[5] + (row[5] > 1 ? " personnes" : " personne");
    return config.types[row[3]].label + " — " + people + " — accès à l'eau : " + config.water[row[4]];
  }

  function announce(count) {
    element.setAttribute("data-map-sites", String(count));
    say(
      count === 0
        ? "Aucun site ne correspond à ces filtres."
        : count + (count > 1 ? " sites" : " site") + " sur la carte."
    );
  }

  function draw(documentData) {
    var rows = documentData.sites;
    // The view is set before the markers are added, without animation: each marker is drawn once, where it stays.
    // Fitting the view after adding them moved and redrew every marker while the count was already announced, and
    // a click in that moment landed on a marker about to be replaced.
    if (rows.length) {
      map.fitBounds(
        L.latLngBounds(
          rows.map(function (row) {
            return [row[1], row[2]];
          })
        ),
        { maxZoom: 14, padding: [24, 24], animate: false }
      );
    }
    var markers = rows.map(function (row) {
      var marker = L.marker([row[1], row[2]], { icon: icons[row[3]], title: markerTitle(row), keyboard: true });
      marker.siteId = row[0];
      marker.on("click", function () {
        showSite(marker);
      });
      // A marker is a button (Leaflet gives it the role and a tab stop): Entrée or Espace opens its summary.
      marker.on("keydown", function (event) {
        var key = event.originalEvent.key;
        if (key === "Enter" || key === " ") {
          event.originalEvent.preventDefault();
          showSite(marker);
        }
      });
      return marker;
    });
    if (!markers.length) {
      announce(0);
      return;
    }
    // Chunked loading adds the markers over several tasks: the count is announced once they are all on the map.
    clusters.options.chunkProgress = function (processed, total) {
      if (processed === total) {
        clusters.options.chunkProgress = null;
        window.setTimeout(function () {
          announce(total);
        }, 0);
      }
    };
    clusters.addLayers(markers);
  }

  fetch(config.sitesUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    })
    .then(draw)
    .catch(function () {
      say("Les sites n'ont pas pu être chargés. La liste des sites montre les mêmes sites.");
    });

  // The site panel -----------------------------------------------------------------------------------------------

  function closePanel() {
    panel.hidden = true;
    panel.innerHTML = "";
    var icon = chosen && chosen.getElement && chosen.getElement();
    chosen = null;
    (icon || element).focus();
  }

  function showSite(marker) {
    chosen = marker;
    fetch(config.panelUrl.replace("{id}", String(marker.siteId)), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        panel.innerHTML = html;
      })
      .catch(function () {
        panel.innerHTML = '<p class="fr-mb-0">Ce site n\'a pas pu être affiché.</p>';
      })
      .then(function () {
        panel.hidden = false;
        var title = panel.querySelector("[data-map-panel-title]");
        (title || panel).focus();
      });
  }

  panel.addEventListener("click", function (event) {
    if (event.target.closest("[data-map-panel-close]")) {
      closePanel();
    }
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closePanel();
    }
  });

  // The place search ---------------------------------------------------------------------------------------------

  var search = document.querySelector("[data-map-search]");
  if (search && window.htmx) {
    var input = search.querySelector("input[name=q]");
    var results = document.getElementById("recherche-lieu-resultats");
    search.hidden = false;
    search.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = input.getAttribute("hx-get") + "?" + new URLSearchParams({ q: input.value }).toString();
      window.htmx.ajax("GET", url, { target: results, swap: "innerHTML" }).then(function () {
        var first = results.querySelector("[data-place]");
        if (first) {
          first.focus();
        }
      });
    });
    results.addEventListener("click", function (event) {
      var button = event.target.closest("[data-place]");
      if (!button) {
        return;
      }
      if (button.dataset.location) {
        // A commune or an intercommunality has no point of its own: the map shows its sites (the list's location
        // filter) and fits them.
        var params = new URLSearchParams(window.location.search);
        params.set("localisation", button.dataset.location);
        params.delete("page");
        window.location.search = params.toString();
        return;
      }
      map.setView(
        [parseFloat(button.dataset.latitude), parseFloat(button.dataset.longitude)],
        parseInt(button.dataset.zoom, 10)
      );
      say("Carte centrée sur " + button.textContent.trim() + ".");
    });
  }
})();
