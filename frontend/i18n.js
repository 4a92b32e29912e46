// Every UI string, Vietnamese first, English second. Keys are stable ids.
const D = {
  app_name: ['Cuộc thi trực tuyến', 'Online contests'],
  lang_switch: ['English', 'Tiếng Việt'],
  lang_switch_label: ['Switch to English', 'Chuyển sang tiếng Việt'],
  skip: ['Bỏ qua, đến nội dung chính', 'Skip to main content'],
  footer: ['Thông tin cá nhân chỉ được dùng cho cuộc thi, theo Nghị định 13/2023/NĐ-CP.', 'Personal data is used only for the contest, as Decree 13/2023/NĐ-CP requires.'],
  loading: ['Đang tải…', 'Loading…'],
  retry: ['Thử lại', 'Try again'],
  home: ['Trang chủ', 'Home'],
  back_contest: ['Về trang cuộc thi', 'Back to the contest'],
  page_not_found: ['Không tìm thấy trang này.', 'This page was not found.'],
  // contest list
  contests: ['Các cuộc thi', 'Contests'],
  featured: ['Cuộc thi đang diễn ra', 'Contest open now'],
  other_contests: ['Các cuộc thi khác', 'Other contests'],
  no_contests: ['Hiện chưa có cuộc thi nào.', 'There are no contests yet.'],
  enter: ['Vào thi', 'Take part'],
  st_upcoming: ['Sắp diễn ra', 'Upcoming'],
  st_open: ['Đang diễn ra', 'Open'],
  st_closed: ['Đã kết thúc', 'Closed'],
  from_to: ['Từ {a} đến {b}', 'From {a} to {b}'],
  // contest home
  opens_in: ['Mở sau', 'Opens in'],
  closes_in: ['Kết thúc sau', 'Closes in'],
  days: ['{n} ngày', '{n} d'],
  participants: ['Thí sinh', 'Participants'],
  attempts: ['Lượt thi', 'Attempts'],
  settings: ['{q} câu hỏi · {m} phút mỗi lượt · tối đa {a} lượt thi', '{q} questions · {m} minutes per attempt · up to {a} attempts'],
  rules: ['Thể lệ cuộc thi', 'Contest rules'],
  rounds: ['Các đợt thi', 'Rounds'],
  round_n: ['Đợt {n}', 'Round {n}'],
  round_none: ['Hiện không có đợt thi nào đang mở.', 'No round is open right now.'],
  reg_title: ['Đăng ký dự thi', 'Register'],
  reg_intro: ['Đã đăng ký trên máy khác? Nhập lại đúng thông tin cũ để tiếp tục.', 'Registered on another device? Enter the same details again to continue.'],
  optional: ['không bắt buộc', 'optional'],
  f_full_name: ['Họ và tên', 'Full name'],
  f_phone: ['Số điện thoại', 'Phone number'],
  f_birth_year: ['Năm sinh', 'Year of birth'],
  f_national_id: ['Số CCCD (12 chữ số)', 'National ID (CCCD, 12 digits)'],
  f_gender: ['Giới tính', 'Gender'],
  g_none: ['— Không chọn —', '— Not stated —'],
  g_male: ['Nam', 'Male'],
  g_female: ['Nữ', 'Female'],
  g_other: ['Khác', 'Other'],
  f_unit: ['Đơn vị', 'Unit'],
  f_unit_search: ['Tìm đơn vị (gõ có dấu hoặc không dấu)', 'Search units (with or without diacritics)'],
  unit_pick: ['— Chọn đơn vị —', '— Choose a unit —'],
  unit_count: ['{n} đơn vị phù hợp', '{n} matching units'],
  f_category: ['Đối tượng', 'Category'],
  cat_pick: ['— Chọn đối tượng —', '— Choose a category —'],
  f_address: ['Địa chỉ', 'Address'],
  f_pin: ['Mã PIN (4–8 chữ số)', 'PIN (4–8 digits)'],
  pin_hint: ['Lần đầu: tự chọn mã PIN và ghi nhớ. Lần sau: nhập đúng mã đó.', 'First time: choose a PIN and remember it. Later: enter the same PIN.'],
  consent_title: ['Đồng ý xử lý dữ liệu cá nhân', 'Consent to personal data processing'],
  consent_default: ['Ban tổ chức thu thập họ tên, số điện thoại, năm sinh, đơn vị và các thông tin bạn cung cấp chỉ để tổ chức cuộc thi, xác định người đoạt giải và thống kê. Số điện thoại và số CCCD không bao giờ được công khai.', 'The organisers collect your name, phone, year of birth, unit and the other details you give only to run the contest, identify winners and produce statistics. Phone and ID numbers are never made public.'],
  consent: ['Tôi đồng ý cho Ban tổ chức xử lý dữ liệu cá nhân của tôi như trên.', 'I agree to the processing of my personal data as described above.'],
  register: ['Đăng ký', 'Register'],
  sending: ['Đang gửi…', 'Sending…'],
  hello: ['Xin chào {name}', 'Hello {name}'],
  used_left: ['Đã thi {u} lượt · còn {l} lượt', '{u} attempts used · {l} left'],
  start: ['Bắt đầu làm bài', 'Start the quiz'],
  resume: ['Tiếp tục làm bài', 'Continue the quiz'],
  no_left: ['Bạn đã dùng hết lượt thi.', 'You have used all your attempts.'],
  not_open: ['Cuộc thi chưa mở. Hãy quay lại khi cuộc thi bắt đầu.', 'The contest is not open yet. Come back when it starts.'],
  closed: ['Cuộc thi đã kết thúc.', 'The contest has ended.'],
  logout: ['Không phải bạn? Đăng ký người khác', 'Not you? Register someone else'],
  past: ['Các lượt đã thi', 'Your attempts'],
  attempt_n: ['Lượt {n}', 'Attempt {n}'],
  a_in_progress: ['đang làm', 'in progress'],
  a_expired: ['hết giờ', 'time ran out'],
  see_result: ['Xem kết quả', 'See result'],
  me_error: ['Không tải được thông tin thí sinh.', 'Could not load your details.'],
  // quiz
  quiz: ['Làm bài', 'Quiz'],
  time_left: ['Thời gian còn lại', 'Time left'],
  one_min: ['Còn 1 phút! Bài sẽ tự động nộp khi hết giờ.', 'One minute left! The quiz is submitted automatically when time runs out.'],
  q_of: ['Câu {n}/{t}', 'Question {n} of {t}'],
  answered_of: ['Đã trả lời {a}/{t}', 'Answered {a}/{t}'],
  pick_one: ['Chọn một đáp án.', 'Choose one answer.'],
  pick_many: ['Chọn một hoặc nhiều đáp án.', 'Choose one or more answers.'],
  clear: ['Bỏ chọn', 'Clear choice'],
  prev: ['‹ Câu trước', '‹ Previous'],
  next: ['Câu sau ›', 'Next ›'],
  finish: ['Nộp bài', 'Finish'],
  grid: ['Danh sách câu hỏi', 'Question list'],
  s_answered: ['đã trả lời', 'answered'],
  s_unanswered: ['chưa trả lời', 'not answered'],
  s_pending: ['chưa lưu', 'not saved yet'],
  q_label: ['Câu {n}, {s}', 'Question {n}, {s}'],
  saved: ['Đã lưu', 'Saved'],
  saving: ['Đang lưu…', 'Saving…'],
  retrying: ['Chưa lưu – đang thử lại', 'Not saved – retrying'],
  not_answered: ['Chưa trả lời', 'Not answered'],
  offline: ['Mất kết nối. Câu trả lời được giữ trên máy này và sẽ tự gửi lại.', 'Connection lost. Your answers are kept on this device and will be sent again.'],
  submit_title: ['Nộp bài', 'Submit'],
  summary: ['Bạn đã trả lời {a}/{t} câu.', 'You have answered {a} of {t} questions.'],
  pending_note: ['{n} câu trả lời chưa lưu lên máy chủ sẽ được gửi trước khi nộp.', '{n} unsaved answers will be sent before submitting.'],
  prediction: ['Câu hỏi dự đoán', 'Prediction question'],
  pred_hint: ['Nhập một số nguyên, từ 0 trở lên.', 'Enter a whole number, 0 or more.'],
  back_quiz: ['‹ Quay lại làm bài', '‹ Back to the questions'],
  submit: ['Nộp bài', 'Submit'],
  confirm_title: ['Xác nhận nộp bài', 'Confirm submission'],
  confirm_left: ['Bạn còn {n} câu chưa trả lời (câu {l}).', 'You have {n} unanswered questions ({l}).'],
  confirm_all: ['Bạn đã trả lời tất cả các câu.', 'You have answered every question.'],
  confirm_q: ['Sau khi nộp, bạn không sửa được câu trả lời. Nộp bài ngay?', 'After submitting you cannot change your answers. Submit now?'],
  cancel: ['Hủy', 'Cancel'],
  submitting: ['Đang nộp bài…', 'Submitting…'],
  flushing: ['Đang gửi các câu trả lời chưa lưu…', 'Sending unsaved answers…'],
  submit_retry: ['Chưa nộp được – đang thử lại…', 'Not submitted yet – retrying…'],
  time_up: ['Hết giờ! Đang nộp bài…', 'Time is up! Submitting…'],
  // result
  result_title: ['Kết quả lượt thi {n}', 'Result of attempt {n}'],
  score: ['Điểm', 'Score'],
  correct_of: ['câu đúng trên', 'correct out of'],
  perfect: ['★ Trả lời đúng tất cả các câu', '★ Every answer correct'],
  duration: ['Thời gian làm bài', 'Time taken'],
  submitted_at: ['Nộp lúc', 'Submitted at'],
  your_prediction: ['Dự đoán của bạn', 'Your prediction'],
  attempts_left: ['Số lượt còn lại', 'Attempts left'],
  again: ['Thi lại', 'Take it again'],
  expired_note: ['Hết giờ: bài được chấm theo các câu trả lời đã lưu.', 'Time ran out: the answers saved were scored.'],
  unfinished: ['Lượt thi này chưa nộp.', 'This attempt has not been submitted.'],
  review: ['Xem lại bài làm', 'Review'],
  your_choice: ['Bạn chọn', 'Your choice'],
  right_keys: ['Đáp án đúng', 'Correct answer'],
  no_choice: ['(không trả lời)', '(no answer)'],
  explanation: ['Giải thích', 'Explanation'],
  q_right: ['✓ Đúng', '✓ Correct'],
  q_wrong: ['✗ Sai', '✗ Wrong'],
  // winners and the public leaderboard
  see_winners: ['Xem danh sách đoạt giải', 'See the winners'],
  winners_title: ['Danh sách đoạt giải', 'Winners'],
  winners_none: ['Ban Tổ chức chưa công bố kết quả. Danh sách đoạt giải sẽ có ở đây sau khi đợt thi kết thúc và kết quả được chốt.', 'The organisers have not published any result yet. The winners will be listed here once a round has ended and its result is final.'],
  winners_round: ['Đợt {n}', 'Round {n}'],
  winners_count: ['({n})', '({n})'],
  winners_collective: ['Giải tập thể', 'Collective prizes'],
  winners_no_individual: ['Không có giải cá nhân nào được trao trong đợt này.', 'No individual prize was awarded in this round.'],
  winners_seed_note: ['Những người bằng nhau ở mọi tiêu chí được xếp bằng bốc thăm theo mã cam kết công bố trước khi đợt thi kết thúc.', 'Participants equal on every ranking key were ordered by a draw committed to before the round ended.'],
  print_list: ['In danh sách', 'Print the list'],
  w_rank: ['Hạng', 'Rank'],
  w_name: ['Họ và tên', 'Name'],
  w_time: ['Thời gian', 'Time'],
  w_rate: ['Tỷ lệ tham gia', 'Participation'],
  board_title: ['Bảng xếp hạng tạm thời', 'Live leaderboard'],
  board_note: ['Chỉ để tham khảo, cập nhật mỗi 30 giây. Kết quả chính thức do Ban Tổ chức công bố sau khi đợt thi kết thúc.', 'Indicative only, refreshed every 30 seconds. The official result is published by the organisers after the round ends.'],
  board_empty: ['Chưa có bài thi nào được nộp.', 'No attempt has been submitted yet.'],
  board_count: ['{n} thí sinh', '{n} participants'],
  board_updated: ['cập nhật lúc {at}', 'updated {at}'],
  e_not_published: ['Chưa có kết quả được công bố.', 'No result has been published yet.'],
  e_leaderboard_disabled: ['Bảng xếp hạng không được bật.', 'The leaderboard is not enabled.'],
  // errors (codes from the API)
  e_consent_required: ['Bạn cần đồng ý xử lý dữ liệu cá nhân để tham gia.', 'You must agree to the processing of personal data to take part.'],
  e_identity_mismatch: ['Số điện thoại hoặc số CCCD này đã được đăng ký với họ tên hoặc năm sinh khác. Hãy kiểm tra lại thông tin.', 'This phone or ID number is already registered with a different name or year of birth. Please check your details.'],
  e_pin_mismatch: ['Mã PIN không đúng.', 'The PIN is not correct.'],
  e_no_attempts_left: ['Bạn đã dùng hết lượt thi.', 'You have no attempts left.'],
  e_round_not_open: ['Đợt thi chưa mở.', 'The round is not open yet.'],
  e_round_closed: ['Đợt thi đã kết thúc.', 'The round has closed.'],
  e_not_registered: ['Bạn chưa đăng ký cuộc thi này.', 'You are not registered for this contest.'],
  e_deadline_passed: ['Đã hết giờ làm bài.', 'The time for this attempt is over.'],
  e_attempt_finished: ['Lượt thi này đã được nộp.', 'This attempt has already been submitted.'],
  e_invalid_choice: ['Lựa chọn không hợp lệ.', 'That choice is not valid.'],
  e_prediction_required: ['Hãy trả lời câu hỏi dự đoán trước khi nộp bài.', 'Please answer the prediction question before submitting.'],
  e_not_found: ['Không tìm thấy nội dung yêu cầu.', 'Not found.'],
  e_unauthorized: ['Phiên làm việc không hợp lệ. Hãy đăng ký lại bằng đúng thông tin cũ.', 'Your session is not valid. Register again with the same details.'],
  e_payload_too_large: ['Dữ liệu gửi lên quá lớn.', 'The data sent is too large.'],
  e_rate_limited: ['Có quá nhiều yêu cầu. Vui lòng chờ một chút.', 'Too many requests. Please wait a moment.'],
  e_service_unavailable: ['Hệ thống đang bận hoặc bảo trì.', 'The service is busy or under maintenance.'],
  e_validation_failed: ['Thông tin chưa hợp lệ. Hãy kiểm tra các ô được đánh dấu.', 'Some details are not valid. Check the marked fields.'],
  e_network: ['Không kết nối được máy chủ. Hãy kiểm tra mạng rồi thử lại.', 'Cannot reach the server. Check your connection and try again.'],
  e_unknown: ['Đã có lỗi xảy ra.', 'Something went wrong.'],
  retry_after: ['Vui lòng thử lại sau {n} giây.', 'Please try again in {n} seconds.'],
  // field codes
  f_required: ['Thông tin này là bắt buộc.', 'This is required.'],
  f_invalid: ['Giá trị không hợp lệ.', 'This value is not valid.'],
  f_too_long: ['Nội dung quá dài.', 'This is too long.'],
  f_out_of_range: ['Giá trị nằm ngoài khoảng cho phép.', 'This value is out of range.'],
  f_unknown_unit: ['Hãy chọn một đơn vị trong danh sách.', 'Choose a unit from the list.'],
  f_unknown_category: ['Hãy chọn một đối tượng trong danh sách.', 'Choose a category from the list.'],
  f_invalid_phone: ['Số điện thoại không hợp lệ (ví dụ 0912 345 678).', 'Not a valid phone number (e.g. 0912 345 678).'],
  f_invalid_national_id: ['Số CCCD phải gồm đúng 12 chữ số.', 'The ID number must have exactly 12 digits.'],
  f_invalid_birth_year: ['Năm sinh không hợp lệ (ví dụ 1985).', 'Not a valid year of birth (e.g. 1985).'],
  f_invalid_pin: ['Mã PIN phải gồm 4 đến 8 chữ số.', 'The PIN must have 4 to 8 digits.'],
  f_consent_required: ['Bạn cần đánh dấu ô đồng ý.', 'Please tick the consent box.'],
  f_prediction: ['Hãy nhập một số nguyên từ 0 trở lên.', 'Enter a whole number, 0 or more.'],
};

const KEY = 'cuocthi:lang';
let cur = 'vi';
try { if (localStorage.getItem(KEY) === 'en') cur = 'en'; } catch { /* storage blocked */ }

export const lang = () => cur;

export function setLang(l) {
  cur = l === 'en' ? 'en' : 'vi';
  try { localStorage.setItem(KEY, cur); } catch { /* storage blocked */ }
  document.documentElement.lang = cur;
}

/** Translate `key`, replacing `{name}` with params.name. Unknown keys show the key itself. */
export function t(key, p) {
  const e = D[key];
  let s = e ? e[cur === 'en' ? 1 : 0] : key;
  if (p) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in p ? String(p[k]) : m));
  return s;
}

export const has = (key) => key in D;

/** Human text for an ApiError (or anything thrown). */
export function errText(e) {
  const code = e && e.code;
  let s = code && has('e_' + code) ? t('e_' + code) : (e && e.message) || t('e_unknown');
  if (e && e.retryAfter) s += ' ' + t('retry_after', { n: e.retryAfter });
  return s;
}

/** Human text for a per-field error code. */
export const fieldText = (code) => (has('f_' + code) ? t('f_' + code) : has('e_' + code) ? t('e_' + code) : t('f_invalid'));
