// Starts Swagger UI on /docs. Kept as a file (not inline) so the CSP can forbid inline scripts.
(() => {
  const target = document.getElementById("api-docs");
  if (!target || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: target.dataset.specUrl,
    domNode: target,
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: true,
  });
})();
