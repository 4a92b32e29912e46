//! Browser tests (WebDriver) helpers.
