// Drag and drop on the deal board (SortableJS, touch included). Each drop sends the same form the
// card's own Move button sends (stage, CSRF token), plus the deal it now sits above, so the board
// works the same with or without this script.
(() => {
  const board = document.querySelector("[data-board]");
  if (!board || typeof Sortable === "undefined") return;
  const csrf = board.dataset.csrf;
  const locale = board.dataset.locale === "ar" ? "ar-SA" : "en-SA";
  // As the server formats them (pages/deals/money.ts): whole riyals bare, halalas with two digits.
  const numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const withHalalas = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const sar = (halalas) => {
    const amount = (halalas % 100 === 0 ? numbers : withHalalas).format(halalas / 100);
    return board.dataset.locale === "ar" ? `${amount} ر.س` : `SAR ${amount}`;
  };

  // The summary under a stage's name changes by the moved deal's count and amount.
  const adjust = (column, sign, amount) => {
    const section = column.closest(".board__column");
    const count = section.querySelector("[data-stage-count]");
    const total = section.querySelector("[data-stage-total]");
    const nextCount = Number(count.dataset.value) + sign;
    const nextTotal = Number(total.dataset.value) + sign * amount;
    count.dataset.value = String(nextCount);
    total.dataset.value = String(nextTotal);
    count.textContent = numbers.format(nextCount);
    total.textContent = sar(nextTotal);
  };

  const moved = async (event) => {
    if (event.from === event.to && event.oldIndex === event.newIndex) return;
    const card = event.item;
    const stageId = event.to.dataset.stageId;
    const next = card.nextElementSibling;
    const form = new FormData();
    form.set("_csrf", csrf);
    form.set("stageId", stageId);
    if (next?.dataset.dealId) form.set("beforeDealId", next.dataset.dealId);
    board.setAttribute("aria-busy", "true");
    try {
      const res = await fetch(`/deals/${card.dataset.dealId}/move`, {
        method: "POST",
        body: form,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!res.ok) throw new Error(`move answered ${res.status}`);
      if (event.from !== event.to) {
        const amount = Number(card.dataset.amount);
        adjust(event.from, -1, amount);
        adjust(event.to, 1, amount);
      }
      const select = card.querySelector("select[name=stageId]");
      if (select) select.value = stageId;
      card.dataset.moved = "true";
    } catch {
      // The board no longer shows what is stored: show the stored state again.
      window.location.reload();
    } finally {
      board.removeAttribute("aria-busy");
    }
  };

  for (const column of board.querySelectorAll(".board__cards")) {
    Sortable.create(column, {
      group: "deals",
      animation: 150,
      // On touch screens a short press starts a drag, so a swipe still scrolls the board.
      delay: 150,
      delayOnTouchOnly: true,
      filter: ".deal-card__move",
      preventOnFilter: false,
      ghostClass: "deal-card--ghost",
      onEnd: moved,
    });
  }
})();
