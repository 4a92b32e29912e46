// "/c/{slug}/quiz": the attempt in progress, one question at a time, autosaved.
import { api, getContest, getToken, setToken, retryable, backoff, sleep, store, load, stash } from '../api.js';
import { h, clear, $ } from '../util/dom.js';
import { t, errText, fieldText } from '../i18n.js';
import { fmtLeft, serverNow, offsetFrom } from '../util/time.js';
import { errorBox, loading } from '../ui.js';

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Saves answers and never loses one: a choice not yet acknowledged by the server stays in
 * `pending` (memory and localStorage) and is retried with backoff; a newer choice for the same
 * position replaces an older pending one, and one position never has two saves in flight.
 * One Saver per attempt, kept for the life of the tab (it outlives page re-renders).
 */
class Saver {
  constructor(id, token) {
    this.id = id;
    this.token = token;
    this.key = 'cuocthi:pending:' + id;
    this.pending = load(this.key, true) || {};
    this.saved = {};
    this.err = {};
    this.inflight = new Set();
    this.fails = 0;
    this.timer = 0;
    this.dead = null; // 'deadline' | 'finished' | 'gone'
    this.subs = new Set();
    this.onOnline = () => this.retryNow();
    addEventListener('online', this.onOnline);
  }
  emit() { for (const f of [...this.subs]) f(); }
  persist() { store(this.key, Object.keys(this.pending).length ? this.pending : null); }
  count() { return Object.keys(this.pending).length; }
  set(pos, choice) {
    if (this.dead) return;
    this.pending[pos] = choice;
    delete this.err[pos];
    this.persist();
    this.emit();
    if (!this.timer) this.send(pos);
  }
  retryNow() {
    clearTimeout(this.timer);
    this.timer = 0;
    for (const p of Object.keys(this.pending)) this.send(p);
  }
  async send(pos) {
    if (this.inflight.has(pos) || this.dead || !(pos in this.pending)) return;
    const choice = this.pending[pos];
    this.inflight.add(pos);
    this.emit();
    try {
      await api('PUT', `/attempts/${encodeURIComponent(this.id)}/answers/${pos}`, { token: this.token, body: { choice } });
      this.fails = 0;
      this.saved[pos] = choice;
      if (same(this.pending[pos], choice)) { delete this.pending[pos]; this.persist(); }
    } catch (e) {
      if (retryable(e)) {
        if (!this.timer) {
          this.fails++;
          this.timer = setTimeout(() => { this.timer = 0; this.retryNow(); }, backoff(this.fails, e.retryAfter));
        }
      } else if (e.code === 'deadline_passed') this.kill('deadline');
      else if (e.code === 'attempt_finished') this.kill('finished');
      else if (e.status === 401 || e.status === 403 || e.status === 404) this.kill('gone');
      else if (same(this.pending[pos], choice)) { // invalid_choice: this exact choice can never be saved
        delete this.pending[pos];
        this.err[pos] = e.code;
        this.persist();
      }
    } finally {
      this.inflight.delete(pos);
      if (!this.timer && !this.dead && pos in this.pending && !same(this.pending[pos], choice)) this.send(pos);
      this.emit();
    }
  }
  kill(why) {
    if (this.dead) return;
    this.dead = why;
    clearTimeout(this.timer);
    this.timer = 0;
  }
  /** Resolves when nothing is pending, the attempt is closed, or `until` (phone clock ms) passes. */
  flush(until) {
    this.retryNow();
    return new Promise((res) => {
      let to = 0;
      const check = () => {
        if (this.count() && !this.dead && Date.now() < until) return;
        this.subs.delete(check);
        clearTimeout(to);
        res();
      };
      const wait = until - Date.now();
      if (wait < 2 ** 31) to = setTimeout(check, Math.max(0, wait) + 10);
      this.subs.add(check);
      check();
    });
  }
  /** The attempt is over: forget pending choices for good. */
  destroy() {
    this.kill('finished');
    removeEventListener('online', this.onOnline);
    this.pending = {};
    this.persist();
    savers.delete(this.id);
  }
}
const savers = new Map();

export function mount(main, [slug], ctx) {
  const base = '/c/' + encodeURIComponent(slug);
  const token = getToken(slug);
  const S = { c: null, a: null, err: null, pos: 1, step: 'quiz', warned: false, sending: false, msg: '', subErr: null, pred: '', predErr: null };
  let saver = null, tick = 0, gone = false, Q = [];

  if (!token) { setTimeout(() => ctx.go(base, true)); return {}; }

  const attemptId = () => S.a.attempt_id;
  const choiceOf = (p) => saver.pending[p] || saver.saved[p] || (S.a.answers || {})[p] || [];
  const stateOf = (p) => (p in saver.pending ? 'pending' : choiceOf(p).length ? 'answered' : 'unanswered');
  const answered = () => Q.filter((q) => choiceOf(String(q.position)).length).length;
  const predEnabled = () => (S.a.prediction_enabled != null ? !!S.a.prediction_enabled : !!(S.c && S.c.prediction));
  const saveUntil = () => S.deadline + S.grace - S.offset; // phone-clock ms when saves stop counting

  async function init() {
    S.err = null;
    render();
    try {
      const [c, r] = await Promise.all([
        getContest(slug).catch(() => null),
        api('POST', '/contests/' + encodeURIComponent(slug) + '/attempts', { token, body: {} }),
      ]);
      S.c = c;
      S.a = r.data;
    } catch (e) {
      if (gone) return;
      if (e.status === 401 || e.code === 'not_registered') { setToken(slug, null); return ctx.go(base, true); }
      S.err = e;
      return render();
    }
    if (gone) return;
    if (S.c) ctx.header();
    S.offset = offsetFrom(S.a.server_time);
    S.deadline = Date.parse(S.a.deadline);
    S.grace = (S.a.grace_secs != null ? S.a.grace_secs : S.c && S.c.grace_secs != null ? S.c.grace_secs : 15) * 1000;
    Q = (S.a.questions || []).slice().sort((a, b) => a.position - b.position);
    saver = savers.get(S.a.attempt_id);
    if (!saver) { saver = new Saver(S.a.attempt_id, token); savers.set(S.a.attempt_id, saver); }
    if (S.a.status !== 'in_progress') return done(null);
    saver.subs.add(onSave);
    const firstOpen = Q.find((q) => !choiceOf(String(q.position)).length);
    S.pos = firstOpen ? firstOpen.position : (Q[0] ? Q[0].position : 1);
    render();
    ctx.ready();
    saver.retryNow(); // re-send choices left pending by an earlier visit
    tick = setInterval(onTick, 500);
    onTick();
  }

  // ---------- rendering ----------
  function render() {
    if (S.err) return clear(main, h('h1', null, t('quiz')), errorBox(S.err, init), h('p', null, h('a', { href: base, 'data-link': '' }, t('back_contest'))));
    if (!S.a) return clear(main, loading());
    clear(main,
      h('h1', { class: 'sr-only' }, t('quiz'), ' – ', t('attempt_n', { n: S.a.attempt_no })),
      h('div', { class: 'bar', id: 'quiz_bar' },
        h('span', { id: 'answered_count' }),
        h('span', { class: 'timer' }, h('span', { class: 'lbl' }, t('time_left')), ' ', h('strong', { id: 'countdown', role: 'timer' }, fmtLeft(S.deadline - serverNow(S.offset))))),
      h('p', { id: 'time_warning', class: 'warn', 'aria-live': 'assertive', hidden: !S.warned }, S.warned ? t('one_min') : ''),
      h('p', { id: 'net_banner', class: 'banner', 'aria-live': 'polite' }),
      h('div', { class: 'quiz' }, h('div', { id: 'qpane', class: 'qpane' }), S.step !== 'sending' && grid()));
    pane();
    update();
  }

  function grid() {
    return h('nav', { id: 'qgrid', class: 'qgrid', 'aria-label': t('grid') },
      h('ol', null, Q.map((q) => h('li', null,
        h('button', { type: 'button', 'data-position': q.position, onclick: () => go(q.position, true) },
          h('span', null, q.position), h('span', { class: 'mk', 'aria-hidden': 'true' }))))),
      h('p', { class: 'legend', 'aria-hidden': 'true' },
        h('span', { class: 'mk-answered' }, '✓ ', t('s_answered')), h('span', { class: 'mk-pending' }, '↻ ', t('s_pending')), h('span', { class: 'mk-unanswered' }, '○ ', t('s_unanswered'))));
  }

  function pane() {
    const el = $('#qpane');
    if (S.step === 'sending') {
      return clear(el, h('section', { class: 'box', id: 'sending' },
        h('h2', null, t('submit_title')),
        h('p', { id: 'submit_status', role: 'status' }, t(S.msg || 'submitting')),
        S.subErr && errorBox(S.subErr, () => { S.subErr = null; S.sending = false; submit(S.auto); })));
    }
    if (S.step === 'submit') return submitStep(el);
    const q = Q.find((x) => x.position === S.pos) || Q[0];
    if (!q) return clear(el, errorBox(t('e_not_found')));
    const p = String(q.position), mine = choiceOf(p), type = q.multiple ? 'checkbox' : 'radio';
    const idx = Q.indexOf(q);
    clear(el,
      h('form', { id: 'qform', onsubmit: (e) => e.preventDefault(), onchange: onChoice },
        h('fieldset', { class: 'q', 'aria-describedby': 'q_hint' },
          h('legend', null, h('span', { class: 'qno', id: 'q_no' }, t('q_of', { n: idx + 1, t: Q.length })), h('span', { id: 'question_text' }, q.text)),
          h('p', { class: 'hint', id: 'q_hint' }, t(q.multiple ? 'pick_many' : 'pick_one')),
          h('div', { class: 'opts' }, (q.options || []).map((o) => h('label', { class: 'opt' },
            h('input', { type, name: 'choice', value: o.key, checked: mine.includes(o.key) }),
            h('span', { class: 'key', 'aria-hidden': 'true' }, o.key), h('span', { class: 'sr-only' }, o.key + '. '),
            h('span', { class: 'otext' }, o.text)))))),
      h('div', { class: 'qmeta' },
        h('p', { id: 'save_state', role: 'status', 'aria-live': 'polite' }),
        h('button', { type: 'button', class: 'linkish', id: 'clear_btn', onclick: () => { saver.set(p, []); pane(); update(); } }, t('clear'))),
      h('div', { class: 'navrow' },
        h('button', { type: 'button', class: 'btn btn-2', id: 'prev_btn', disabled: idx <= 0, onclick: () => go(Q[idx - 1].position) }, t('prev')),
        h('button', { type: 'button', class: 'btn btn-2', id: 'next_btn', disabled: idx >= Q.length - 1, onclick: () => go(Q[idx + 1].position) }, t('next'))),
      h('button', { type: 'button', class: 'btn btn-big', id: 'finish_btn', onclick: () => { S.step = 'submit'; render(); focusIn('#submit_h'); } }, t('finish')));
  }

  function submitStep(el) {
    const pe = predEnabled();
    clear(el, h('section', { id: 'submit_step', class: 'box', 'aria-labelledby': 'submit_h' },
      h('h2', { id: 'submit_h', tabindex: '-1' }, t('submit_title')),
      h('p', { id: 'submit_summary' }),
      h('p', { id: 'pending_note', class: 'hint' }),
      pe && h('div', { class: 'field' + (S.predErr ? ' has-err' : '') },
        h('label', { for: 'prediction' }, (S.c && S.c.prediction && S.c.prediction.question) || t('prediction')),
        h('p', { class: 'hint', id: 'prediction_hint' }, t('pred_hint')),
        h('input', { id: 'prediction', type: 'text', inputmode: 'numeric', pattern: '[0-9]*', maxlength: 15, autocomplete: 'off', value: S.pred,
          'aria-describedby': 'prediction_hint prediction_err', 'aria-invalid': S.predErr ? 'true' : null, oninput: (e) => { S.pred = e.target.value; if (S.predErr) { S.predErr = null; $('#prediction_err').textContent = ''; } } }),
        h('p', { class: 'err', id: 'prediction_err' }, S.predErr ? fieldText(S.predErr) : '')),
      h('div', { class: 'navrow' },
        h('button', { type: 'button', class: 'btn btn-2', id: 'back_btn', onclick: () => { S.step = 'quiz'; render(); focusIn('#finish_btn'); } }, t('back_quiz')),
        h('button', { type: 'button', class: 'btn', id: 'submit_btn', onclick: askConfirm }, t('submit')))));
  }

  function focusIn(sel) { const e = $(sel); if (e) e.focus(); return e; }

  function go(pos, fromGrid) {
    const was = document.activeElement && document.activeElement.id;
    S.pos = pos;
    if (S.step !== 'quiz') { S.step = 'quiz'; render(); } else { pane(); update(); }
    const b = !fromGrid && was && $('#' + was);
    if (b && !b.disabled) b.focus();
    else { const lg = $('#qform legend'); lg.tabIndex = -1; lg.focus({ preventScroll: true }); }
    const qp = $('#qpane');
    if (qp.getBoundingClientRect().top < 0 || fromGrid) qp.scrollIntoView({ block: 'start' });
  }

  function onChoice(e) {
    if (e.target.name !== 'choice') return;
    const boxes = [...$('#qform').querySelectorAll('input[name=choice]')];
    saver.set(String(S.pos), boxes.filter((b) => b.checked).map((b) => b.value));
  }

  /** Reflect saver and answer state: grid, saved state, counts, banner. */
  function update() {
    if (!saver) return;
    for (const b of main.querySelectorAll('#qgrid button')) {
      const p = b.dataset.position, st = stateOf(p);
      b.dataset.state = st;
      b.querySelector('.mk').textContent = st === 'answered' ? '✓' : st === 'pending' ? '↻' : '';
      b.setAttribute('aria-label', t('q_label', { n: p, s: t('s_' + st) }));
      if (S.step === 'quiz' && Number(p) === S.pos) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
    }
    const ac = $('#answered_count');
    if (ac) ac.textContent = t('answered_of', { a: answered(), t: Q.length });
    const ss = $('#save_state');
    if (ss) {
      const p = String(S.pos);
      let st = 'none';
      if (p in saver.pending) st = saver.fails || saver.timer ? 'retry' : 'saving';
      else if (saver.err[p]) st = 'error';
      else if (choiceOf(p).length) st = 'saved';
      const txt = { retry: t('retrying'), saving: t('saving'), saved: t('saved'), none: t('not_answered'), error: errText({ code: saver.err[p] }) }[st];
      if (ss.dataset.state !== st) { ss.dataset.state = st; ss.textContent = txt; }
      const cb = $('#clear_btn');
      if (cb) cb.hidden = !choiceOf(p).length;
    }
    const nb = $('#net_banner');
    if (nb) { const off = !!(saver.fails && saver.count()); nb.hidden = !off; nb.textContent = off ? t('offline') : ''; }
    const sum = $('#submit_summary');
    if (sum) {
      sum.textContent = t('summary', { a: answered(), t: Q.length });
      const n = saver.count();
      $('#pending_note').textContent = n ? t('pending_note', { n }) : '';
    }
  }

  function onSave() {
    if (gone) return;
    update();
    if (saver.dead === 'deadline') submit(true);
    else if (saver.dead === 'finished' && !S.sending) done(null);
    else if (saver.dead === 'gone' && !S.sending) { S.err = { code: 'not_found' }; render(); }
  }

  function onTick() {
    const left = S.deadline - serverNow(S.offset);
    const cd = $('#countdown');
    if (cd) {
      const txt = fmtLeft(left);
      if (cd.textContent !== txt) cd.textContent = txt;
      $('#quiz_bar').classList.toggle('low', left <= 60000);
    }
    if (left <= 60000 && !S.warned) {
      S.warned = true;
      const w = $('#time_warning');
      if (w) { w.hidden = false; w.textContent = t('one_min'); }
    }
    if (left <= 0 && !S.sending) submit(true);
  }

  // ---------- submission ----------
  function askConfirm() {
    if (predEnabled()) {
      const v = S.pred.trim();
      S.predErr = /^\d{1,15}$/.test(v) ? null : v ? 'prediction' : 'required';
      const inp = $('#prediction');
      $('#prediction_err').textContent = S.predErr ? fieldText(S.predErr) : '';
      inp.closest('.field').classList.toggle('has-err', !!S.predErr);
      if (S.predErr) { inp.setAttribute('aria-invalid', 'true'); return inp.focus(); }
      inp.removeAttribute('aria-invalid');
    }
    const open = Q.filter((q) => !choiceOf(String(q.position)).length).map((q) => q.position);
    const left = open.length;
    const dlg = h('dialog', { id: 'confirm_dialog', class: 'dlg', 'aria-labelledby': 'confirm_h', 'aria-describedby': 'confirm_msg' },
      h('h2', { id: 'confirm_h' }, t('confirm_title')),
      h('p', { id: 'confirm_msg' }, left ? t('confirm_left', { n: left, l: open.join(', ') }) : t('confirm_all'), ' ', t('confirm_q')),
      h('div', { class: 'navrow' },
        h('button', { type: 'button', class: 'btn btn-2', id: 'cancel_submit_btn', onclick: () => closeDlg(true) }, t('cancel')),
        h('button', { type: 'button', class: 'btn', id: 'confirm_submit_btn', onclick: () => submit(false) }, t('submit'))));
    dlg.addEventListener('cancel', () => setTimeout(() => focusIn('#submit_btn')));
    main.append(dlg);
    if (dlg.showModal) dlg.showModal(); else { dlg.setAttribute('open', ''); focusIn('#cancel_submit_btn'); }
  }

  function closeDlg(refocus) {
    const d = $('#confirm_dialog');
    if (!d) return;
    if (d.close) d.close();
    d.remove();
    if (refocus) focusIn('#submit_btn');
  }

  async function submit(auto) {
    if (S.sending || gone) return;
    S.sending = true;
    S.auto = auto;
    closeDlg();
    S.step = 'sending';
    S.msg = auto ? 'time_up' : 'submitting';
    render();
    const status = (k) => { S.msg = k; const e = $('#submit_status'); if (e) e.textContent = t(k); };
    if (saver.count() && !saver.dead) {
      if (!auto) status('flushing');
      await saver.flush(saveUntil());
    }
    const body = !auto && predEnabled() ? { prediction: Number(S.pred.trim()) } : {};
    for (let n = 1; !gone; n++) {
      try {
        const { data } = await api('POST', `/attempts/${encodeURIComponent(attemptId())}/submit`, { token, body });
        return done(data);
      } catch (e) {
        if (gone) return;
        if (e.code === 'prediction_required' && !auto && serverNow(S.offset) < S.deadline) {
          S.sending = false; S.step = 'submit'; S.predErr = 'required'; render(); return focusIn('#prediction');
        }
        if (e.code === 'attempt_finished') return done(null);
        if (retryable(e) || e.code === 'prediction_required') {
          status('submit_retry');
          await sleep(e.code === 'prediction_required' ? 1000 : backoff(n, e.retryAfter));
          continue;
        }
        S.subErr = e;
        S.msg = 'submit_retry';
        return pane();
      }
    }
  }

  function done(data) {
    clearInterval(tick);
    if (saver) { saver.subs.delete(onSave); saver.destroy(); }
    if (data) stash.set(attemptId(), data);
    if (!gone) ctx.go(base + '/result/' + encodeURIComponent(attemptId()), true);
  }

  init();
  return {
    onLang: () => { if (S.a && !S.err) { closeDlg(); render(); } else render(); },
    unmount() { gone = true; clearInterval(tick); if (saver) saver.subs.delete(onSave); },
  };
}
