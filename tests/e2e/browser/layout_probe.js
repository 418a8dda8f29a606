// What keeps a page from working on the screen it is shown on (tests/e2e/browser/conftest.py's
// `layout_problems` runs it): what makes the page scroll sideways, and every visible control
// in main smaller than `minimum` CSS px each way that WCAG 2.2's inline exception does not
// excuse (a link in a sentence, whose size the line's text sets). A link counts as "in a
// sentence" when it is laid out inline and the block around it holds words of its own.
(minimum) => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    const scrollsInside = (el) => {
      for (let up = el.parentElement; up; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== 'visible') return true;
      }
      return false;
    };
    // Past the edge: the box itself, or its words spilling out of it (a long hash).
    const past = (el) => el.getBoundingClientRect().right > window.innerWidth + 0.5
      || (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible');
    // The innermost culprits: past the edge themselves, none of their children is.
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => past(el) && !scrollsInside(el) && ![...el.children].some(past))
      .slice(0, 4)
      .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    problems.push(
      `scrolls sideways: ${root.scrollWidth}px wide in ${window.innerWidth}px`
      + ` (${wide.join(', ')})`);
  }
  const inSentence = (el) => {
    if (getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) {
      block = block.parentElement;
    }
    const own = (el.textContent || '').trim().length;
    return block !== null && (block.textContent || '').trim().length > own;
  };
  const controls = 'a[href], button, input, select, textarea, summary';
  for (const el of document.querySelectorAll(`main :is(${controls})`)) {
    if (el.type === 'hidden' || !el.checkVisibility()) continue;
    const box = el.getBoundingClientRect();
    if (box.width >= minimum && box.height >= minimum) continue;
    if (el.matches('a') && inSentence(el)) continue;
    const name = (el.getAttribute('aria-label') || el.textContent || el.id || el.name || '').trim();
    const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
    problems.push(`${el.tagName.toLowerCase()} "${name.slice(0, 40)}" is ${size}`);
  }
  return problems;
}
