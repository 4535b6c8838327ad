// Runs on the pages that end a framed step (the 3-D Secure challenge answered, embedded
// Checkout paid): tells the embedding page, at the origin the server checked, and nothing more.
// The page carries the message in `data-message` and the target in `data-target-origin`.
export {}; // a module: nothing here is global

const { message, targetOrigin } = document.body.dataset;
if (message && targetOrigin && window.parent !== window) {
  window.parent.postMessage(JSON.parse(message), targetOrigin);
}
