// The ipywidgets 8 widget manager (@jupyter-widgets/html-manager) typesets widget labels with
// MathJax 2's API, MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]). The book loads
// MathJax 3, which has no Hub: without this shim every widget label throws a TypeError.
// Forward those calls to MathJax 3 once its (deferred) script has run.
document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (!mj || mj.Hub || !mj.startup) {
    return; // no MathJax on this page, or a real MathJax 2
  }
  mj.Hub = {
    Queue: function () {
      var elements = [];
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (Array.isArray(job) && job[0] === "Typeset" && job[2]) {
          elements.push(job[2]);
        }
      }
      if (elements.length) {
        mj.startup.promise = mj.startup.promise.then(function () {
          return mj.typesetPromise(elements);
        });
      }
    },
  };
});
