/* The search results on a map (Leaflet, decision 0037). The list stays the primary content: the map only draws
   the markers embedded in the page (json_script "carte-donnees"), each with a popup (name, free places, link to
   the site's page). Tiles come from RELAIS_MAP_TILES_URL (data-map-tiles); without it, the markers stand on a plain
   background and nothing is requested from another server. Redrawn after each htmx swap of #resultats. */
(function () {
  "use strict";

  var current = null;

  function placesText(marker) {
    if (marker.free > 0) {
      return marker.free + (marker.free > 1 ? " places libres" : " place libre");
    }
    if (marker.stale) {
      return "Places à confirmer auprès de l'établissement";
    }
    return marker.units ? "Aucune place libre" : "Aucune capacité publiée";
  }

  function popup(marker) {
    var box = document.createElement("div");
    var title = document.createElement("a");
    title.href = marker.url;
    title.textContent = marker.name;
    title.className = "offer-map-link";
    var places = document.createElement("p");
    places.textContent = placesText(marker);
    box.appendChild(title);
    box.appendChild(places);
    if (marker.distance_km !== null && marker.distance_km !== undefined) {
      var distance = document.createElement("p");
      distance.textContent = String(marker.distance_km).replace(".", ",") + " km";
      box.appendChild(distance);
    }
    return box;
  }

  function icon(marker) {
    var free = marker.free > 0;
    return L.divIcon({
      className: "offer-pin" + (free ? " offer-pin-free" : marker.stale ? " offer-pin-confirm" : ""),
      html: "<span>" + (free ? String(marker.free) : "") + "</span>",
      iconSize: [28, 28],
      iconAnchor: [14, 14],
      popupAnchor: [0, -12],
    });
  }

  function draw() {
    var element = document.getElementById("carte");
    var source = document.getElementById("carte-donnees");
    clear();
    if (!element || !source || typeof L === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var holder = document.getElementById("resultats");
    var tiles = holder ? holder.getAttribute("data-map-tiles") : "";
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var map = L.map(element, {
      scrollWheelZoom: false,
      attributionControl: Boolean(tiles),
      fadeAnimation: !still,
      zoomAnimation: !still,
      markerZoomAnimation: !still,
    });
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 19,
        attribution: holder.getAttribute("data-map-attribution") || "",
      }).addTo(map);
    } else {
      element.classList.add("offer-map-blank");
    }
    var points = [];
    if (data.origin) {
      var origin = [data.origin.lat, data.origin.lon];
      points.push(origin);
      L.circleMarker(origin, { radius: 6, className: "offer-map-origin", interactive: false }).addTo(map);
    }
    data.markers.forEach(function (marker) {
      var at = [marker.lat, marker.lon];
      points.push(at);
      // keyboard: false — the list gives the same links; fifty tab stops on the map would hide it.
      L.marker(at, { icon: icon(marker), title: marker.name, alt: marker.name, keyboard: false })
        .bindPopup(popup(marker))
        .addTo(map);
    });
    if (points.length === 1) {
      map.setView(points[0], 13);
    } else {
      map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 14 });
    }
    L.control.scale({ imperial: false }).addTo(map);
    element.setAttribute("data-markers", String(data.markers.length));
    current = map;
  }

  function clear() {
    // htmx clones #resultats into its history before a swap: the clone must hold no style attribute that Leaflet set
    // (the CSP refuses inline styles, and a cloned one is reported). The map is drawn again after the swap.
    if (current) {
      var element = current.getContainer();
      current.remove();
      current = null;
      element.removeAttribute("style");
      element.textContent = "";
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:beforeHistorySave", clear);
  document.addEventListener("htmx:historyRestore", draw);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "resultats") {
      draw();
    }
  });
})();
