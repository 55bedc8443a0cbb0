// The host page's own script: it hears that a request was sent (and gets a
// reference, never an answer) and thanks the person.
document.addEventListener('intake:submitted', function (event) {
  document.getElementById('thanks').textContent =
    'Thank you. Your request reached us; your reference is ' + event.detail.reference + '.';
});
