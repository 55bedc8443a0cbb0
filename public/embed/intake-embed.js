/*
 * intake embed loader. An organisation adds, where the form should appear:
 *
 *   <div data-intake-widget data-config="unite-us-widget"></div>
 *   <script src="https://INTAKE-HOST/embed/intake-embed.js" async></script>
 *
 * data-config names one of the configurations the intake site publishes in
 * its /config/ folder (without it, the site's default widget); data-lang
 * picks the language and data-title names the frame for screen readers.
 * Nothing else is passed: where answers go, which form is asked and which
 * token is used are the intake site's own configuration, so neither this
 * page nor anyone who edits the frame's address can change them (the widget
 * refuses a link that tries). It creates an iframe on the widget page of the
 * site this script comes from, keeps its height fitted to the content and
 * fires an `intake:submitted` event on the placeholder with
 * `event.detail.reference`. The form runs in the iframe, on intake's origin,
 * so the host page can neither break it nor read what people type; messages
 * are accepted only from that iframe and origin, and the widget sends them
 * only to this page's origin.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var appOrigin = new URL(script.src).origin;
  var PASSED = ['config', 'lang'];

  function mount(holder) {
    if (holder.getAttribute('data-intake-mounted')) return;
    holder.setAttribute('data-intake-mounted', 'true');
    var parameters = new URLSearchParams();
    PASSED.forEach(function (name) {
      var value = holder.getAttribute('data-' + name);
      if (value) parameters.set(name, value);
    });
    parameters.set('embed', '1');
    parameters.set('host', window.location.origin);
    var frame = document.createElement('iframe');
    frame.src = appOrigin + '/widget?' + parameters.toString();
    frame.title = holder.getAttribute('data-title') || 'Ask for help';
    frame.setAttribute('data-intake-frame', '');
    frame.style.width = '100%';
    frame.style.minHeight = '24rem';
    frame.style.border = '0';
    holder.appendChild(frame);

    window.addEventListener('message', function (event) {
      if (event.origin !== appOrigin || event.source !== frame.contentWindow) return;
      var data = event.data;
      if (!data || typeof data.type !== 'string') return;
      if (data.type === 'intake:height' && typeof data.height === 'number' && data.height > 0) {
        frame.style.height = Math.ceil(data.height) + 'px';
      } else if (data.type === 'intake:submitted') {
        holder.dispatchEvent(new CustomEvent('intake:submitted', {
          bubbles: true,
          detail: { reference: String(data.reference || '') },
        }));
      }
    });
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-intake-widget]'), mount);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mountAll);
  } else {
    mountAll();
  }
})();
