// Keeps a long "retry all" going (pages/admin/operations.views.tsx): while the last call retried
// something and letters still wait, the page's "continue" form is posted again, so draining
// thousands of letters takes one click. Without JavaScript the operator presses "continue".
const drain = document.querySelector('form[data-drain="auto"]');
if (drain) {
  const note = drain.querySelector("[data-drain-note]");
  if (note) note.hidden = false;
  setTimeout(() => drain.requestSubmit(), 400);
}
