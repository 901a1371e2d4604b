// The places page's map (datasette/templates/_table-korean-armistice-telegrams-places.html): one vector
// marker per place with coordinates, from the rows embedded in the page, so markers and popups need no
// network; each popup names the place and links to its page. Tiles are only a background.
// Leaflet is datasette-leaflet's ES module, served from this site; importing it defines window.L.
const element = document.getElementById("places-map");
const data = document.getElementById("places-points");
if (element && data) { import(element.dataset.leaflet).then(draw); }

function draw() {
  const points = JSON.parse(data.textContent);
  const map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 12,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (background, when online)',
  }).addTo(map);
  const markers = points.map((point) => {
    const popup = document.createElement("div");
    const link = document.createElement("a");
    link.href = point.href;
    link.textContent = point.name;
    link.className = "map-place-link";
    const strong = document.createElement("strong");
    strong.appendChild(link);
    popup.appendChild(strong);
    const line = document.createElement("div");
    line.textContent = [point.kind, point.documents + (point.documents === 1 ? " document" : " documents"),
      point.events ? point.events + (point.events === 1 ? " event" : " events") : ""].filter(Boolean).join(" · ");
    popup.appendChild(line);
    const marker = L.circleMarker([point.lat, point.lon], {
      radius: 8, color: "#1d3f73", weight: 2, fillColor: "#2a5599", fillOpacity: 0.85, className: "place-marker",
    });
    marker.bindPopup(popup);
    marker.bindTooltip(point.name, { permanent: true, direction: "right", offset: [8, 0], className: "place-label" });
    return marker.addTo(map);
  });
  const bounds = L.featureGroup(markers).getBounds();
  map.fitBounds(bounds.pad(0.2), { maxZoom: 7 });
  element.dataset.markers = String(markers.length);
}
