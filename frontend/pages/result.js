// "/c/{slug}/result/{attempt_id}": score, time, attempts left, and the review when revealed.
import { api, getContest, getToken, stash } from '../api.js';
import { h, clear } from '../util/dom.js';
import { t } from '../i18n.js';
import { fmtDur, fmtDate } from '../util/time.js';
import { errorBox, loading, link } from '../ui.js';

export function mount(main, [slug, id], ctx) {
  const base = '/c/' + encodeURIComponent(slug);
  const S = { a: null, c: null, err: null };
  let gone = false;

  async function init() {
    S.err = null;
    render();
    const [c, a] = await Promise.allSettled([
      getContest(slug),
      api('GET', '/attempts/' + encodeURIComponent(id), { token: getToken(slug) }),
    ]);
    if (gone) return;
    if (c.status === 'fulfilled') { S.c = c.value; ctx.header(); }
    if (a.status === 'fulfilled') S.a = a.value.data;
    else if (stash.has(id)) S.a = { attempt_id: id, ...stash.get(id) };
    else S.err = a.reason;
    render();
    ctx.ready();
  }

  function render() {
    if (S.err) return clear(main, h('h1', null, t('result_title', { n: '' })), errorBox(S.err, init), h('p', null, link(base, t('back_contest'))));
    if (!S.a) return clear(main, loading());
    const a = S.a;
    if (a.status === 'in_progress') {
      return clear(main, h('h1', null, t('result_title', { n: a.attempt_no })),
        h('p', { class: 'box note' }, t('unfinished')),
        link(base + '/quiz', t('resume'), { class: 'btn btn-big', id: 'start_btn' }));
    }
    const left = a.attempts_left;
    const open = !S.c || S.c.status === 'open';
    const row = (label, val, vid) => h('div', null, h('dt', null, label), h('dd', { id: vid }, val));
    const qs = (a.questions || []).filter((q) => q.correct_keys);
    clear(main,
      h('h1', null, t('result_title', { n: a.attempt_no || '' })),
      h('section', { class: 'box score', id: 'result' },
        h('p', { class: 'big' }, h('span', { class: 'lbl' }, t('score'), ' '), h('strong', { id: 'result_score' }, a.score)),
        h('p', { class: 'cor' }, h('strong', { id: 'result_correct' }, a.correct), ' ', t('correct_of'), ' ', h('strong', { id: 'result_total' }, a.total)),
        a.perfect && h('p', { class: 'perfect', id: 'perfect_badge' }, t('perfect')),
        a.status === 'expired' && h('p', { class: 'hint', id: 'expired_note' }, t('expired_note')),
        h('dl', { class: 'facts' },
          row(t('duration'), fmtDur(a.duration_ms), 'result_duration'),
          a.submitted_at && row(t('submitted_at'), fmtDate(a.submitted_at), 'result_submitted_at'),
          a.prediction != null && row(t('your_prediction'), String(a.prediction), 'result_prediction'),
          left != null && row(t('attempts_left'), left, 'attempts_left'))),
      h('div', { class: 'actions' },
        left > 0 && open && h('button', { type: 'button', class: 'btn btn-big', id: 'again_btn', onclick: () => ctx.go(base + '/quiz') }, t('again')),
        link(base, t('back_contest'), { id: 'contest_link', class: 'btn btn-2' })),
      qs.length > 0 && h('section', { class: 'review', id: 'review', 'aria-labelledby': 'review_h' },
        h('h2', { id: 'review_h' }, t('review')),
        h('ol', null, qs.map((q) => review(q, (a.answers || {})[q.position] || [])))));
  }

  function review(q, mine) {
    const keys = q.correct_keys;
    const ok = mine.length === keys.length && keys.every((k) => mine.includes(k));
    const txt = (ks) => (ks.length ? ks.map((k) => { const o = (q.options || []).find((x) => x.key === k); return k + (o ? '. ' + o.text : ''); }).join('; ') : t('no_choice'));
    return h('li', { class: 'rv ' + (ok ? 'ok' : 'bad'), 'data-position': q.position },
      h('p', { class: 'rv-q' }, h('span', { class: 'tag' }, t(ok ? 'q_right' : 'q_wrong')), ' ', q.position + '. ', q.text),
      h('p', null, h('span', { class: 'lbl' }, t('your_choice'), ': '), txt(mine)),
      h('p', null, h('span', { class: 'lbl' }, t('right_keys'), ': '), txt(keys)),
      q.explanation && h('p', { class: 'expl' }, h('span', { class: 'lbl' }, t('explanation'), ': '), q.explanation));
  }

  init();
  return { onLang: render, unmount() { gone = true; } };
}
