// Starts Swagger UI at /docs from a file of our own (the page runs no inline script), with two
// small changes axe-core asks for: the API's title block sits in a region landmark, and a
// level-two heading introduces the operations, whose group headings are level three.
const root = document.getElementById("swagger-ui");

const landmarks = (system) => {
  const h = system.React.createElement;
  return {
    wrapComponents: {
      InfoContainer: (Original) => (props) =>
        h("div", { role: "region", "aria-label": "About this API" }, h(Original, props)),
      operations: (Original) => (props) =>
        h(
          system.React.Fragment,
          null,
          h("h2", { className: "api-docs-operations-heading" }, "Operations"),
          h(Original, props),
        ),
    },
  };
};

window.ui = SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  oauth2RedirectUrl: new URL(root.dataset.oauth2RedirectUrl, window.location.href).href,
  domNode: root,
  layout: "BaseLayout",
  deepLinking: false, // its anchors sit inside each operation's button (axe: nested-interactive)
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis],
  plugins: [landmarks],
});
