//! Writing GIFT and reading it back; the readers never panic.

use cuocthi_bank::import::aiken::parse_aiken;
use cuocthi_bank::import::gift::{parse_gift, to_gift, ExportQuestion};
use cuocthi_domain::identity::normalize_text;
use proptest::prelude::*;

fn q(
    topic: &str,
    text: &str,
    options: &[&str],
    key: &[u8],
    explanation: Option<&str>,
) -> ExportQuestion {
    ExportQuestion {
        topic: topic.to_string(),
        text: text.to_string(),
        options: options.iter().map(|s| s.to_string()).collect(),
        key: key.to_vec(),
        points: 1,
        explanation: explanation.map(str::to_string),
    }
}

/// What survives a round trip: topic, text, options, key, explanation.
type Essentials = (Option<String>, String, Vec<String>, Vec<u8>, Option<String>);

fn essentials_in(qs: &[ExportQuestion]) -> Vec<Essentials> {
    qs.iter()
        .map(|q| {
            (
                (!q.topic.is_empty()).then(|| q.topic.clone()),
                q.text.clone(),
                q.options.clone(),
                q.key.clone(),
                q.explanation.clone(),
            )
        })
        .collect()
}

fn round_trip(qs: &[ExportQuestion]) -> Vec<Essentials> {
    let gift = to_gift(qs);
    let parsed = match parse_gift(&gift) {
        Ok(p) => p,
        Err(e) => panic!("{e}\n{gift}"),
    };
    assert!(parsed.errors.is_empty(), "{:?}\n{gift}", parsed.errors);
    let rows: Vec<u32> = parsed.items.iter().map(|p| p.row).collect();
    let expected: Vec<u32> = (1..=u32::try_from(qs.len()).unwrap_or(0)).collect();
    assert_eq!(rows, expected);
    parsed
        .items
        .into_iter()
        .map(|p| (p.topic, p.text, p.options, p.key, p.explanation))
        .collect()
}

#[test]
fn hand_written_round_trips() {
    let qs = vec![
        q(
            "Lịch sử",
            "Chiến thắng Điện Biên Phủ {năm} = ? ~ #1: \"lừng lẫy\" \\ 5 châu",
            &["1954", "1945 {=}", "~1975#", "a:b::c"],
            &[0],
            Some("Ngày 7/5/1954.\nXem thêm: sách giáo khoa {lớp 12} #1"),
        ),
        q(
            "Lịch sử",
            "Những ai là tướng thời Trần?",
            &[
                "Trần Hưng Đạo",
                "Lý Thường Kiệt",
                "Trần Quang Khải",
                "Phạm Ngũ Lão",
            ],
            &[0, 2, 3],
            None,
        ),
        q(
            "Địa lý/Kinh tế",
            "[html] không phải <b>HTML</b> & vẫn giữ nguyên",
            &["%50% giảm giá", "[plain] x", "<i>y</i>", "T"],
            &[0],
            Some("[markdown] **đậm**"),
        ),
        q(
            "Địa lý/Kinh tế",
            "Chọn hai: -> ghép?",
            &["%50%a", "b -> c", "%-100%d"],
            &[0, 2],
            Some("x"),
        ),
        q("", "Không có chủ đề", &["Đúng", "Sai"], &[1], None),
        q(
            "Toán",
            "Cả sáu",
            &["1", "2", "3", "4", "5", "6"],
            &[0, 1, 2, 3, 4, 5],
            None,
        ),
        q(
            "Toán",
            "Năm phần",
            &["1", "2", "3", "4", "5"],
            &[0, 1, 2, 3, 4],
            None,
        ),
        q(
            "Toán",
            "Bốn phần",
            &["1", "2", "3", "4", "5"],
            &[1, 2, 3, 4],
            None,
        ),
    ];
    assert_eq!(round_trip(&qs), essentials_in(&qs));
}

#[test]
fn export_shape() {
    let qs = vec![
        q("Chủ đề A", "Một: {x}", &["=a", "b"], &[1], Some("Vì #vậy")),
        q("Chủ đề A", "Hai", &["a", "b", "c", "d"], &[0, 1, 3], None),
    ];
    assert_eq!(
        to_gift(&qs),
        "$CATEGORY: Chủ đề A\n\n\
         ::Q1:: Một\\: \\{x\\} {\n\t~\\=a\n\t=b\n\t####Vì \\#vậy\n}\n\n\
         ::Q2:: Hai {\n\t~%33.33333%a\n\t~%33.33333%b\n\t~%-100%c\n\t~%33.33333%d\n}\n\n"
    );
}

/// Characters that stress the writer and reader: Vietnamese letters, GIFT syntax, HTML.
const ALPHABET: &str = "aăâbđeêoôơuưyáàảãạếềểễệ ABCĐ019{}=~#:%\\<>&[]/-_.\"' T";

fn cell() -> impl Strategy<Value = String> {
    let chars: Vec<char> = ALPHABET.chars().collect();
    prop::collection::vec(prop::sample::select(chars), 1..24)
        .prop_map(|cs| normalize_text(&cs.into_iter().collect::<String>()))
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn explanation() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::collection::vec(
        prop_oneof![cell(), Just(String::new())],
        1..4,
    ))
    .prop_map(|lines| {
        lines.and_then(|ls| {
            let joined = ls.join("\n");
            let t = joined.trim_matches('\n').to_string();
            (!t.is_empty()).then_some(t)
        })
    })
}

fn question() -> impl Strategy<Value = ExportQuestion> {
    (
        prop_oneof![Just(String::new()), cell()],
        cell(),
        prop::collection::hash_set(cell(), 2..=6),
        explanation(),
        any::<u64>(),
    )
        .prop_map(|(topic, text, options, explanation, bits)| {
            let options: Vec<String> = options.into_iter().collect();
            let n = options.len();
            let mut key: Vec<u8> = (0..n)
                .filter(|i| bits >> i & 1 == 1)
                .filter_map(|i| u8::try_from(i).ok())
                .collect();
            if key.is_empty() {
                key.push(u8::try_from((bits >> 8) as usize % n).unwrap_or(0));
            }
            ExportQuestion {
                topic,
                text,
                options,
                key,
                points: 1,
                explanation,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn gift_round_trip(qs in prop::collection::vec(question(), 1..6)) {
        prop_assert_eq!(round_trip(&qs), essentials_in(&qs));
    }

    #[test]
    fn readers_never_panic_on_any_text(s in "\\PC{0,400}") {
        let _ = parse_gift(&s);
        let _ = parse_aiken(&s);
    }

    #[test]
    fn readers_never_panic_on_gift_like_text(
        s in "([{}=~#:%\\\\\n\r -]|->|::|####|%-?[0-9]{1,3}(\\.[0-9]{1,6})?%|T|FALSE|\\[html\\]|<b>|&amp;|\\$CATEGORY: a/b|//|A\\) x|ANSWER: [A-Z]|x|Đ|\u{feff}){0,120}"
    ) {
        let _ = parse_gift(&s);
        let _ = parse_aiken(&s);
    }

    #[test]
    fn rows_are_within_the_file(s in "([{}=~#\n ]|->|T|x|A\\) x|ANSWER: A){0,200}") {
        for parsed in [parse_gift(&s), parse_aiken(&s)].into_iter().flatten() {
            let blocks = u32::try_from(s.len()).unwrap_or(u32::MAX);
            for r in parsed.items.iter().map(|q| q.row).chain(parsed.errors.iter().map(|e| e.row)) {
                prop_assert!(r >= 1 && r <= blocks);
            }
            for q in &parsed.items {
                prop_assert!((2..=6).contains(&q.options.len()));
                prop_assert!(!q.key.is_empty());
                prop_assert!(q.key.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(q.key.iter().all(|&k| usize::from(k) < q.options.len()));
            }
        }
    }
}
