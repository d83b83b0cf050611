// The weights summary follows the price weight while it is typed (tender page). Decimal
// arithmetic on whole ten-thousandths, so that 0.1 + 0.2 shows as 0.3, as the server would.
(function () {
  "use strict";
  var input = document.getElementById("id_price_weight");
  if (!input) { return; }
  // Written as the page's language writes it: 12,5 in Swedish, 12.5 in English.
  var sign = (document.documentElement.lang || "").slice(0, 2) === "sv" ? "," : ".";
  function units(text) {
    var match = /^\s*(\d+)(?:[.,](\d{0,4}))?\s*$/.exec(text || "0");
    if (!match) { return null; }
    return parseInt(match[1], 10) * 10000 + parseInt(((match[2] || "") + "0000").slice(0, 4), 10);
  }
  function shown(u) {
    var whole = Math.trunc(u / 10000), part = Math.abs(u % 10000);
    var text = String(whole);
    if (part) { text += sign + String(part).padStart(4, "0").replace(/0+$/, ""); }
    return (u < 0 && whole === 0 ? "-" : "") + text;
  }
  function update() {
    var price = units(input.value);
    if (price === null) { return; }
    document.querySelectorAll(".wb-weights [data-criteria-total]").forEach(function (line) {
      var total = price + units(line.getAttribute("data-criteria-total"));
      line.querySelector(".wb-price-weight").textContent = shown(price);
      line.querySelector(".wb-total").textContent = shown(total);
      line.querySelector(".wb-missing").textContent = shown(1000000 - total);
      line.querySelector(".wb-sum-ok").hidden = total !== 1000000;
      line.querySelector(".wb-sum-bad").hidden = total === 1000000;
    });
  }
  input.addEventListener("input", update);
})();
