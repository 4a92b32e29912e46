//! Rate limits as in production (`CUOCTHI_RATE_LIMIT` on): 429 with `Retry-After`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use cuocthi_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn wrong_pins_are_limited_per_phone() {
    let app = TestApp::with_demo_and_limits().await;
    app.update_contest("demo", |c| c.require_pin = true).await;
    let mut body = app.person("0912345678").await;
    body["pin"] = json!("2468");
    assert_eq!(app.register_raw("demo", body.clone()).await.status, 201);
    body["pin"] = json!("1111");
    for _ in 0..10 {
        assert_eq!(
            app.register_raw("demo", body.clone()).await.code(),
            "pin_mismatch"
        );
    }
    let limited = app.register_raw("demo", body.clone()).await;
    assert_eq!(limited.status, 429, "{limited:?}");
    assert!(limited.headers.contains_key("retry-after"));
    body["pin"] = json!("2468");
    assert_eq!(
        app.register_raw("demo", body).await.status,
        429,
        "even the right PIN waits out the window"
    );
}

#[tokio::test]
async fn a_meeting_room_behind_one_address_registers_freely() {
    let app = TestApp::with_demo_and_limits().await;
    for i in 0..60 {
        let reply = app
            .register_raw(
                "demo",
                app.person(&format!("09{:08}", 10_000_000 + i)).await,
            )
            .await;
        assert_eq!(reply.status, 201, "person {i}: {reply:?}");
    }
}
