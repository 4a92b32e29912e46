//! sea-orm entities, one module per table. Times are Unix milliseconds (UTC) in `i64`;
//! JSON columns are text holding serde_json documents.

pub mod answer;
pub mod attempt;
pub mod audit;
pub mod category;
pub mod contest;
pub mod participant;
pub mod participant_token;
pub mod question;
pub mod question_version;
pub mod result;
pub mod round;
pub mod staff_session;
pub mod staff_user;
pub mod topic;
pub mod unit;
