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
    // Tags start collapsed: with 140 operations an expanded page is long, and Swagger UI stopped
    // rendering the expanded list after the second tag once the spec grew this large.
    docExpansion: "none",
    filter: true,
  });
})();
