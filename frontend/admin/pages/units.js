// /admin/c/{slug}/units: the contest's units (đơn vị): list, search, add, edit, delete, import.
import { t, errText } from '../i18n.js';
import {
  h, clear, $, field, input, table, showErrors, loading, errorBox, confirmDlg, contestHead, importReport, say, num,
} from '../ui.js';
import { get, post, patch, del, upload, adm, contestOf } from '../api.js';
import { fold, matches } from '../../util/fold.js';

export function mount(main, [slug], ctx) {
  let C = null, units = null, err = null, gone = false;
  let editing = null; // code of the unit in the form, or null for a new one
  let q = '';
  let report = null, reportReal = false, reportFile = '', checked = null; // checked: the File that passed a dry run
  let busy = false;
  // One file input for the page's life: re-rendering keeps the chosen file.
  const fileInput = h('input', { type: 'file', id: 'units_file', accept: '.xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    onchange: () => { checked = null; report = null; $('#units_import_btn').disabled = true; clear($('#units_report_host')); } });

  async function load() {
    err = null;
    if (!units) clear(main, loading());
    try {
      const [c, u] = await Promise.all([contestOf(slug).catch(() => null), get(adm(slug, '/units'))]);
      C = c; units = u;
    } catch (e) { err = e; }
    if (!gone) render();
  }

  function filtered() {
    const f = fold(q);
    if (!f) return units;
    return units.filter((u) => matches(fold(u.code + ' ' + u.name + ' ' + u.block), f));
  }

  function render() {
    if (gone) return;
    const title = C ? C.title : slug;
    ctx.title(t('tab_units') + ' – ' + title);
    if (err && !units) return clear(main, contestHead(slug, 'units', title), h('h1', null, t('units_h')), errorBox(err, load));
    const focusId = document.activeElement && document.activeElement.id;
    clear(main,
      contestHead(slug, 'units', title),
      h('h1', null, t('units_h')),
      h('p', { class: 'hint' }, t('units_intro')),
      listSection(),
      formSection(),
      importSection());
    ctx.ready();
    if (focusId && $('#' + focusId) && focusId !== 'main') $('#' + focusId).focus();
  }

  function listSection() {
    const rows = filtered();
    const blocks = new Set(units.map((u) => u.block));
    const total = units.reduce((s, u) => s + (u.headcount || 0), 0);
    return h('section', { class: 'box', 'aria-labelledby': 'units_list_h' },
      h('h2', { id: 'units_list_h' }, t('units_list')),
      h('p', { id: 'units_summary' }, t('units_count', { n: units.length, b: blocks.size, p: num(total) })),
      h('div', { class: 'field' },
        h('label', { for: 'units_search' }, t('units_search')),
        h('input', { id: 'units_search', type: 'search', value: q, autocomplete: 'off', 'aria-controls': 'units_table', 'aria-describedby': 'units_shown',
          oninput: (e) => { q = e.target.value; refreshTable(); } }),
        h('p', { class: 'hint', id: 'units_shown', role: 'status' }, t('units_shown', { n: rows.length, t: units.length }))),
      h('p', { id: 'units_status', role: 'status', class: 'save-status' }),
      h('div', { id: 'units_table_host' }, unitTable(rows)));
  }

  function unitTable(rows) {
    if (!units.length) return h('p', { class: 'muted', id: 'no_units' }, t('no_units'));
    return table('units_table', t('units_list'), [t('u_code'), t('u_name'), t('u_block'), t('u_headcount'), t('actions')],
      rows.map((u) => h('tr', { 'data-code': u.code },
        h('td', null, h('code', { class: 'code' }, u.code)),
        h('td', null, u.name),
        h('td', null, u.block),
        h('td', { class: 'num' }, u.headcount == null ? '—' : num(u.headcount)),
        h('td', { class: 'acts' },
          h('button', { type: 'button', class: 'btn btn-2 btn-sm', 'data-action': 'edit', id: 'unit_edit_' + u.code, 'aria-label': t('edit_x', { x: u.name }), onclick: () => startEdit(u) }, t('edit')),
          h('button', { type: 'button', class: 'btn btn-2 btn-sm btn-danger-2', 'data-action': 'delete', id: 'unit_del_' + u.code, 'aria-label': t('delete_x', { x: u.name }), onclick: () => remove(u) }, t('delete'))))));
  }

  function refreshTable() {
    const rows = filtered();
    clear($('#units_table_host'), unitTable(rows));
    $('#units_shown').textContent = t('units_shown', { n: rows.length, t: units.length });
  }

  function formSection() {
    const u = editing ? units.find((x) => x.code === editing) : null;
    const blocks = [...new Set(units.map((x) => x.block))];
    return h('section', { class: 'box', 'aria-labelledby': 'unit_form_h', id: 'unit_form_sec' },
      h('h2', { id: 'unit_form_h', tabindex: '-1' }, u ? t('unit_edit_h', { x: u.name }) : t('unit_add_h')),
      h('form', { id: 'unit_form', novalidate: true, onsubmit: saveUnit },
        h('div', { class: 'grid2' },
          field({ label: t('u_code'), hint: u ? t('h_u_code_fixed') : t('h_u_code'), path: 'code', control: input('unit_code', { value: u ? u.code : '', disabled: !!u, required: true, maxlength: 64, spellcheck: 'false', autocapitalize: 'characters' }) }),
          field({ label: t('u_name'), path: 'name', control: input('unit_name', { value: u ? u.name : '', required: true, maxlength: 300 }) }),
          field({ label: t('u_block'), hint: t('h_u_block'), path: 'block', control: input('unit_block', { value: u ? u.block : '', list: 'blocks_dl', required: true, maxlength: 300 }),
            after: h('datalist', { id: 'blocks_dl' }, blocks.map((b) => h('option', { value: b }))) }),
          field({ label: t('u_headcount'), hint: t('h_u_headcount'), optional: true, path: 'headcount', control: input('unit_headcount', { type: 'number', min: 1, inputmode: 'numeric', value: u && u.headcount != null ? u.headcount : '', class: 'num-in' }) })),
        h('p', { class: 'err form-err', id: 'unit_form_error', role: 'alert' }),
        h('div', { class: 'inline' },
          h('button', { type: 'submit', class: 'btn', id: 'unit_save_btn' }, u ? t('save') : t('unit_add_btn')),
          u && h('button', { type: 'button', class: 'btn btn-2', id: 'unit_cancel_btn', onclick: () => { editing = null; render(); $('#unit_code').focus(); } }, t('cancel')),
          h('p', { id: 'unit_status', role: 'status', class: 'save-status' }))));
  }

  function startEdit(u) {
    editing = u.code;
    clear($('#unit_form_sec')).replaceWith(formSection());
    $('#unit_name').focus();
    $('#unit_form_sec').scrollIntoView({ block: 'start' });
  }

  async function saveUnit(e) {
    e.preventDefault();
    if (busy) return;
    const form = $('#unit_form');
    const code = $('#unit_code').value.trim(), name = $('#unit_name').value, block = $('#unit_block').value;
    const hc = $('#unit_headcount').value.trim();
    const errs = {};
    if (!editing && !code) errs.code = 'required';
    if (!name.trim()) errs.name = 'required';
    if (!block.trim()) errs.block = 'required';
    if (hc && !/^\d+$/.test(hc)) errs.headcount = 'invalid';
    showErrors(form, errs);
    $('#unit_form_error').textContent = '';
    if (Object.keys(errs).length) { form.querySelector('[aria-invalid]').focus(); return; }
    const body = { name, block, headcount: hc ? Number(hc) : null };
    busy = true;
    try {
      const wasEditing = editing;
      if (editing) await patch(adm(slug, '/units/' + encodeURIComponent(editing)), body);
      else await post(adm(slug, '/units'), { code, ...body });
      editing = null;
      units = await get(adm(slug, '/units'));
      if (gone) return;
      render();
      say($('#unit_status'), wasEditing ? t('unit_saved', { x: name }) : t('unit_added', { x: name }), 'ok');
      $('#unit_code').focus();
    } catch (ex) {
      const fields = ex.code === 'code_taken' ? { code: 'code_taken' } : ex.fields;
      if (fields) {
        const list = showErrors(form, fields);
        const first = list.find((x) => x.el);
        if (first) first.el.closest('.field').querySelector('input').focus();
      } else {
        $('#unit_form_error').textContent = errText(ex);
      }
    } finally { busy = false; }
  }

  async function remove(u) {
    const ok = await confirmDlg({ title: t('unit_del_q'), body: h('p', null, t('unit_del_expl', { x: u.name, c: u.code })), ok: t('delete'), danger: true });
    if (!ok) return;
    try {
      await del(adm(slug, '/units/' + encodeURIComponent(u.code)));
      units = units.filter((x) => x.code !== u.code);
      if (editing === u.code) editing = null;
      render();
      say($('#units_status'), t('unit_deleted', { x: u.name }), 'ok');
      $('#units_search').focus();
    } catch (ex) {
      const msg = ex.code === 'unit_in_use' ? t('e_unit_in_use', { x: u.name }) : errText(ex);
      await confirmDlg({ title: t('unit_del_failed'), body: h('p', { id: 'unit_del_error' }, msg), ok: t('ok') });
    }
  }

  // ---------- import ----------
  function importSection() {
    return h('section', { class: 'box', 'aria-labelledby': 'units_import_h', id: 'units_import' },
      h('h2', { id: 'units_import_h' }, t('units_import_h')),
      h('p', { class: 'hint' }, t('units_import_intro')),
      h('p', { class: 'hint' }, t('units_import_cols'), ' ', h('span', { class: 'cols' }, 'Mã đơn vị, Tên đơn vị, Khối, Số người')),
      h('div', { class: 'field' },
        h('label', { for: 'units_file' }, t('choose_file')),
        fileInput),
      h('div', { class: 'inline' },
        h('button', { type: 'button', class: 'btn btn-2', id: 'units_dry_run_btn', onclick: () => runImport(true) }, t('dry_run_btn')),
        h('button', { type: 'button', class: 'btn', id: 'units_import_btn', disabled: !checked, onclick: () => runImport(false) }, t('import_btn'))),
      h('p', { class: 'hint', id: 'units_import_hint' }, t('import_after_check')),
      h('p', { id: 'units_import_status', role: 'status', class: 'save-status' }),
      h('div', { id: 'units_report_host' }, report && importReport(report, { real: reportReal, file: reportFile })));
  }

  async function runImport(dry) {
    const inp = $('#units_file');
    const file = inp.files && inp.files[0];
    const st = $('#units_import_status');
    if (!file) { say(st, t('no_file'), 'err'); inp.focus(); return; }
    if (busy) return;
    busy = true;
    say(st, dry ? t('checking') : t('importing'), '');
    $('#units_dry_run_btn').disabled = $('#units_import_btn').disabled = true;
    let rep = null;
    try {
      rep = await upload(adm(slug, '/units/import'), file, dry ? { dry_run: 'true' } : {});
    } catch (ex) {
      if (ex.data && Array.isArray(ex.data.errors)) rep = ex.data;
      else { say(st, errText(ex), 'err'); }
    }
    busy = false;
    if (gone) return;
    $('#units_dry_run_btn').disabled = false;
    if (!rep) { $('#units_import_btn').disabled = !checked; return; }
    report = rep; reportReal = !dry; reportFile = file.name;
    checked = dry && !rep.invalid && !(rep.errors || []).length ? file : null;
    say(st, '', '');
    if (!dry && rep.imported) {
      units = await get(adm(slug, '/units')).catch(() => units);
      checked = null;
      inp.value = '';
      render();
    } else {
      clear($('#units_report_host'), importReport(report, { real: reportReal, file: reportFile }));
      $('#units_import_btn').disabled = !checked;
    }
    $('#import_summary').focus();
  }

  load();
  return { onLang: () => (units || err) && render(), unmount() { gone = true; } };
}
