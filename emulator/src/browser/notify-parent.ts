// Runs on the pages that end a framed step (the 3-D Secure challenge answered, embedded
// Checkout paid): tells the merchant page, at the origin the server checked, and nothing more.
// The page carries the message in `data-message` and the target in `data-target-origin`.
// The merchant page is the top one: embedded Checkout's frame is its child, and the challenge
// sits three frames deep (see routes/three-d-secure.ts).
export {}; // a module: nothing here is global

const { message, targetOrigin } = document.body.dataset;
if (message && targetOrigin && window.top && window.top !== window) {
  window.top.postMessage(JSON.parse(message), targetOrigin);
}
