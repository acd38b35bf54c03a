// Search excerpts: Sphinx takes them from each page's main area, where the theme keeps the
// labels of its buttons ("System Settings", "Light", "Dark"). Leave those, and the course's
// link bar and version line, out of the excerpts.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".bd-header-article, nav.course-links, p.course-versions")
      .forEach((element) => element.remove());
    return htmlToText(page.documentElement.outerHTML, anchor);
  };
});
