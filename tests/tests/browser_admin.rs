//! The organizer pages in a real browser (headless Chromium): sign in, import a bank with a
//! dry run first, and preview a question as a contestant sees it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use cuocthi_store::staff::Role;
use cuocthi_tests::browser::Browser;
use cuocthi_tests::TestApp;

const BANK: &str = "STT,Chủ đề,Câu hỏi,Phương án A,Phương án B,Phương án C,Đáp án,Điểm\n\
1,Thủ tục hành chính,Cơ chế một cửa do nghị định nào quy định?,Nghị định 61/2018/NĐ-CP,Nghị định 13/2023/NĐ-CP,Luật Viên chức,A,1\n\
2,Thủ tục hành chính,Cổng Dịch vụ công quốc gia có địa chỉ nào?,dichvucong.gov.vn,chinhphu.vn,baochinhphu.vn,A,1\n";

#[tokio::test]
async fn an_organizer_signs_in_imports_a_bank_and_previews_a_question() {
    let app = TestApp::with_demo().await;
    let Some(b) = Browser::start().await else {
        return;
    };
    cuocthi_server::staff::service::create_account(
        &app.ctx.db,
        "bantochuc",
        Role::Organizer,
        None,
        "mật khẩu rất dài",
        app.ctx.now_ms(),
    )
    .await
    .unwrap();
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), BANK).unwrap();

    b.goto(&format!("{}/admin/c/demo/questions", app.base))
        .await;
    b.type_into("#login_username", "bantochuc").await;
    b.type_into("#login_password", "mật khẩu rất dài").await;
    b.click("#login_btn").await;
    b.wait_visible("#questions_file").await;

    let input = b.wait_for("#questions_file").await;
    input
        .send_keys(&file.path().display().to_string())
        .await
        .unwrap();
    b.click("#questions_dry_run_btn").await;
    b.wait_attr("#import_summary", "data-valid", "2").await;
    assert_eq!(
        b.attr("#import_summary", "data-imported").await.as_deref(),
        Some("0")
    );
    b.click("#questions_import_btn").await;
    b.wait_attr("#import_summary", "data-imported", "2").await;

    b.type_into("#q_search", "baochinhphu").await;
    b.wait_until(
        "the search to leave the imported question",
        "document.querySelectorAll('#questions_table tr[data-id]').length === 1",
    )
    .await;
    b.click("#questions_table tr[data-id] [data-action=preview]")
        .await;
    b.wait_text(
        "#preview #question_text",
        "Cổng Dịch vụ công quốc gia có địa chỉ nào?",
    )
    .await;
    let options = b
        .eval(
            "return document.querySelectorAll('#preview input[name=preview_choice]').length;",
            vec![],
        )
        .await;
    assert_eq!(options, 3);

    let imported = app.count("SELECT COUNT(*) AS n FROM questions").await;
    assert_eq!(
        imported,
        104 + 2,
        "the demo bank and the two imported questions"
    );
}
