//! Browser tests helpers: a headless Chromium on a 360×800 phone screen, driven through its own
//! ChromeDriver with the W3C WebDriver protocol, with waits that poll under a bound instead of
//! sleeping.
//!
//! The WebDriver client is a small one on `reqwest`: `fantoccini::ClientBuilder::rustls()`
//! panics in this dependency graph (rustls gets both its `ring` and `aws-lc-rs` features, so it
//! cannot pick a process-wide crypto provider by itself), and ChromeDriver only needs plain
//! HTTP on 127.0.0.1 anyway.
//!
//! Every [`Browser`] helper panics on failure (a test reads as a list of steps); before
//! panicking it saves a screenshot under `target/browser-screenshots/` and prints the page's
//! console messages. At most one browser runs at a time in a test binary.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::{Mutex, MutexGuard};

/// How long one step (find, click, wait for a state) may take before the test fails.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// How long ChromeDriver may take to answer `/status` after it is spawned.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one WebDriver command may take (starting Chromium is the slowest).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Delay between two polls of a condition.
const POLL: Duration = Duration::from_millis(40);

/// The width and height of the emulated phone screen, in CSS pixels.
pub const SCREEN: (u32, u32) = (360, 800);

/// The W3C key of an element reference in WebDriver JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One browser at a time: this machine has two cores, and tests run on parallel threads.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// Failure screenshots taken by this process, to give each file its own number.
static SHOTS: AtomicUsize = AtomicUsize::new(0);

/// A WebDriver error: the W3C code (`"stale element reference"`, …) and the message. Network
/// failures and malformed replies have the code `"transport"`.
#[derive(Debug, Clone)]
pub struct WdError {
    /// The W3C error code.
    pub code: String,
    /// What the driver said.
    pub message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first_line = self.message.lines().next().unwrap_or_default();
        if first_line.starts_with(&self.code) {
            f.write_str(first_line)
        } else {
            write!(f, "{}: {first_line}", self.code)
        }
    }
}

impl WdError {
    fn transport(message: impl std::fmt::Display) -> Self {
        Self {
            code: "transport".into(),
            message: message.to_string(),
        }
    }

    /// True when it only means "the page moved under us, try again".
    pub fn is_transient(&self) -> bool {
        matches!(
            self.code.as_str(),
            "no such element"
                | "stale element reference"
                | "element not interactable"
                | "element click intercepted"
        )
    }
}

/// One WebDriver session: `http://127.0.0.1:PORT/session/ID`.
#[derive(Clone)]
struct Session {
    http: reqwest::Client,
    url: String,
}

impl Session {
    /// Sends one command and gives back the reply's `value`.
    async fn cmd(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        command(&self.http, method, &format!("{}{path}", self.url), body).await
    }

    async fn find(&self, css: &str) -> Result<Element, WdError> {
        let found = self
            .cmd(
                Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await?;
        Element::from_json(self, &found)
    }
}

/// Sends one WebDriver command to `url` and gives back the reply's `value`.
async fn command(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, WdError> {
    let mut request = http.request(method, url).timeout(COMMAND_TIMEOUT);
    // POST commands need a JSON body, even an empty one.
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = request.send().await.map_err(WdError::transport)?;
    let status = reply.status();
    let body: Value = reply.json().await.map_err(WdError::transport)?;
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(value);
    }
    Err(WdError {
        code: value["error"]
            .as_str()
            .unwrap_or("unknown error")
            .to_owned(),
        message: value["message"].as_str().unwrap_or_default().to_owned(),
    })
}

/// An element of the page, as WebDriver refers to it. It goes stale when the page re-renders
/// it; the [`Browser`] helpers find elements again in that case.
#[derive(Clone)]
pub struct Element {
    session: Session,
    id: String,
}

impl Element {
    fn from_json(session: &Session, v: &Value) -> Result<Self, WdError> {
        match v[ELEMENT_KEY].as_str() {
            Some(id) => Ok(Self {
                session: session.clone(),
                id: id.to_owned(),
            }),
            None => Err(WdError::transport(format!("not an element: {v}"))),
        }
    }

    async fn cmd(&self, method: Method, what: &str, body: Option<Value>) -> Result<Value, WdError> {
        self.session
            .cmd(method, &format!("/element/{}{what}", self.id), body)
            .await
    }

    /// Clicks it (scrolled into view first, as WebDriver does).
    pub async fn click(&self) -> Result<(), WdError> {
        self.cmd(Method::POST, "/click", Some(json!({}))).await?;
        Ok(())
    }

    /// Empties a text field.
    pub async fn clear(&self) -> Result<(), WdError> {
        self.cmd(Method::POST, "/clear", Some(json!({}))).await?;
        Ok(())
    }

    /// Types `text` key by key.
    pub async fn send_keys(&self, text: &str) -> Result<(), WdError> {
        self.cmd(Method::POST, "/value", Some(json!({ "text": text })))
            .await?;
        Ok(())
    }

    /// Its rendered text, as a person sees it.
    pub async fn text(&self) -> Result<String, WdError> {
        let v = self.cmd(Method::GET, "/text", None).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// An attribute, `None` when absent.
    pub async fn attr(&self, name: &str) -> Result<Option<String>, WdError> {
        let v = self
            .cmd(Method::GET, &format!("/attribute/{name}"), None)
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// Whether a checkbox, radio button or option is checked or selected.
    pub async fn is_selected(&self) -> Result<bool, WdError> {
        let v = self.cmd(Method::GET, "/selected", None).await?;
        Ok(v == true)
    }

    /// Whether it is shown (ChromeDriver's visibility check).
    pub async fn is_displayed(&self) -> Result<bool, WdError> {
        let v = self.cmd(Method::GET, "/displayed", None).await?;
        Ok(v == true)
    }
}

/// ChromeDriver, in a process group of its own (Chromium and its helpers join it); dropping it
/// kills the whole group.
struct DriverProcess {
    child: Child,
    port: u16,
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        #[cfg(unix)]
        Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok();
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A headless Chromium driven through a ChromeDriver of its own.
///
/// Dropping it ends the WebDriver session (which quits Chromium), kills ChromeDriver and
/// anything left in its process group, removes the profile directory and lets the next
/// browser test start.
pub struct Browser {
    session: Session,
    session_id: String,
    driver: DriverProcess,
    _profile: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

/// `name` in `PATH`, else in `/usr/bin`.
fn find_executable(names: &[&str]) -> Option<PathBuf> {
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    names.iter().find_map(|name| {
        dirs.iter()
            .map(|d| d.join(name))
            .chain(std::iter::once(Path::new("/usr/bin").join(name)))
            .find(|p| p.is_file())
    })
}

/// A port free right now on 127.0.0.1 (another process may take it before we use it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free local port: {e}"))
}

/// `s` quoted as a JavaScript string literal.
fn js_str(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// The directory failure screenshots go to: `<target>/browser-screenshots`.
fn failure_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
            tests.parent().unwrap_or(tests).join("target")
        });
    target.join("browser-screenshots")
}

/// Spawns ChromeDriver on a free port and waits until `/status` says it is ready.
async fn spawn_driver(driver: &Path, http: &reqwest::Client) -> Result<DriverProcess, String> {
    let mut last = String::new();
    for _ in 0..3 {
        let port = free_port();
        let mut cmd = Command::new(driver);
        cmd.arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", driver.display()))?;
        let mut process = DriverProcess { child, port };
        let started = Instant::now();
        while started.elapsed() < DRIVER_START_TIMEOUT {
            if let Ok(Some(status)) = process.child.try_wait() {
                last = format!("chromedriver exited with {status} (port {port} taken?)");
                break;
            }
            let status = command(
                http,
                Method::GET,
                &format!("http://127.0.0.1:{port}/status"),
                None,
            )
            .await;
            if status.is_ok_and(|v| v["ready"] == true) {
                return Ok(process);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if last.is_empty() {
            last = format!("chromedriver did not answer /status within {DRIVER_START_TIMEOUT:?}");
        }
    }
    Err(last)
}

/// Ends a WebDriver session with a blocking request (usable in `Drop`, even while unwinding
/// and after the test's runtime is gone).
fn delete_session(port: u16, session: &str) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    stream.set_write_timeout(Some(Duration::from_secs(2))).ok();
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // ChromeDriver answers once Chromium is gone, says `Connection: close` and then keeps the
    // socket open: read the reply by its length instead of to the end.
    let mut reply = Vec::new();
    let mut chunk = [0u8; 1024];
    while !http_reply_complete(&reply) {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
        }
    }
}

/// True once `reply` holds a whole HTTP response with a `Content-Length` body.
fn http_reply_complete(reply: &[u8]) -> bool {
    let Some(end) = reply.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&reply[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    reply.len() >= end + 4 + length
}

/// Decodes standard base64 (WebDriver screenshots), ignoring line breaks.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// JavaScript truthiness of a value returned by WebDriver.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium showing a 360×800 phone screen.
    ///
    /// Returns `None` (after printing "skipped: no chromium/chromedriver") when either program
    /// is missing, unless `CI=true`, where that is a failure. Waits for any other browser test
    /// of this process to finish first.
    pub async fn start() -> Option<Browser> {
        let driver = find_executable(&["chromedriver"]);
        let chromium = find_executable(&["chromium", "chromium-browser"]);
        let (Some(driver), Some(chromium)) = (driver, chromium) else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("browser tests need chromium and chromedriver under CI=true");
            }
            println!("skipped: no chromium/chromedriver");
            return None;
        };
        let turn = ONE_AT_A_TIME.lock().await;
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap_or_else(|e| panic!("an HTTP client for chromedriver: {e}"));
        let profile = tempfile::Builder::new()
            .prefix("cuocthi-chromium-")
            .tempdir()
            .unwrap_or_else(|e| panic!("a profile directory for chromium: {e}"));
        let driver = spawn_driver(&driver, &http)
            .await
            .unwrap_or_else(|e| panic!("start chromedriver: {e}"));
        let (width, height) = SCREEN;
        // Headless Chromium keeps windows at least 500 px wide, so a phone is emulated: the
        // viewport is 360 px and `<meta name=viewport>` applies as on a real phone.
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "mobileEmulation": {
                    "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 }
                },
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let created = command(
            &http,
            Method::POST,
            &format!("http://127.0.0.1:{}/session", driver.port),
            Some(json!({ "capabilities": { "alwaysMatch": caps } })),
        )
        .await
        .unwrap_or_else(|e| panic!("start chromium through chromedriver: {e}"));
        let Some(session_id) = created["sessionId"].as_str().map(str::to_owned) else {
            panic!("chromedriver gave no session id: {created}")
        };
        let session = Session {
            http,
            url: format!("http://127.0.0.1:{}/session/{session_id}", driver.port),
        };
        Some(Browser {
            session,
            session_id,
            driver,
            _profile: profile,
            _turn: turn,
        })
    }

    /// Sends a raw WebDriver command (`path` after `/session/ID`), for what the helpers do not
    /// cover.
    pub async fn command(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WdError> {
        self.session.cmd(method, path, body).await
    }

    /// Saves a PNG of the screen and prints the page's console, then panics with `what`.
    pub async fn fail(&self, what: &str) -> ! {
        let url = match self.session.cmd(Method::GET, "/url", None).await {
            Ok(u) => u.as_str().unwrap_or_default().to_owned(),
            Err(e) => format!("(no url: {e})"),
        };
        let n = SHOTS.fetch_add(1, Ordering::SeqCst);
        let test = std::thread::current()
            .name()
            .unwrap_or("browser")
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_");
        let path = failure_dir().join(format!("{test}-{n}.png"));
        let shot = match self.save_screenshot(&path).await {
            Ok(()) => format!("screenshot: {}", path.display()),
            Err(e) => format!("no screenshot: {e}"),
        };
        for line in self.console().await {
            eprintln!("[browser console] {line}");
        }
        panic!("{what}\n  at {url}\n  {shot}");
    }

    /// The browser's console messages since the last call (ChromeDriver's log endpoint).
    pub async fn console(&self) -> Vec<String> {
        let logs = self
            .session
            .cmd(Method::POST, "/se/log", Some(json!({ "type": "browser" })))
            .await
            .unwrap_or(Value::Null);
        logs.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| format!("{} {}", e["level"], e["message"]))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Writes a PNG of the screen to `path`, creating its directory.
    pub async fn save_screenshot(&self, path: &Path) -> Result<(), String> {
        let shot = self
            .session
            .cmd(Method::GET, "/screenshot", None)
            .await
            .map_err(|e| e.to_string())?;
        let png = shot
            .as_str()
            .and_then(base64_decode)
            .ok_or("a screenshot that is not base64")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    /// Saves `$BROWSER_SHOTS_DIR/{name}.png` when that variable is set (for people to look at
    /// the pages); does nothing otherwise.
    pub async fn snapshot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("BROWSER_SHOTS_DIR") {
            let path = Path::new(&dir).join(format!("{name}.png"));
            if let Err(e) = self.save_screenshot(&path).await {
                self.fail(&format!("snapshot {}: {e}", path.display()))
                    .await
            }
        }
    }

    /// Opens `url` and waits for the page's load event.
    pub async fn goto(&self, url: &str) {
        let r = self
            .session
            .cmd(Method::POST, "/url", Some(json!({ "url": url })))
            .await;
        if let Err(e) = r {
            self.fail(&format!("goto {url}: {e}")).await
        }
    }

    /// Reloads the page, as the person pressing the reload button.
    pub async fn refresh(&self) {
        let r = self
            .session
            .cmd(Method::POST, "/refresh", Some(json!({})))
            .await;
        if let Err(e) = r {
            self.fail(&format!("reload: {e}")).await
        }
    }

    /// The address shown in the address bar.
    pub async fn url(&self) -> String {
        match self.session.cmd(Method::GET, "/url", None).await {
            Ok(u) => u.as_str().unwrap_or_default().to_owned(),
            Err(e) => self.fail(&format!("current url: {e}")).await,
        }
    }

    async fn try_eval(&self, script: &str, args: Vec<Value>) -> Result<Value, WdError> {
        self.session
            .cmd(
                Method::POST,
                "/execute/sync",
                Some(json!({ "script": script, "args": args })),
            )
            .await
    }

    /// Runs `script` (a function body: use `return`) with `args` and gives back its value.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Value {
        match self.try_eval(script, args).await {
            Ok(v) => v,
            Err(e) => self.fail(&format!("script failed: {e}\n  {script}")).await,
        }
    }

    /// Polls the JavaScript expression `expr` until it is truthy; fails after [`STEP_TIMEOUT`]
    /// saying it waited for `what`. Gives back the last value.
    pub async fn wait_until(&self, what: &str, expr: &str) -> Value {
        let script = format!("return ({expr});");
        let started = Instant::now();
        loop {
            let last = self.try_eval(&script, vec![]).await;
            match &last {
                Ok(v) if truthy(v) => return v.clone(),
                Ok(_) => {}
                // The page may be between two documents (reload, navigation).
                Err(e) if e.code == "javascript error" || e.code == "no such execution context" => {
                }
                Err(e) => self.fail(&format!("waiting for {what}: {e}")).await,
            }
            if started.elapsed() > STEP_TIMEOUT {
                self.fail(&format!(
                    "waited {STEP_TIMEOUT:?} for {what}\n  ({expr})\n  last: {last:?}"
                ))
                .await
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Finds the element matching `css` and runs `step` on it, again and again until it
    /// succeeds or [`STEP_TIMEOUT`] passes: a missing, stale, hidden or covered element counts
    /// as "not yet".
    async fn retry<T, F, Fut>(&self, what: &str, css: &str, mut step: F) -> T
    where
        F: FnMut(Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, WdError>>,
    {
        let started = Instant::now();
        loop {
            let outcome = match self.session.find(css).await {
                Ok(el) => step(el).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(v) => return v,
                Err(e) if e.is_transient() && started.elapsed() < STEP_TIMEOUT => {
                    if e.code == "element click intercepted" {
                        // Something sticky covers it: bring it to the middle of the screen.
                        let scroll = "const e = document.querySelector(arguments[0]); \
                                      if (e) e.scrollIntoView({block: 'center'});";
                        self.try_eval(scroll, vec![json!(css)]).await.ok();
                    }
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => {
                    self.fail(&format!(
                        "{what} `{css}`: {e} (after {:?})",
                        started.elapsed()
                    ))
                    .await
                }
            }
        }
    }

    /// Waits until an element matches `css` and gives it back.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.retry("wait for", css, |el| async move { Ok(el) })
            .await
    }

    /// Waits until an element matches `css` and is shown, and gives it back.
    pub async fn wait_visible(&self, css: &str) -> Element {
        self.retry("wait until shown", css, |el| async move {
            if el.is_displayed().await? {
                Ok(el)
            } else {
                Err(WdError {
                    code: "element not interactable".into(),
                    message: "not shown yet".into(),
                })
            }
        })
        .await
    }

    /// True when an element matches `css` right now (no waiting).
    pub async fn exists(&self, css: &str) -> bool {
        match self.session.find(css).await {
            Ok(_) => true,
            Err(e) if e.code == "no such element" => false,
            Err(e) => self.fail(&format!("find `{css}`: {e}")).await,
        }
    }

    /// Clicks the element matching `css` once it is there, shown and not covered.
    pub async fn click(&self, css: &str) {
        self.retry("click", css, |el| async move { el.click().await })
            .await
    }

    /// Empties the field matching `css`, then types `text` into it key by key.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.retry("type into", css, |el| async move {
            el.clear().await?;
            el.send_keys(text).await
        })
        .await
    }

    /// Picks, in the `<select>` matching `css`, the option whose visible text is `label`.
    pub async fn select_label(&self, css: &str, label: &str) {
        let value = self
            .wait_until(
                &format!("an option \"{label}\" in `{css}`"),
                &format!(
                    "[...document.querySelectorAll({} + ' option')]\
                       .filter((o) => o.textContent.trim() === {}).map((o) => o.value)[0]",
                    js_str(css),
                    js_str(label)
                ),
            )
            .await;
        self.select_value(css, value.as_str().unwrap_or_default())
            .await;
    }

    /// Picks, in the `<select>` matching `css`, the option whose value is `value`.
    pub async fn select_value(&self, css: &str, value: &str) {
        let option = format!("{css} option[value={}]", js_str(value));
        self.click(&option).await;
        self.wait_until(
            &format!("`{css}` to hold {value}"),
            &format!(
                "(document.querySelector({}) || {{}}).value === {}",
                js_str(css),
                js_str(value)
            ),
        )
        .await;
    }

    /// The visible text of the element matching `css` (waits for the element).
    pub async fn text(&self, css: &str) -> String {
        self.retry("read text of", css, |el| async move { el.text().await })
            .await
    }

    /// An attribute of the element matching `css` (waits for the element).
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.retry(
            "read attribute of",
            css,
            |el| async move { el.attr(name).await },
        )
        .await
    }

    /// Whether the checkbox or radio button matching `css` is checked (waits for it).
    pub async fn is_checked(&self, css: &str) -> bool {
        self.retry(
            "read state of",
            css,
            |el| async move { el.is_selected().await },
        )
        .await
    }

    /// Waits until the element matching `css` has attribute `name` equal to `value`.
    pub async fn wait_attr(&self, css: &str, name: &str, value: &str) {
        let expr = format!(
            "(document.querySelector({c}) || {{getAttribute: () => null}}).getAttribute({n}) === {v}",
            c = js_str(css),
            n = js_str(name),
            v = js_str(value)
        );
        self.wait_until(&format!("`{css}` to have {name}=\"{value}\""), &expr)
            .await;
    }

    /// Waits until the visible text of the element matching `css` is `text` (trimmed).
    pub async fn wait_text(&self, css: &str, text: &str) {
        let expr = format!(
            "((document.querySelector({c}) || {{}}).innerText || '').trim() === {t}",
            c = js_str(css),
            t = js_str(text)
        );
        self.wait_until(&format!("`{css}` to read \"{text}\""), &expr)
            .await;
    }

    /// The value `localStorage[key]` holds, if any.
    pub async fn local_storage(&self, key: &str) -> Option<String> {
        let v = self
            .eval(
                "return localStorage.getItem(arguments[0]);",
                vec![json!(key)],
            )
            .await;
        v.as_str().map(str::to_owned)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A plain blocking request: this may run while a failed test unwinds, after its
        // runtime is gone. ChromeDriver then quits Chromium; `driver` is killed next.
        delete_session(self.driver.port, &self.session_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_what_webdriver_sends() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("iVBORw0KGgo=").unwrap(), b"\x89PNG\r\n\x1a\n");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert!(base64_decode("a*b").is_none());
    }

    #[test]
    fn a_reply_is_complete_at_its_length() {
        let reply = b"HTTP/1.1 200 OK\r\nContent-Length:14\r\nConnection:close\r\n\r\n";
        assert!(!http_reply_complete(reply));
        assert!(http_reply_complete(
            &[&reply[..], b"{\"value\":null}"].concat()
        ));
        assert!(!http_reply_complete(b"HTTP/1.1 200 OK\r\nContent-"));
    }

    #[test]
    fn js_strings_are_quoted() {
        assert_eq!(js_str("a\"b'c"), "\"a\\\"b'c\"");
    }
}
