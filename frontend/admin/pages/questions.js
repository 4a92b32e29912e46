// /admin/c/{slug}/questions: the question bank: search, edit with versions, preview, regrade, import.
import { t, errText } from '../i18n.js';
import { t as ct } from '../../i18n.js';
import {
  h, clear, $, field, checkField, input, select, table, showErrors, loading, errorBox, contestHead, importReport,
  say, debounce, fmtAt,
} from '../ui.js';
import { get, post, patch, upload, adm, url, contestOf } from '../api.js';

const KEYS = ['A', 'B', 'C', 'D', 'E', 'F'];
const letters = (key) => (key && key.length ? key.join(', ') : '—');

export function mount(main, [slug], ctx) {
  let C = null, topics = [], list = null, err = null, listErr = null, gone = false, busy = false;
  const F = { q: '', topic: '', active: '' };
  let E = null; // editor: {id, detail, model: {text, options: [{text, key}], points, explanation, difficulty, topic, active}}
  let P = null; // preview source: {v: version-like {text, options, key, multiple, version}, label}
  let report = null, reportReal = false, reportFile = '', checked = null;
  let editorDirty = false;
  let seq = 0;
  const fileInput = h('input', { type: 'file', id: 'questions_file', accept: '.xlsx,.csv,.txt,.gift,text/csv,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    onchange: () => { checked = null; report = null; $('#questions_import_btn').disabled = true; clear($('#questions_report_host')); } });

  async function load() {
    err = null;
    clear(main, loading());
    try {
      const [c, tp] = await Promise.all([contestOf(slug), get(adm(slug, '/topics'))]);
      C = c; topics = tp;
      await fetchList();
    } catch (e) { err = e; }
    if (gone) return;
    render();
    ctx.ready();
    const want = new URLSearchParams(location.search).get('edit');
    if (want) openEditor(want);
  }

  async function fetchList() {
    const my = ++seq;
    try {
      const r = await get(adm(slug, '/questions'), { q: F.q.trim(), topic: F.topic, active: F.active });
      if (my !== seq) return false;
      list = r; listErr = null;
    } catch (e) {
      if (my !== seq) return false;
      listErr = e; if (!list) list = [];
    }
    return true;
  }

  // ---------- page ----------
  function render() {
    if (gone) return;
    const title = C ? C.title : slug;
    ctx.title(t('tab_questions') + ' – ' + title);
    if (err) return clear(main, contestHead(slug, 'questions', title), h('h1', null, t('questions_h')), errorBox(err, load));
    clear(main,
      contestHead(slug, 'questions', title),
      h('div', { class: 'page-head' },
        h('h1', null, t('questions_h')),
        h('button', { type: 'button', class: 'btn', id: 'new_question_btn', onclick: () => openEditor(null) }, t('new_question'))),
      h('div', { id: 'regrade_outcome_host' }),
      listSection(),
      h('div', { id: 'editor_host' }, E && editorSection()),
      h('div', { id: 'preview_host' }, P && previewSection()),
      importSection());
  }

  function listSection() {
    return h('section', { class: 'box', 'aria-labelledby': 'qlist_h' },
      h('h2', { id: 'qlist_h' }, t('qlist_h')),
      h('div', { class: 'filters' },
        h('div', { class: 'field grow' },
          h('label', { for: 'q_search' }, t('q_search')),
          h('input', { type: 'search', id: 'q_search', value: F.q, autocomplete: 'off', 'aria-controls': 'questions_table', 'aria-describedby': 'q_count',
            oninput: (e) => { F.q = e.target.value; refetch(); } })),
        h('div', { class: 'field' },
          h('label', { for: 'q_topic' }, t('q_topic')),
          select('q_topic', [['', t('all_topics')], ...topics.map((x) => [x.code, x.name])], F.topic, { onchange: (e) => { F.topic = e.target.value; refetch(true); } })),
        h('div', { class: 'field' },
          h('label', { for: 'q_active' }, t('q_active')),
          select('q_active', [['', t('all')], ['true', t('active_only')], ['false', t('inactive_only')]], F.active, { onchange: (e) => { F.active = e.target.value; refetch(true); } }))),
      h('p', { id: 'q_count', role: 'status', class: 'hint' }, t('q_count', { n: list.length })),
      h('div', { id: 'qtable_host' }, qTable()));
  }

  const refetchSoon = debounce(async () => { if (await fetchList()) refreshTable(); }, 300);
  function refetch(now) { if (now) { fetchList().then((ok) => ok && refreshTable()); } else refetchSoon(); }

  function refreshTable() {
    if (gone || !$('#qtable_host')) return;
    clear($('#qtable_host'), qTable());
    $('#q_count').textContent = t('q_count', { n: list.length });
  }

  function qTable() {
    if (listErr) return errorBox(listErr, () => refetch(true), 'list_error');
    if (!list.length) return h('p', { class: 'muted', id: 'no_questions' }, F.q || F.topic || F.active ? t('no_match') : t('no_questions'));
    return table('questions_table', t('qlist_h'), ['#', t('q_text'), t('q_topic'), t('q_key'), t('q_points'), t('q_version'), t('q_state'), t('actions')],
      list.map((q, i) => h('tr', { 'data-id': q.id, class: q.active ? '' : 'row-off' },
        h('td', { class: 'num' }, i + 1),
        h('td', { class: 'qcell' }, h('span', { class: 'clip' }, q.current.text), q.duplicates && q.duplicates.length ? h('span', { class: 'badge b-upcoming dup' }, t('duplicate')) : null),
        h('td', null, q.topic.name),
        h('td', null, h('strong', null, letters(q.current.key)), q.current.multiple ? h('span', { class: 'hint' }, ' ', t('multi')) : null),
        h('td', { class: 'num' }, q.current.points),
        h('td', { class: 'num' }, 'v' + q.current.version),
        h('td', null, q.active ? h('span', { class: 'badge b-open' }, t('active')) : h('span', { class: 'badge b-closed' }, t('inactive'))),
        h('td', { class: 'acts' },
          h('button', { type: 'button', class: 'btn btn-2 btn-sm', 'data-action': 'edit', 'aria-label': t('edit_q', { n: i + 1 }), onclick: () => openEditor(q.id) }, t('edit')),
          h('button', { type: 'button', class: 'btn btn-2 btn-sm', 'data-action': 'preview', 'aria-label': t('preview_q', { n: i + 1 }), onclick: () => showPreview(q.current, t('preview_of', { n: i + 1, v: q.current.version }), true) }, t('preview')),
          h('button', { type: 'button', class: 'btn btn-2 btn-sm', 'data-action': 'regrade', 'aria-label': t('regrade_q', { n: i + 1 }), onclick: () => openRegrade(q.id) }, t('regrade'))))));
  }

  // ---------- editor ----------
  async function openEditor(id) {
    if (E && editorDirty && !confirm(t('leave_unsaved'))) return;
    let detail = null;
    if (id) {
      try { detail = await get(adm(slug, '/questions/' + encodeURIComponent(id))); } catch (e) { say($('#q_count'), errText(e), 'err'); return; }
      if (gone) return;
    }
    const v = detail ? detail.current : null;
    E = {
      id, detail,
      model: v ? {
        text: v.text, options: v.options.map((o, i) => ({ text: o, key: v.key.includes(KEYS[i]) })), points: String(v.points),
        explanation: v.explanation || '', difficulty: v.difficulty || '', tags: (v.tags || []).join(', '), topic: detail.topic.name, active: detail.active,
      } : { text: '', options: [{ text: '', key: false }, { text: '', key: false }, { text: '', key: false }, { text: '', key: false }], points: '1', explanation: '', difficulty: '', tags: '', topic: F.topic ? (topics.find((x) => x.code === F.topic) || {}).name || '' : '', active: true },
    };
    editorDirty = false;
    clear($('#editor_host'), editorSection());
    livePreview();
    $('#question_editor').scrollIntoView({ block: 'start' });
    $('#qe_text').focus();
  }

  function readEditor() {
    const m = E.model;
    m.text = $('#qe_text').value;
    m.options = m.options.map((o, i) => ({ text: $('#qe_opt_' + i).value, key: $('#qe_key_' + i).checked }));
    m.points = $('#qe_points').value;
    m.explanation = $('#qe_explanation').value;
    m.difficulty = $('#qe_difficulty').value;
    m.tags = $('#qe_tags').value;
    m.topic = $('#qe_topic').value;
    m.active = $('#qe_active').checked;
  }

  function editorSection() {
    const m = E.model, d = E.detail;
    const cur = d ? d.current.version : 0;
    return h('section', { class: 'box editor', id: 'question_editor', 'aria-labelledby': 'qe_h' },
      h('h2', { id: 'qe_h', tabindex: '-1' }, d ? t('qe_edit_h', { v: cur }) : t('qe_new_h')),
      d && h('p', { class: 'box note inner', id: 'qe_version_note' }, t('qe_version_note', { v: cur, next: cur + 1 })),
      h('form', { id: 'question_form', novalidate: true, onsubmit: saveQuestion, oninput: onEditorInput, onchange: onEditorInput },
        field({ label: t('qe_text'), path: 'text', control: h('textarea', { id: 'qe_text', name: 'qe_text', rows: 3, required: true, value: m.text }) }),
        h('fieldset', { class: 'field row-err-host', id: 'qe_options_group' },
          h('legend', null, t('qe_options')),
          h('p', { class: 'hint', id: 'qe_options_hint' }, t('h_qe_options')),
          h('p', { class: 'err', 'data-err': 'options', id: 'err_options' }),
          h('p', { class: 'err', 'data-err': 'key', id: 'err_key' }),
          h('div', { id: 'qe_options' }, m.options.map((o, i) => h('div', { class: 'optrow', 'data-key': KEYS[i] },
            h('span', { class: 'key', 'aria-hidden': 'true' }, KEYS[i]),
            h('label', { class: 'sr-only', for: 'qe_opt_' + i }, t('option_x', { x: KEYS[i] })),
            input('qe_opt_' + i, { value: o.text, class: 'grow' }),
            h('label', { class: 'check keychk', for: 'qe_key_' + i },
              h('input', { type: 'checkbox', id: 'qe_key_' + i, checked: o.key }),
              h('span', null, t('is_right'), h('span', { class: 'sr-only' }, ' ', KEYS[i]))),
            h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'qe_del_' + i, 'aria-label': t('remove_option', { x: KEYS[i] }), disabled: m.options.length <= 2,
              onclick: () => { readEditor(); m.options.splice(i, 1); redraw('#qe_add_option_btn'); } }, '✕')))),
          h('button', { type: 'button', class: 'btn btn-2 btn-sm', id: 'qe_add_option_btn', disabled: m.options.length >= 6,
            onclick: () => { readEditor(); m.options.push({ text: '', key: false }); redraw('#qe_opt_' + (m.options.length - 1)); } }, t('add_option'))),
        h('div', { class: 'grid3' },
          field({ label: t('q_points'), hint: t('h_qe_points'), path: 'points', control: input('qe_points', { type: 'number', min: 1, max: 100, value: m.points, class: 'num-in' }) }),
          field({ label: t('q_topic'), hint: t('h_qe_topic'), path: 'topic', control: input('qe_topic', { value: m.topic, list: 'qe_topics_dl' }),
            after: h('datalist', { id: 'qe_topics_dl' }, topics.map((x) => h('option', { value: x.name }))) }),
          field({ label: t('qe_difficulty'), optional: true, path: 'difficulty', control: input('qe_difficulty', { value: m.difficulty, list: 'qe_diff_dl', maxlength: 32 }),
            after: h('datalist', { id: 'qe_diff_dl' }, [t('diff_easy'), t('diff_medium'), t('diff_hard')].map((x) => h('option', { value: x }))) })),
        field({ label: t('qe_tags'), hint: t('h_qe_tags'), optional: true, path: 'tags', control: input('qe_tags', { value: m.tags }) }),
        field({ label: t('qe_explanation'), hint: t('h_qe_explanation'), optional: true, path: 'explanation', control: h('textarea', { id: 'qe_explanation', name: 'qe_explanation', rows: 2, value: m.explanation }) }),
        checkField({ id: 'qe_active', label: t('qe_active'), hint: t('h_qe_active'), checked: m.active, path: 'active' }),
        h('p', { class: 'err form-err', id: 'qe_error', role: 'alert' }),
        h('div', { class: 'inline' },
          h('button', { type: 'submit', class: 'btn', id: 'qe_save_btn' }, d ? t('qe_save_version') : t('qe_add')),
          h('button', { type: 'button', class: 'btn btn-2', id: 'qe_cancel_btn', onclick: closeEditor }, t('cancel')),
          d && h('button', { type: 'button', class: 'btn btn-2', id: 'qe_regrade_btn', onclick: () => openRegrade(E.id) }, t('regrade')),
          h('p', { id: 'qe_status', role: 'status', class: 'save-status' }))),
      d && versionsSection(d));
  }

  function versionsSection(d) {
    return h('section', { class: 'versions', id: 'versions', 'aria-labelledby': 'versions_h' },
      h('h3', { id: 'versions_h' }, t('versions_h', { n: d.versions.length })),
      h('ol', { class: 'vlist', reversed: true }, [...d.versions].reverse().map((v) => h('li', { 'data-version': v.version, class: v.version === d.current.version ? 'vcur' : '' },
        h('p', { class: 'vhead' }, h('strong', null, 'v' + v.version), ' · ', fmtAt(v.created_at), v.version === d.current.version ? [' · ', h('span', { class: 'badge b-open' }, t('current'))] : null),
        h('p', { class: 'vtext' }, v.text),
        h('ol', { class: 'vopts', type: 'A' }, v.options.map((o, i) => h('li', { class: v.key.includes(KEYS[i]) ? 'right' : '' }, o, v.key.includes(KEYS[i]) ? h('span', { class: 'tick' }, ' ✓ ', h('span', { class: 'sr-only' }, t('is_right'))) : null))),
        h('p', { class: 'hint' }, t('v_meta', { k: letters(v.key), p: v.points }), v.difficulty ? ' · ' + v.difficulty : ''),
        h('div', { class: 'inline' },
          h('button', { type: 'button', class: 'btn btn-2 btn-sm', 'data-action': 'preview-version', onclick: () => showPreview(v, t('preview_version', { v: v.version }), true) }, t('preview_v', { v: v.version })),
          h('button', { type: 'button', class: 'btn btn-2 btn-sm', 'data-action': 'regrade-version', onclick: () => openRegrade(E.id, v.version) }, t('regrade_v', { v: v.version })))))));
  }

  function redraw(focusSel) {
    clear($('#editor_host'), editorSection());
    editorDirty = true;
    livePreview();
    const e = focusSel && $(focusSel);
    if (e) e.focus();
  }

  function onEditorInput() {
    editorDirty = true;
    readEditor();
    livePreview();
  }

  function livePreview() {
    const m = E.model;
    const key = m.options.map((o, i) => (o.key ? KEYS[i] : null)).filter(Boolean);
    const label = !E.id ? t('preview_new') : editorDirty ? t('preview_editing') : t('preview_version', { v: E.detail.current.version });
    showPreview({ text: m.text, options: m.options.map((o) => o.text), key, multiple: key.length > 1 }, label, false);
  }

  function closeEditor() {
    if (editorDirty && !confirm(t('leave_unsaved'))) return;
    E = null; editorDirty = false;
    clear($('#editor_host'));
    $('#new_question_btn').focus();
  }

  async function saveQuestion(e) {
    e.preventDefault();
    if (busy) return;
    readEditor();
    const m = E.model, form = $('#question_form');
    const errs = {};
    if (!m.text.trim()) errs.text = 'required';
    if (m.options.some((o) => !o.text.trim())) errs.options = 'option_empty';
    if (!m.options.some((o) => o.key)) errs.key = 'key_required';
    if (!/^\d+$/.test(m.points.trim())) errs.points = 'invalid';
    const placed = showErrors(form, errs);
    $('#qe_error').textContent = '';
    if (placed.length) {
      const empty = errs.text ? null : m.options.findIndex((o) => !o.text.trim());
      if (empty != null && empty >= 0) $('#qe_opt_' + empty).focus(); else focusFirst(form);
      return;
    }
    const body = {
      text: m.text, options: m.options.map((o) => o.text), key: m.options.map((o, i) => (o.key ? KEYS[i] : null)).filter(Boolean),
      points: Number(m.points), explanation: m.explanation, difficulty: m.difficulty, active: m.active,
      tags: m.tags.split(',').map((x) => x.trim()).filter(Boolean),
    };
    if (m.topic.trim()) body.topic = m.topic.trim();
    busy = true;
    const btn = $('#qe_save_btn');
    btn.disabled = true;
    const prevVersion = E.detail ? E.detail.current.version : null;
    try {
      const q = E.id ? await patch(adm(slug, '/questions/' + encodeURIComponent(E.id)), body) : await post(adm(slug, '/questions'), body);
      const wasNew = !E.id;
      topics = await get(adm(slug, '/topics')).catch(() => topics);
      await fetchList();
      if (gone) return;
      editorDirty = false;
      render();
      await openEditor(q.id);
      if (E && E.detail) {
        const v = E.detail.current.version;
        const grew = !wasNew && v !== (prevVersion || v);
        let msg = wasNew ? t('q_added') : grew ? t('q_saved_new_version', { v, p: prevVersion }) : t('q_saved_same');
        if (q.duplicates && q.duplicates.length) msg += ' ' + t('dup_warning');
        say($('#qe_status'), msg, 'ok');
        $('#qe_save_btn').focus();
      }
    } catch (ex) {
      btn.disabled = false;
      if (ex.fields) { showErrors(form, ex.fields); focusFirst(form); } else $('#qe_error').textContent = errText(ex);
    } finally { busy = false; }
  }

  function focusFirst(form) {
    const c = form.querySelector('[aria-invalid="true"]') || form.querySelector('.has-err input, .has-err textarea');
    if (c) c.focus();
  }

  // ---------- preview ----------
  function showPreview(v, label, focus) {
    P = { v, label };
    const host = $('#preview_host');
    if (!host) return;
    clear(host, previewSection());
    if (focus) { const p = $('#preview'); p.scrollIntoView({ block: 'start' }); $('#preview_h').focus(); }
  }

  function previewSection() {
    const { v, label } = P;
    const n = C ? C.questions_per_attempt : 20;
    const type = v.multiple ? 'checkbox' : 'radio';
    const opts = (v.options || []).map((text, i) => ({ key: KEYS[i], text }));
    return h('section', { class: 'box preview-box', id: 'preview', 'aria-labelledby': 'preview_h' },
      h('h2', { id: 'preview_h', tabindex: '-1' }, t('preview_h')),
      h('p', { class: 'hint', id: 'preview_label' }, label, C && C.shuffle_options ? ' ' + t('preview_shuffled') : ''),
      h('div', { class: 'phone-frame' },
        h('form', { class: 'quiz-preview', onsubmit: (e) => e.preventDefault() },
          h('fieldset', { class: 'q', 'aria-describedby': 'preview_q_hint' },
            h('legend', null, h('span', { class: 'qno' }, ct('q_of', { n: 1, t: n })), h('span', { id: 'question_text' }, v.text || '…')),
            h('p', { class: 'hint', id: 'preview_q_hint' }, ct(v.multiple ? 'pick_many' : 'pick_one')),
            h('div', { class: 'opts' }, opts.map((o) => h('label', { class: 'opt' },
              h('input', { type, name: 'preview_choice', value: o.key }),
              h('span', { class: 'key', 'aria-hidden': 'true' }, o.key), h('span', { class: 'sr-only' }, o.key + '. '),
              h('span', { class: 'otext' }, o.text || '…'))))))),
      h('p', { class: 'preview-key', id: 'preview_key' }, t('staff_only_key'), ' ', h('strong', null, letters(v.key))));
  }

  // ---------- regrade ----------
  async function openRegrade(id, version) {
    let d;
    try { d = E && E.id === id && E.detail ? E.detail : await get(adm(slug, '/questions/' + encodeURIComponent(id))); } catch (e) { say($('#q_count'), errText(e), 'err'); return; }
    const back = document.activeElement;
    let ver = version || d.current.version;
    let step = 'choose', chosen = null, outcome = null, failure = null;
    const vOf = () => d.versions.find((x) => x.version === ver) || d.current;
    const dlg = h('dialog', { id: 'regrade_dialog', class: 'dlg dlg-wide', 'aria-labelledby': 'rg_h' });
    const finish = () => {
      if (dlg.open) dlg.close();
      dlg.remove();
      // The table may have been redrawn meanwhile: go back to this question's button then.
      const to = back && back.isConnected ? back : $(`tr[data-id="${CSS.escape(id)}"] [data-action=regrade]`) || $('#q_search');
      if (to) to.focus();
    };
    dlg.addEventListener('cancel', (e) => { if (step === 'sending') e.preventDefault(); else { e.preventDefault(); finish(); } });

    function draw() {
      const v = vOf();
      const chosenKey = chosen || v.key;
      const same = chosenKey.join() === v.key.join();
      let body;
      if (step === 'choose') {
        body = [
          h('p', { class: 'rg-q' }, v.text),
          d.versions.length > 1 && h('div', { class: 'field' },
            h('label', { for: 'rg_version' }, t('rg_version')),
            select('rg_version', d.versions.map((x) => [x.version, 'v' + x.version + (x.version === d.current.version ? ' (' + t('current') + ')' : '')]), ver,
              { onchange: (e) => { ver = Number(e.target.value); chosen = null; draw(); $('#rg_version').focus(); } })),
          h('p', { id: 'rg_current' }, t('rg_current', { v: v.version, k: letters(v.key) })),
          h('fieldset', { class: 'field', id: 'rg_keys' },
            h('legend', null, t('rg_new_key')),
            h('p', { class: 'hint' }, t('h_rg_new_key')),
            h('div', { class: 'opts' }, v.options.map((o, i) => h('label', { class: 'opt' },
              h('input', { type: 'checkbox', id: 'rg_key_' + KEYS[i], value: KEYS[i], checked: chosenKey.includes(KEYS[i]),
                onchange: () => { chosen = KEYS.slice(0, v.options.length).filter((k) => $('#rg_key_' + k).checked); updSummary(); } }),
              h('span', { class: 'key', 'aria-hidden': 'true' }, KEYS[i]), h('span', { class: 'sr-only' }, KEYS[i] + '. '),
              h('span', { class: 'otext' }, o))))),
          h('p', { id: 'rg_summary', role: 'status', class: 'rg-sum' }),
          h('div', { class: 'navrow' },
            h('button', { type: 'button', class: 'btn btn-2', id: 'rg_cancel_btn', onclick: finish }, t('cancel')),
            h('button', { type: 'button', class: 'btn', id: 'rg_next_btn', disabled: same || !chosenKey.length, onclick: () => { step = 'confirm'; draw(); $('#rg_confirm_btn').focus(); } }, t('continue'))),
        ];
      } else if (step === 'confirm' || step === 'sending') {
        body = [
          h('div', { id: 'rg_confirm_msg' },
            h('p', null, t('rg_confirm_1', { v: v.version, a: letters(v.key), b: letters(chosenKey) })),
            h('ul', null,
              h('li', null, t('rg_confirm_2')),
              h('li', null, t('rg_confirm_3')),
              h('li', null, t('rg_confirm_4')),
              h('li', null, t('rg_confirm_5')))),
          failure && h('p', { class: 'err', role: 'alert', id: 'rg_error' }, errText(failure)),
          h('div', { class: 'navrow' },
            h('button', { type: 'button', class: 'btn btn-2', id: 'rg_back_btn', disabled: step === 'sending', onclick: () => { step = 'choose'; failure = null; draw(); $('#rg_next_btn').focus(); } }, t('back')),
            h('button', { type: 'button', class: 'btn btn-danger', id: 'rg_confirm_btn', disabled: step === 'sending', onclick: send }, step === 'sending' ? t('regrading') : t('rg_do'))),
        ];
      } else {
        const o = outcome;
        body = [
          h('div', { id: 'regrade_result', role: 'status', tabindex: '-1' },
            h('p', null, h('strong', null, t('rg_done', { v: o.version }))),
            h('dl', { class: 'facts' },
              h('div', null, h('dt', null, t('rg_old_key')), h('dd', { id: 'rg_old_key' }, letters(o.old_key))),
              h('div', null, h('dt', null, t('rg_new_key_short')), h('dd', { id: 'rg_new_key' }, letters(o.new_key))),
              h('div', null, h('dt', null, t('rg_answered')), h('dd', { id: 'rg_answered' }, o.answered)),
              h('div', null, h('dt', null, t('rg_rescored')), h('dd', { id: 'rg_rescored' }, o.rescored)),
              h('div', null, h('dt', null, t('rg_rounds')), h('dd', { id: 'rg_rounds' }, o.rounds_touched.length ? o.rounds_touched.map((n) => t('round_n', { n })).join(', ') : t('none')))),
            o.rounds_touched.length ? h('p', { class: 'banner' }, t('rg_refinalize')) : null),
          h('div', { class: 'navrow' }, h('button', { type: 'button', class: 'btn', id: 'rg_close_btn', onclick: finish }, t('close'))),
        ];
      }
      clear(dlg, h('h2', { id: 'rg_h' }, t('rg_title')), body);
      if (step === 'choose') updSummary();
    }

    function updSummary() {
      const v = vOf();
      const k = chosen || v.key;
      const same = k.join() === v.key.join();
      const s = $('#rg_summary');
      if (s) s.textContent = !k.length ? t('rg_pick') : same ? t('rg_same') : t('rg_will', { a: letters(v.key), b: letters(k) });
      const nb = $('#rg_next_btn');
      if (nb) nb.disabled = same || !k.length;
    }

    async function send() {
      step = 'sending'; failure = null; draw();
      try {
        outcome = await post(adm(slug, '/questions/' + encodeURIComponent(id) + '/regrade'), { key: chosen, version: ver });
        step = 'done';
        draw();
        $('#regrade_result').focus();
        await fetchList();
        if (gone) return;
        refreshTable();
        clear($('#regrade_outcome_host'), h('p', { class: 'box ok-box', id: 'regrade_outcome', role: 'status' },
          t('rg_summary_line', { v: outcome.version, a: letters(outcome.old_key), b: letters(outcome.new_key), n: outcome.answered, m: outcome.rescored })));
        if (E && E.id === id) {
          const nd = await get(adm(slug, '/questions/' + encodeURIComponent(id))).catch(() => null);
          if (nd && E && E.id === id) { E.detail = nd; if (!editorDirty) { E.model.options = nd.current.options.map((o, i) => ({ text: o, key: nd.current.key.includes(KEYS[i]) })); } clear($('#editor_host'), editorSection()); }
        }
      } catch (ex) {
        failure = ex; step = 'confirm'; draw();
        $('#rg_error').focus();
      }
    }

    document.body.append(dlg);
    draw();
    dlg.showModal();
    const first = $('#rg_version') || $('#rg_key_A');
    if (first) first.focus();
  }

  // ---------- import ----------
  function importSection() {
    const base = url(adm(slug, '/questions'));
    return h('section', { class: 'box', id: 'questions_import', 'aria-labelledby': 'qimp_h' },
      h('h2', { id: 'qimp_h' }, t('q_import_h')),
      h('p', { class: 'hint' }, t('q_import_intro')),
      h('p', { class: 'hint' }, t('q_import_cols'), ' ', h('span', { class: 'cols' }, 'STT, Chủ đề, Câu hỏi, Phương án A … Phương án F, Đáp án, Điểm, Giải thích, Mức độ')),
      h('p', { class: 'dl-links' },
        h('a', { href: base + '/template.xlsx', id: 'template_link', download: 'mau-cau-hoi.xlsx' }, t('dl_template')), ' · ',
        h('a', { href: base + '/export.xlsx', id: 'export_xlsx_link', download: slug + '-cau-hoi.xlsx' }, t('dl_export_xlsx')), ' · ',
        h('a', { href: base + '/export.gift', id: 'export_gift_link', download: slug + '-cau-hoi.gift.txt' }, t('dl_export_gift'))),
      h('div', { class: 'grid2' },
        h('div', { class: 'field' }, h('label', { for: 'questions_file' }, t('choose_file')), fileInput),
        h('div', { class: 'field' },
          h('label', { for: 'questions_format' }, t('q_format')),
          select('questions_format', [['', t('fmt_auto')], ['xlsx', 'Excel (.xlsx)'], ['csv', 'CSV'], ['gift', 'Moodle GIFT'], ['aiken', 'Aiken']], '',
            { onchange: () => { checked = null; $('#questions_import_btn').disabled = true; } }))),
      h('div', { class: 'inline' },
        h('button', { type: 'button', class: 'btn btn-2', id: 'questions_dry_run_btn', onclick: () => runImport(true) }, t('dry_run_btn')),
        h('button', { type: 'button', class: 'btn', id: 'questions_import_btn', disabled: !checked, onclick: () => runImport(false) }, t('import_btn'))),
      h('p', { class: 'hint' }, t('import_after_check')),
      h('p', { id: 'questions_import_status', role: 'status', class: 'save-status' }),
      h('div', { id: 'questions_report_host' }, report && importReport(report, { real: reportReal, file: reportFile })));
  }

  async function runImport(dry) {
    const file = fileInput.files && fileInput.files[0];
    const st = $('#questions_import_status');
    if (!file) { say(st, t('no_file'), 'err'); fileInput.focus(); return; }
    if (busy) return;
    busy = true;
    const format = $('#questions_format').value;
    say(st, dry ? t('checking') : t('importing'), '');
    $('#questions_dry_run_btn').disabled = $('#questions_import_btn').disabled = true;
    let rep = null;
    try {
      rep = await upload(adm(slug, '/questions/import'), file, { dry_run: dry ? 'true' : null, format });
    } catch (ex) {
      if (ex.data && Array.isArray(ex.data.errors)) rep = ex.data;
      else say(st, errText(ex), 'err');
    }
    busy = false;
    if (gone) return;
    $('#questions_dry_run_btn').disabled = false;
    if (!rep) { $('#questions_import_btn').disabled = !checked; return; }
    report = rep; reportReal = !dry; reportFile = file.name;
    checked = dry && !rep.invalid && !(rep.errors || []).length ? file : null;
    say(st, '', '');
    if (!dry && rep.imported) {
      checked = null;
      fileInput.value = '';
      topics = await get(adm(slug, '/topics')).catch(() => topics);
      await fetchList();
      if (gone) return;
      render();
    } else {
      clear($('#questions_report_host'), importReport(report, { real: reportReal, file: reportFile }));
      $('#questions_import_btn').disabled = !checked;
    }
    $('#import_summary').focus();
  }

  load();
  return {
    onLang() {
      if (!C && !err) return;
      if (E && $('#question_form')) readEditor();
      render();
    },
    canLeave: () => !(E && editorDirty),
    unmount() { gone = true; const d = $('#regrade_dialog'); if (d) d.remove(); },
  };
}
