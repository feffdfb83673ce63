/*
 * The small maps of the site pages (resorption/settlements): the site's place on its page ([data-site-map]), and the
 * pin of the declaration and update form ([data-pin-map]), which writes the latitude and longitude fields when the map
 * is clicked or the pin dragged, and follows those fields when they are typed (they stay the keyboard's way in).
 *
 * Driven by data attributes: data-lat, data-lon, data-type (site page), data-lat-input and data-lon-input (the ids of
 * the form's fields), data-tiles-url and data-tiles-attribution. No inline style or script: strict CSP.
 */
(function () {
  "use strict";

  if (typeof L === "undefined") {
    return;
  }
  var FRANCE = [46.6, 2.4];
  var DECIMALS = 6;

  function tiles(element, map) {
    var url = element.getAttribute("data-tiles-url");
    if (url) {
      var credit = document.createElement("span");
      credit.textContent = element.getAttribute("data-tiles-attribution") || "";
      L.tileLayer(url, { attribution: credit.innerHTML, maxZoom: 19 }).addTo(map);
    }
    map.attributionControl.setPrefix('<a href="https://leafletjs.com/">Leaflet</a>');
  }

  function icon(type) {
    return L.divIcon({ className: "map-marker map-marker--" + (type || "unknown"), iconSize: [18, 18] });
  }

  function number(value) {
    var parsed = parseFloat(String(value).replace(",", "."));
    return isFinite(parsed) ? parsed : null;
  }

  // The site's page: one marker, the map moves but does not catch the page's scrolling.
  document.querySelectorAll("[data-site-map]").forEach(function (element) {
    var lat = number(element.getAttribute("data-lat"));
    var lon = number(element.getAttribute("data-lon"));
    if (lat === null || lon === null) {
      return;
    }
    element.classList.add("site-map--ready");
    var map = L.map(element, { scrollWheelZoom: false, keyboard: false, zoomControl: true });
    tiles(element, map);
    map.setView([lat, lon], 15);
    L.marker([lat, lon], { icon: icon(element.getAttribute("data-type")), keyboard: false, interactive: false }).addTo(
      map
    );
  });

  // The form's pin: clicking the map or dragging the pin writes the two fields; typing in them moves the pin.
  document.querySelectorAll("[data-pin-map]").forEach(function (element) {
    var latInput = document.getElementById(element.getAttribute("data-lat-input"));
    var lonInput = document.getElementById(element.getAttribute("data-lon-input"));
    if (!latInput || !lonInput) {
      return;
    }
    element.classList.add("site-map--ready");
    var map = L.map(element, { scrollWheelZoom: false, keyboard: false });
    tiles(element, map);
    var marker = null;

    function current() {
      var lat = number(latInput.value);
      var lon = number(lonInput.value);
      return lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lat, lon] : null;
    }

    function place(point) {
      if (marker) {
        marker.setLatLng(point);
        return;
      }
      marker = L.marker(point, { icon: icon("unknown"), draggable: true, keyboard: false }).addTo(map);
      marker.on("dragend", function () {
        write(marker.getLatLng());
      });
    }

    function write(latLng) {
      latInput.value = latLng.lat.toFixed(DECIMALS);
      lonInput.value = latLng.lng.toFixed(DECIMALS);
      [latInput, lonInput].forEach(function (input) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }

    var start = current();
    if (start) {
      map.setView(start, 16);
      place(start);
    } else {
      map.setView(FRANCE, 5);
    }
    map.on("click", function (event) {
      place(event.latlng);
      write(event.latlng);
    });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("input", function () {
        var point = current();
        if (point) {
          place(point);
          map.panTo(point);
        }
      });
    });
  });
})();
