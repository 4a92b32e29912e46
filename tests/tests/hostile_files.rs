//! Quality bar R6: hostile files against the real import endpoints.
//!
//! Every entry of `tests/corpus/manifest.json` (committed files under `tests/corpus/`, and
//! files built at run time by `tests/corpus/generate.rs`: zip bombs, 100,000-row files,
//! 10,000-character cells, a body over the upload limit) is uploaded to the questions or units
//! import of a running server, first as a dry run and then for real, and the answer must be
//! exactly the one the manifest gives: a file-level refusal (status and error code), or a
//! report whose row errors are listed row by row. After a dry run, and after any refused or
//! invalid import, the bank and the units list must be exactly as before (nothing
//! half-imported); after a clean import, exactly the valid items are added and the texts the
//! manifest names are stored as they were written.
//!
//! Then formula-like text (`=HYPERLINK(...)`, `+`, `-`, `@`), imported from the corpus as
//! plain text, must come out neutralised in every export: the questions `.xlsx` (a string
//! cell with Excel's quote prefix, never a formula), the questions GIFT (escaped, reading back
//! to the same texts), the statistics workbook and the participants export (`.csv` with an
//! apostrophe in front, `.xlsx` as quoted string cells). Files are read back with calamine.
//!
//! Runs on SQLite, and on PostgreSQL + Redis when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are
//! set. Set `CUOCTHI_CORPUS_OUT=<dir>` to also write the generated files and the exports
//! there.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

#[path = "../corpus/generate.rs"]
mod generate;

use std::collections::BTreeSet;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use cuocthi_store::entities::{question_version, topic, unit};
use cuocthi_store::staff::Role;
use cuocthi_tests::{Reply, Staff, TestApp};
use reqwest::Method;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde::Deserialize;
use serde_json::{json, Value};

const SLUG: &str = "r6";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[allow(dead_code)]
    about: String,
    files: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    file: Option<String>,
    generate: Option<String>,
    endpoint: String,
    content_type: Option<String>,
    format: Option<String>,
    wrap: Option<String>,
    expect: Expect,
    #[allow(dead_code)]
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: Option<u16>,
    error: Option<String>,
    message_contains: Option<String>,
    valid: Option<usize>,
    errors: Option<Vec<(u32, String, String)>>,
    #[serde(default)]
    stored: Vec<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).expect("tests/corpus/manifest.json is valid")
}

/// The bytes of an entry: the committed file or the generator's output.
fn bytes_of(entry: &Entry) -> Vec<u8> {
    match (&entry.file, &entry.generate) {
        (Some(file), None) => std::fs::read(corpus_dir().join(file)).unwrap(),
        (None, Some(name)) => {
            let bytes = generate::generate(name).unwrap_or_else(|| panic!("no generator {name}"));
            if let Ok(dir) = std::env::var("CUOCTHI_CORPUS_OUT") {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(Path::new(&dir).join(name), &bytes).unwrap();
            }
            bytes
        }
        _ => panic!("{}: exactly one of file and generate", entry.name),
    }
}

/// Everything an import could change: the bank (questions, versions, topics) and the units
/// with their fields.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    questions: u64,
    versions: u64,
    topics: BTreeSet<String>,
    units: Vec<(String, String, String, Option<i32>)>,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    let db = &app.ctx.db;
    let mut units: Vec<_> = unit::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.code, u.name, u.block, u.headcount))
        .collect();
    units.sort();
    Snapshot {
        questions: cuocthi_store::entities::question::Entity::find()
            .count(db)
            .await
            .unwrap(),
        versions: question_version::Entity::find().count(db).await.unwrap(),
        topics: topic::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect(),
        units,
    }
}

/// Every text the bank holds: question texts, options, explanations, topics.
async fn bank_texts(app: &TestApp) -> BTreeSet<String> {
    let db = &app.ctx.db;
    let mut texts = BTreeSet::new();
    for v in question_version::Entity::find().all(db).await.unwrap() {
        texts.insert(v.text);
        let options: Vec<String> = serde_json::from_str(&v.options).unwrap();
        texts.extend(options);
        texts.extend(v.explanation);
    }
    for t in topic::Entity::find().all(db).await.unwrap() {
        texts.insert(t.name);
    }
    texts
}

/// Every text the units list holds: names and blocks.
async fn unit_texts(app: &TestApp) -> BTreeSet<String> {
    let mut texts = BTreeSet::new();
    for u in unit::Entity::find().all(&app.ctx.db).await.unwrap() {
        texts.insert(u.name);
        texts.insert(u.block);
    }
    texts
}

/// Uploads `bytes` to an import endpoint as the entry says.
async fn upload(
    app: &TestApp,
    staff: &Staff,
    slug: &str,
    entry: &Entry,
    bytes: &[u8],
    dry_run: bool,
) -> Reply {
    let mut url = format!(
        "{}/api/v1/admin/contests/{slug}/{}/import?dry_run={dry_run}",
        app.base, entry.endpoint
    );
    if let Some(format) = &entry.format {
        url.push_str(&format!("&format={format}"));
    }
    let (content_type, body) = match entry.wrap.as_deref() {
        None => (
            entry
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
            bytes.to_vec(),
        ),
        Some("multipart") => multipart("file", bytes),
        Some("multipart_wrong_field") => multipart("tep", bytes),
        Some("multipart_no_boundary") => {
            ("multipart/form-data".to_owned(), multipart("file", bytes).1)
        }
        Some(other) => panic!("{}: unknown wrap {other}", entry.name),
    };
    let response = app
        .http
        .post(url)
        .header("Cookie", &staff.cookie)
        .header("X-CSRF-Token", &staff.csrf)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("request reaches the server");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    Reply {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    }
}

/// A browser-style form with one file part under `field`.
fn multipart(field: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----cuocthiR6boundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nngân hàng \
         câu hỏi\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; \
         filename=\"bank.csv\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn errors_of(body: &Value) -> Vec<(u32, String, String)> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["row"].as_u64().unwrap_or_default() as u32,
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["error"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one entry; returns what went wrong, if anything.
async fn check(app: &TestApp, org: &Staff, entry: &Entry) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |what: String| problems.push(format!("{}: {what}", entry.name));
    let bytes = bytes_of(entry);
    let before = snapshot(app).await;
    let dry = upload(app, org, SLUG, entry, &bytes, true).await;
    let after_dry = snapshot(app).await;
    if after_dry != before {
        fail(format!(
            "the dry run changed the data: {before:?} -> {after_dry:?}"
        ));
    }
    let real = upload(app, org, SLUG, entry, &bytes, false).await;
    let after = snapshot(app).await;
    let expect = &entry.expect;

    if let Some(status) = expect.status {
        // A file-level refusal: the same answer twice, nothing stored.
        let code = expect.error.as_deref().unwrap_or_default();
        for (what, reply) in [("dry run", &dry), ("import", &real)] {
            if reply.status.as_u16() != status || reply.code() != code {
                fail(format!(
                    "{what}: expected {status} {code}, got {} {}",
                    reply.status,
                    truncate(&reply.body.to_string())
                ));
            }
            if let Some(part) = &expect.message_contains {
                let message = reply.body["message"].as_str().unwrap_or_default();
                if !message.contains(part.as_str()) {
                    fail(format!("{what}: message {message:?} lacks {part:?}"));
                }
            }
        }
        if after != before {
            fail(format!(
                "a refused import changed the data: {before:?} -> {after:?}"
            ));
        }
        return problems;
    }

    let valid = expect.valid.expect("valid or status");
    let errors = expect.errors.clone().unwrap_or_default();
    let invalid_rows = errors.iter().map(|e| e.0).collect::<BTreeSet<_>>().len();
    // The dry run: 200 with the report, nothing imported.
    if dry.status != 200 {
        fail(format!(
            "dry run: expected 200, got {} {}",
            dry.status,
            truncate(&dry.body.to_string())
        ));
    } else {
        let got = (
            dry.body["valid"].as_u64(),
            dry.body["invalid"].as_u64(),
            dry.body["imported"].as_u64(),
            dry.body["dry_run"].as_bool(),
        );
        let want = (
            Some(valid as u64),
            Some(invalid_rows as u64),
            Some(0),
            Some(true),
        );
        if got != want {
            fail(format!(
                "dry run: (valid, invalid, imported, dry_run) {got:?}, expected {want:?}"
            ));
        }
        if errors_of(&dry.body) != errors {
            fail(format!(
                "dry run: errors {:?}, expected {errors:?}",
                errors_of(&dry.body)
            ));
        }
    }
    if errors.is_empty() {
        // A clean file: exactly the valid items are added.
        if real.status != 200 || real.body["imported"].as_u64() != Some(valid as u64) {
            fail(format!(
                "import: expected 200 with {valid} imported, got {} {}",
                real.status,
                truncate(&real.body.to_string())
            ));
        }
        let (added, expected_added) = if entry.endpoint == "units" {
            (
                after.units.len() as i64 - before.units.len() as i64,
                valid as i64,
            )
        } else {
            (
                after.questions as i64 - before.questions as i64,
                valid as i64,
            )
        };
        if added != expected_added {
            fail(format!("import added {added}, expected {expected_added}"));
        }
        if !expect.stored.is_empty() {
            let texts = if entry.endpoint == "units" {
                unit_texts(app).await
            } else {
                bank_texts(app).await
            };
            for text in &expect.stored {
                if !texts.contains(text) {
                    fail(format!("{text:?} is not stored as written"));
                }
            }
        }
    } else {
        // Invalid rows: 422 with the same report, nothing imported.
        if real.status != 422
            || real.code() != "invalid_rows"
            || real.body["imported"].as_u64() != Some(0)
            || errors_of(&real.body) != errors
        {
            fail(format!(
                "import: expected 422 invalid_rows with the errors, got {} {}",
                real.status,
                truncate(&real.body.to_string())
            ));
        }
        if after != before {
            fail(format!(
                "an invalid import changed the data: {before:?} -> {after:?}"
            ));
        }
    }
    problems
}

fn truncate(text: &str) -> String {
    let head: String = text.chars().take(600).collect();
    if head.len() < text.len() {
        format!("{head}…")
    } else {
        head
    }
}

fn contest_body() -> Value {
    json!({
        "slug": SLUG,
        "title": "Kiểm thử tệp độc hại",
        "rules_md": "# Thể lệ",
        "opens_at": "2026-11-25T01:00:00Z",
        "closes_at": "2026-12-25T00:00:00Z",
        "questions_per_attempt": 4,
        "time_limit_secs": 600,
        "max_attempts": 3,
        "grace_secs": 15,
        "topic_quotas": [],
        "reveal": "after_submit",
        "categories": [{"code": "citizen", "name": "Người dân"}],
        "rounds": [
            {"number": 1, "opens_at": "2026-11-25T01:00:00Z", "closes_at": "2026-12-25T00:00:00Z"}
        ]
    })
}

/// The manifest is well formed and complete: unique names, every committed corpus file and
/// every generator used, nothing named that does not exist.
#[test]
fn the_manifest_covers_the_whole_corpus() {
    let manifest = manifest();
    let mut names = BTreeSet::new();
    let mut files = BTreeSet::new();
    let mut generators = BTreeSet::new();
    for entry in &manifest.files {
        assert!(names.insert(entry.name.clone()), "{} twice", entry.name);
        assert!(
            entry.endpoint == "questions" || entry.endpoint == "units",
            "{}: endpoint {}",
            entry.name,
            entry.endpoint
        );
        assert!(
            entry.expect.status.is_some()
                == (entry.expect.valid.is_none() && entry.expect.errors.is_none()),
            "{}: either a refusal (status, error) or a report (valid, errors)",
            entry.name
        );
        assert_eq!(
            entry.expect.status.is_some(),
            entry.expect.error.is_some(),
            "{}: status and error go together",
            entry.name
        );
        match (&entry.file, &entry.generate) {
            (Some(file), None) => {
                assert!(
                    corpus_dir().join(file).is_file(),
                    "{}: no {file}",
                    entry.name
                );
                files.insert(file.clone());
            }
            (None, Some(name)) => {
                assert!(
                    generate::NAMES.contains(&name.as_str()),
                    "{}: no generator {name}",
                    entry.name
                );
                generators.insert(name.clone());
            }
            _ => panic!("{}: exactly one of file and generate", entry.name),
        }
    }
    for dir in ["questions", "units"] {
        for file in std::fs::read_dir(corpus_dir().join(dir)).unwrap() {
            let path = format!("{dir}/{}", file.unwrap().file_name().to_string_lossy());
            assert!(files.contains(&path), "{path} is in no manifest entry");
        }
    }
    for name in generate::NAMES {
        assert!(generators.contains(*name), "generator {name} is unused");
        assert!(generate::generate(name).is_some(), "generator {name}");
    }
}

/// Every corpus entry gets exactly its expected outcome; nothing is half-imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_file_gets_its_expected_outcome() {
    let app = TestApp::empty().await;
    let org = app.staff("org", Role::Organizer, None).await;
    app.set_up_contest(&org, contest_body()).await;
    let manifest = manifest();
    let mut problems = Vec::new();
    for entry in &manifest.files {
        problems.extend(check(&app, &org, entry).await);
    }
    assert!(
        problems.is_empty(),
        "{} of {} corpus entries went wrong on {}:\n{}",
        problems.len(),
        manifest.files.len(),
        cuocthi_tests::backend_name(),
        problems.join("\n")
    );
}

// ----- formula cells in exports -----

async fn download(app: &TestApp, staff: &Staff, path: &str) -> Vec<u8> {
    let response = app
        .http
        .get(format!("{}{}", app.base, path))
        .header("Cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let bytes = response.bytes().await.unwrap().to_vec();
    if let Ok(dir) = std::env::var("CUOCTHI_CORPUS_OUT") {
        // The exports too, e.g. as seeds for the fuzz targets.
        let name = path
            .rsplit('/')
            .next()
            .unwrap_or("export")
            .replace(['?', '=', '&'], "_");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(format!("export_{name}")), &bytes).unwrap();
    }
    bytes
}

/// Text that a spreadsheet would take for a formula.
fn formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// One part of the `.xlsx` zip, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The value of an XML attribute in a tag's text.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let rest = tag.get(start..)?;
    rest.get(..rest.find('"')?)
}

/// Checks a workbook: no formula anywhere (calamine and the raw XML), every cell that holds
/// formula-like text is a string cell whose style carries the quote prefix (and there is at
/// least one such cell, so the check is not vacuous). Returns every string cell's text, by
/// sheet.
fn assert_neutral_xlsx(bytes: &[u8], what: &str) -> Vec<Vec<String>> {
    let mut checked = 0;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let styles = part(bytes, "xl/styles.xml");
    // The cellXfs list: which style indices carry quotePrefix="1".
    let cell_xfs = styles
        .split("<cellXfs")
        .nth(1)
        .and_then(|s| s.split("</cellXfs>").next())
        .unwrap_or_default();
    let quoted: Vec<bool> = cell_xfs
        .split("<xf ")
        .skip(1)
        .map(|xf| {
            let tag = xf.split('>').next().unwrap_or_default();
            attribute(&format!(" {tag}"), "quotePrefix") == Some("1")
        })
        .collect();
    let mut texts = Vec::new();
    for (index, name) in book.sheet_names().into_iter().enumerate() {
        let formulas = book.worksheet_formula(&name).unwrap();
        assert!(
            formulas.rows().flatten().all(String::is_empty),
            "{what}/{name}: a formula cell"
        );
        let range = book.worksheet_range(&name).unwrap();
        let mut sheet_texts = Vec::new();
        for cell in range.rows().flatten() {
            if let Data::String(s) = cell {
                sheet_texts.push(s.clone());
            }
        }
        // The raw XML: no <f>, and the style of each formula-like string cell is quoted.
        let xml = part(bytes, &format!("xl/worksheets/sheet{}.xml", index + 1));
        assert!(
            !xml.contains("<f>") && !xml.contains("<f "),
            "{what}/{name}: <f>"
        );
        let shared = zip::ZipArchive::new(Cursor::new(bytes.to_vec()))
            .unwrap()
            .index_for_name("xl/sharedStrings.xml")
            .map(|_| part(bytes, "xl/sharedStrings.xml"))
            .unwrap_or_default();
        let shared: Vec<String> = shared
            .split("<si>")
            .skip(1)
            .map(|si| {
                si.split("<t")
                    .skip(1)
                    .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
                    .map(|t| t.split("</t>").next().unwrap_or_default())
                    .collect::<String>()
            })
            .map(|t| unescape_xml(&t))
            .collect();
        for c in xml.split("<c ").skip(1) {
            let tag = c.split('>').next().unwrap_or_default();
            let tag = format!(" {tag}");
            let text = match attribute(&tag, "t") {
                Some("s") => {
                    let v = c
                        .split("<v>")
                        .nth(1)
                        .and_then(|v| v.split("</v>").next())
                        .unwrap_or_default();
                    shared
                        .get(v.parse::<usize>().unwrap())
                        .cloned()
                        .unwrap_or_default()
                }
                Some("inlineStr") | Some("str") => unescape_xml(
                    c.split("<t")
                        .nth(1)
                        .and_then(|t| t.split_once('>'))
                        .and_then(|(_, rest)| rest.split("</t>").next())
                        .unwrap_or_default(),
                ),
                _ => continue,
            };
            if formula_like(&text) {
                let style: usize = attribute(&tag, "s").unwrap_or("0").parse().unwrap();
                assert!(
                    quoted.get(style).copied().unwrap_or(false),
                    "{what}/{name}: {text:?} is written without the quote prefix (style {style})"
                );
                checked += 1;
            }
        }
        texts.push(sheet_texts);
    }
    assert!(checked > 0, "{what}: no formula-like cell found to check");
    texts
}

fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// RFC 4180 rows of a CSV export (after its byte-order mark).
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

/// Imports one corpus entry for real and insists it succeeds.
async fn import_ok(app: &TestApp, org: &Staff, slug: &str, name: &str) {
    let manifest = manifest();
    let entry = manifest
        .files
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no corpus entry {name}"));
    let bytes = bytes_of(entry);
    let reply = upload(app, org, slug, entry, &bytes, false).await;
    assert_eq!(reply.status, 200, "{name}: {reply:?}");
    assert!(
        reply.body["imported"].as_u64().unwrap() > 0,
        "{name}: {reply:?}"
    );
}

/// Formula-like text from the corpus is stored as text and every export neutralises it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formula_cells_are_imported_as_text_and_exported_neutralised() {
    let app = TestApp::empty().await;
    let org = app.staff("org", Role::Organizer, None).await;
    app.set_up_contest(&org, contest_body()).await;
    for name in [
        "csv-formula-cells",
        "xlsx-formula-cells",
        "gift-formula-text",
        "aiken-formula-text",
        "units-formula-cells",
        "units-xlsx-formula-cells",
    ] {
        import_ok(&app, &org, SLUG, name).await;
    }
    let bank_evil: Vec<String> = bank_texts(&app)
        .await
        .into_iter()
        .filter(|t| formula_like(t))
        .collect();
    assert!(
        bank_evil.len() >= 20,
        "formula-like texts stored: {bank_evil:?}"
    );

    // The questions workbook: every formula-like text is a quoted string cell, verbatim.
    let base = format!("/api/v1/admin/contests/{SLUG}");
    let book = download(&app, &org, &format!("{base}/questions/export.xlsx")).await;
    let cells: BTreeSet<String> = assert_neutral_xlsx(&book, "questions/export.xlsx")
        .into_iter()
        .flatten()
        .collect();
    for text in &bank_evil {
        assert!(
            cells.contains(text),
            "questions/export.xlsx lacks {text:?} verbatim"
        );
    }

    // Re-importing the workbook gives the same questions (dry run: all valid, no errors).
    let again = app
        .staff_upload(
            &org,
            &format!("{base}/questions/import?dry_run=true"),
            book,
            XLSX_TYPE,
        )
        .await;
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.body["invalid"], 0, "{again:?}");

    // The GIFT export: escaped so that it reads back to the same texts, in a second contest.
    let gift = download(&app, &org, &format!("{base}/questions/export.gift")).await;
    let gift_text = String::from_utf8(gift.clone()).unwrap();
    assert!(
        gift_text.contains("\\=HYPERLINK("),
        "`=` is escaped in GIFT: {gift_text}"
    );
    let mut second = contest_body();
    second["slug"] = json!("r6-gift");
    let created = app
        .staff_call(&org, Method::POST, "/api/v1/admin/contests", Some(second))
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let before: BTreeSet<String> = question_version::Entity::find()
        .all(&app.ctx.db)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.id.to_string())
        .collect();
    let reimport = app
        .staff_upload(
            &org,
            "/api/v1/admin/contests/r6-gift/questions/import?format=gift",
            gift,
            "text/plain",
        )
        .await;
    assert_eq!(reimport.status, 200, "{reimport:?}");
    let mut from_gift = BTreeSet::new();
    for v in question_version::Entity::find()
        .all(&app.ctx.db)
        .await
        .unwrap()
    {
        if before.contains(&v.id.to_string()) {
            continue;
        }
        from_gift.insert(v.text);
        from_gift.extend(serde_json::from_str::<Vec<String>>(&v.options).unwrap());
    }
    for text in [
        "=HYPERLINK(\"http://evil.example/csv\",\"Bấm vào đây\")",
        "=HYPERLINK(\"http://evil.example/xlsx\",\"Bấm vào đây\")",
        "+84 là mã nước nào?",
        "-Việt Nam",
        "@Lào",
        "=IMPORTXML(\"http://evil.example/x\",\"//a\")",
        "=0",
        "=1+1",
    ] {
        assert!(from_gift.contains(text), "GIFT round trip lost {text:?}");
    }

    // A participant with a formula for a name, in a unit whose name is a formula.
    let units = app.get(&format!("/api/v1/contests/{SLUG}/units")).await;
    let fx1 = units
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "FX1");
    let fx1 = fx1.unwrap_or_else(|| panic!("unit FX1 in {units:?}"));
    let evil_person = "=HYPERLINK(\"http://evil.example/person\",\"Em\")";
    let registered = app
        .register_raw(
            SLUG,
            json!({"full_name": evil_person, "phone": "0987000005", "birth_year": 1985,
                   "unit_id": fx1["id"], "consent": true, "category": "citizen"}),
        )
        .await;
    assert_eq!(registered.status, 201, "{registered:?}");
    let evil_unit = "=HYPERLINK(\"http://evil.example/unit\",\"Xã Chín\")";

    // The statistics workbook: unit names as quoted string cells.
    let report = download(&app, &org, &format!("{base}/stats/report.xlsx")).await;
    let report_cells: Vec<String> = assert_neutral_xlsx(&report, "stats/report.xlsx")
        .into_iter()
        .flatten()
        .collect();
    for text in [evil_unit, "@Khối xã", "+Phường Cộng", "-Khối trừ"] {
        assert!(
            report_cells.iter().any(|c| c == text),
            "stats/report.xlsx lacks {text:?}"
        );
    }

    // The participants export: `.xlsx` quoted string cells, `.csv` with an apostrophe.
    let people = download(
        &app,
        &org,
        &format!("{base}/participants/export?format=xlsx"),
    )
    .await;
    let people_cells: Vec<String> = assert_neutral_xlsx(&people, "participants.xlsx")
        .into_iter()
        .flatten()
        .collect();
    assert!(
        people_cells.iter().any(|c| c == evil_person),
        "{people_cells:?}"
    );
    assert!(
        people_cells.iter().any(|c| c == evil_unit),
        "{people_cells:?}"
    );
    let csv = download(
        &app,
        &org,
        &format!("{base}/participants/export?format=csv"),
    )
    .await;
    let rows = csv_rows(&csv);
    let fields: Vec<&String> = rows.iter().flatten().collect();
    assert!(
        fields.iter().all(|f| !formula_like(f)),
        "a CSV field starts a formula: {rows:?}"
    );
    assert!(
        fields.iter().any(|f| **f == format!("'{evil_person}")),
        "{rows:?}"
    );
    assert!(
        fields.iter().any(|f| **f == format!("'{evil_unit}")),
        "{rows:?}"
    );
}
