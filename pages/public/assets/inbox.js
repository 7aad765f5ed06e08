// The open WhatsApp thread refreshes itself: every few seconds, while the tab is visible, it fetches
// its own page and swaps in the fresh messages (new inbound messages, ticks turning blue). The page
// works the same without this script; only the newest page of a thread refreshes (an "older
// messages" page stays as it is), and the reply form is never touched, so typing is never lost.
(() => {
  const messages = document.querySelector("[data-refresh]");
  if (!messages) return;
  const INTERVAL_MS = 5000;
  const status = document.querySelector("[data-refresh-status]");
  if (status) status.hidden = false;
  let busy = false;

  const refresh = async () => {
    if (busy || document.hidden) return;
    busy = true;
    messages.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(window.location.pathname, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "text/html" },
      });
      // Signed out meanwhile (a redirect to /login) or a failure: keep what is shown, try later.
      if (!response.ok || response.redirected) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-refresh]");
      if (fresh && fresh.innerHTML !== messages.innerHTML) messages.innerHTML = fresh.innerHTML;
    } catch {
      // Offline for a moment: the next tick tries again.
    } finally {
      messages.removeAttribute("aria-busy");
      busy = false;
    }
  };
  setInterval(refresh, INTERVAL_MS);
})();

// Picking a template brings its variables at once; without this script the button next to it does.
for (const select of document.querySelectorAll("[data-submit-on-change]")) {
  select.addEventListener("change", () => {
    if (select.value) select.form?.requestSubmit();
  });
}
