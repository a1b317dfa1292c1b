//! Chat and device messages: Teams exports, Probity's chat NDJSON, device CSV exports (Cellebrite
//! reports among them), WhatsApp's own export, broken entries among good ones, and detection of
//! each file kind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use probity_ingest::chat::{
    DATE_ORDER_ASSUMED_LABEL, DATE_ORDER_LABEL, FORCE_ZONE_NAME, TIME_ZONE_LABEL, UNREAD_LABEL,
    decode_chat, decode_sms, decode_teams, decode_whatsapp,
};
use probity_ingest::files::{FileOptions, decode_file};
use probity_ingest::{Batch, Context, Limits};
use probity_model::{Event, Format, Identity};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/chat");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap()
}

fn addresses(list: &[Identity]) -> Vec<&str> {
    list.iter().map(Identity::as_str).collect()
}

fn email(event: &Event) -> &probity_model::Email {
    event.email.as_ref().unwrap()
}

fn teams(bytes: &[u8]) -> Batch {
    let mut ctx = Context::new("file:teams", Limits::default());
    let mut batch = Batch::new();
    decode_teams(bytes, &mut ctx, &mut batch).unwrap();
    batch
}

// ---------------------------------------------------------------------------------------------
// Teams
// ---------------------------------------------------------------------------------------------

#[test]
fn teams_messages_map_onto_email_fields() {
    let batch = teams(&fixture("teams-export.json"));
    assert_eq!(batch.events.len(), 4, "{:?}", batch.rejected);
    let first = &batch.events[0];
    assert_eq!(first.event.action.as_deref(), Some("message-sent"));
    assert_eq!(first.event.category, ["chat"]);
    assert_eq!(first.event.dataset.as_deref(), Some("teams"));
    assert_eq!(first.provenance.format, Format::Teams);
    assert_eq!(first.timestamp.to_rfc3339(), "2024-03-12T14:03:10+00:00");
    let mail = email(first);
    assert_eq!(addresses(&mail.from), ["d.morgan@force.example"]);
    assert_eq!(addresses(&mail.to), ["k.hughes@force.example"]);
    assert_eq!(mail.message_id.as_deref(), Some("1710252190000"));
    let body = mail.body.as_deref().unwrap();
    assert!(
        body.contains("can you run the plate AB12 CDE for me? Not for a job & keep it quiet."),
        "{body:?}"
    );
    assert!(!body.contains('<'), "{body:?}");
    assert_eq!(mail.attachments.len(), 1);
    let attachment = &mail.attachments[0];
    assert_eq!(attachment.file.name.as_deref(), Some("plate.xlsx"));
    assert!(
        attachment
            .file
            .path
            .as_deref()
            .unwrap()
            .ends_with("plate.xlsx")
    );
    assert!(
        attachment
            .extraction
            .as_deref()
            .unwrap()
            .contains("contentUrl")
    );
    let user = first.user.as_ref().unwrap();
    assert_eq!(user.full_name, Some("Dan Morgan".into()));
    assert_eq!(user.id, Some("8ea0e38b-efb3-4757-924a-5f94061cf8c2".into()));
    assert_eq!(user.email, Some("d.morgan@force.example".into()));
    assert_eq!(first.labels["chat.conversation_id"], "19:a1b2c3@thread.v2");
    assert_eq!(first.labels["email.to_source"], "mentions");
    assert_eq!(first.original["importance"], "normal");

    let channel = &batch.events[1];
    assert_eq!(email(channel).subject.as_deref(), Some("Response team B"));
    assert_eq!(
        channel.labels["chat.conversation_id"],
        "fbe2bf47-16c8-47cf-b4a5-4b9b187c508b/19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2"
    );
    assert_eq!(channel.labels["chat.edited"], "true");

    let system = &batch.events[2];
    assert_eq!(system.labels["chat.message_type"], "systemEventMessage");
    assert!(email(system).from.is_empty());

    let bot = &batch.events[3];
    assert_eq!(addresses(&email(bot).from), ["bot-1"]);
    assert_eq!(bot.labels["chat.sender_kind"], "application");
}

#[test]
fn broken_teams_entries_are_dead_letters_with_reasons() {
    let batch = teams(&fixture("teams-export.json"));
    assert_eq!(batch.rejected.len(), 2);
    assert_eq!(
        batch.rejected[0].reason,
        "chatMessage has no createdDateTime"
    );
    assert_eq!(
        batch.rejected[0]
            .location
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .take(2)
            .collect::<Vec<_>>(),
        ["message", "3"]
    );
    assert!(
        batch.rejected[0]
            .raw_text()
            .unwrap()
            .contains("lost its time")
    );
    assert_eq!(batch.rejected[1].reason, "expected a chatMessage object");
}

#[test]
fn text_among_a_teams_page_keys_is_a_dead_letter() {
    // Text before `"value"` in a Graph page was passed over without a word.
    let batch = teams(
        br#"{
zqxcanaryword
"value": [{"messageType": "message", "createdDateTime": "2024-05-06T09:00:00Z", "from": {"user": {"displayName": "Alan"}}, "body": {"content": "hello"}}]}"#,
    );
    assert_eq!(batch.events.len(), 1);
    assert_eq!(batch.rejected.len(), 1, "{:?}", batch.rejected);
    let letter = &batch.rejected[0];
    assert!(String::from_utf8_lossy(&letter.raw).contains("zqxcanaryword"));
    assert!(
        letter.reason.contains("before its list of messages"),
        "{}",
        letter.reason
    );
    // A page's own keys are not.
    let batch = teams(
        br#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats('1')/messages", "@odata.count": 1,
"value": [{"messageType": "message", "createdDateTime": "2024-05-06T09:00:00Z", "from": {"user": {"displayName": "Alan"}}, "body": {"content": "hello"}}]}"#,
    );
    assert_eq!(batch.events.len(), 1);
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
}

#[test]
fn truncated_teams_export_keeps_the_messages_before_the_cut() {
    let bytes = fixture("teams-export.json");
    let text = String::from_utf8(bytes).unwrap();
    let cut = text.find("Done. Registered keeper").unwrap();
    let batch = teams(&text.as_bytes()[..cut]);
    assert_eq!(batch.events.len(), 1);
    assert_eq!(batch.rejected.len(), 1);
    let letter = &batch.rejected[0];
    assert!(
        letter.reason.contains("the rest of the export is not read"),
        "{}",
        letter.reason
    );
    assert!(letter.location.as_deref().unwrap().starts_with("message 2"));
    assert!(letter.raw_text().unwrap().contains("channelIdentity"));
}

#[test]
fn teams_array_and_line_per_message_exports_are_read() {
    let array = br#"[{"id":"1","createdDateTime":"2024-01-01T10:00:00Z","from":{"user":{"displayName":"A","id":"a-1"}},"body":{"contentType":"text","content":"one"}} , {"id":"2","createdDateTime":"2024-01-01T10:01:00Z","body":{"contentType":"text","content":"two"}}]"#;
    let batch = teams(array);
    assert_eq!(batch.events.len(), 2);
    assert!(batch.rejected.is_empty());
    assert_eq!(addresses(&email(&batch.events[0]).from), ["a-1"]);

    let lines = b"{\"id\":\"1\",\"createdDateTime\":\"2024-01-01T10:00:00Z\",\"body\":{\"contentType\":\"text\",\"content\":\"one\"}}\n{\"id\":\"2\",\"createdDateTime\":\"2024-01-01T10:01:00Z\",\"body\":{\"content\":\"two\"}}\n{\"id\":";
    let batch = teams(lines);
    assert_eq!(batch.events.len(), 2);
    assert_eq!(email(&batch.events[1]).body.as_deref(), Some("two"));
    assert_eq!(batch.rejected.len(), 1);
    assert!(batch.rejected[0].reason.starts_with("invalid JSON"));

    let batch = teams(b" [] trailing");
    assert_eq!(batch.rejected.len(), 1);
    assert!(
        batch.rejected[0]
            .reason
            .contains("9 bytes after the end of the list")
    );
    assert_eq!(batch.rejected[0].raw_text(), Some(" trailing"));

    // After a Graph page's own keys and its closing brace: a second page cut short and a line of
    // text, which were read nowhere (found by the fuzzer).
    let page = br#"{"value":[{"id":"1","createdDateTime":"2024-01-01T10:00:00Z","body":{"content":"one"}}],"@odata.nextLink":"https://graph/x?a=}"}
{"value":[{"id":"2","body":{"content":
I will find you
"#;
    let batch = teams(page);
    assert_eq!(batch.events.len(), 1);
    assert_eq!(batch.rejected.len(), 1, "{:?}", batch.rejected);
    assert!(
        batch.rejected[0]
            .reason
            .contains("bytes after the end of the page of messages"),
        "{}",
        batch.rejected[0].reason
    );
    assert!(
        batch.rejected[0]
            .raw_text()
            .is_some_and(|raw| raw.contains("I will find you"))
    );
    // A page's own keys after its messages are not kept.
    let batch = teams(br#"{"value":[],"@odata.nextLink":"https://graph/x"} "#);
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);

    let batch = teams(b"[1, 2 3]");
    assert_eq!(batch.events.len(), 0);
    assert_eq!(batch.rejected.len(), 3, "{:?}", batch.rejected);
    assert_eq!(batch.rejected[0].reason, "expected a chatMessage object");
    assert!(
        batch.rejected[2]
            .reason
            .contains("expected ',' or ']', found '3'")
    );
}

/// A reply's quote of another message (a `messageReference` attachment) is read as quoted lines
/// at the start of the body, its sender first, not as text of the replier's own.
#[test]
fn a_teams_reply_quotes_the_message_it_answers() {
    let export = br#"[{"id":"t4","chatId":"19:c2","messageType":"message","createdDateTime":"2024-05-06T10:03:00Z","from":{"user":{"displayName":"Alan Smith","userPrincipalName":"alan.smith@force.police.uk"}},"body":{"contentType":"html","content":"<attachment id=\"ref1\"></attachment><p>agreed</p>"},"attachments":[{"id":"ref1","contentType":"messageReference","content":"{\"messageId\":\"t3\",\"messagePreview\":\"ZQPREVIEW you slag\\nsecond line\",\"messageSender\":{\"user\":{\"displayName\":\"Karen Whitfield\"}}}"}]},
{"id":"t5","chatId":"19:c2","createdDateTime":"2024-05-06T10:04:00Z","from":{"user":{"displayName":"Alan Smith"}},"body":{"content":""},"attachments":[{"contentType":"messageReference","content":"not json: you slag"}]}]"#;
    let batch = teams(export);
    assert_eq!(batch.events.len(), 2, "{:?}", batch.rejected);
    let reply = email(&batch.events[0]);
    assert_eq!(
        reply.body.as_deref(),
        Some("> Karen Whitfield\n> ZQPREVIEW you slag\n> second line\nagreed")
    );
    let quote = &reply.attachments[0];
    assert_eq!(quote.text, None);
    let note = quote.extraction.as_deref().unwrap();
    assert!(note.contains("message t3 by Karen Whitfield"), "{note}");
    // Content that is not the usual JSON is quoted whole; a reply with no words of its own is
    // the quote alone.
    let bare = email(&batch.events[1]);
    assert_eq!(bare.body.as_deref(), Some("> not json: you slag\n"));
    assert_eq!(bare.attachments[0].text, None);
}

/// Values of the wrong type in a Teams export, as for chat NDJSON: read where the meaning is plain
/// (a number as the text or the time, the sender as a string, one attachment or mention given
/// alone rather than in a list, a card given as an object), named in `chat.unread_fields` where
/// it is not, and kept in `original` either way; the message is never dropped.
#[test]
fn teams_values_of_another_type() {
    let head = r#""createdDateTime": "2024-05-01T09:30:00Z", "chatId": "19:abc""#;
    let from = r#""from": {"user": {"id": "u1", "displayName": "Alan Smith", "userPrincipalName": "alan.smith@force.police.uk"}}"#;
    let messages = [
        // 0: all read, nothing named.
        r#"{"createdDateTime": 1714555800, "chatId": "19:abc", "from": "alan.smith@force.police.uk", "body": {"contentType": "text", "content": 12345}, "attachments": {"name": "rota.pdf", "contentUrl": "https://x/rota.pdf"}, "mentions": {"mentioned": {"user": {"displayName": "Kim Hughes", "userPrincipalName": "k.hughes@force.example"}}}}"#
            .to_string(),
        // 1: the body's content is an object, `from` and `mentions` cannot be read.
        format!(
            r#"{{{head}, "id": {{"n": 1}}, "from": ["alan.smith@force.police.uk"], "body": {{"contentType": "html", "content": {{"text": "you stupid bitch"}}}}, "mentions": "Kim Hughes", "attachments": 7}}"#
        ),
        // 2: wrong types one level down.
        format!(
            r#"{{{head}, {from}, "subject": ["Late turn"], "messageType": {{"kind": "message"}}, "body": {{"contentType": 1, "content": "<b>plain</b>"}}, "attachments": [{{"name": {{"a": 1}}, "contentUrl": "https://x/a.txt"}}, true, "notes.txt", {{"name": "card", "contentType": "application/vnd.microsoft.card.adaptive", "content": {{"body": [{{"text": "card text"}}]}}}}], "mentions": [3, {{"mentioned": {{"user": {{"displayName": ["Kim"], "id": "k-1"}}}}}}, {{"mentioned": {{"user": false}}}}]}}"#
        ),
        // 3: the body is its text, `from.user` is an address, the channel is not an object.
        r#"{"createdDateTime": "2024-05-01T09:31:00Z", "channelIdentity": "19:chan", "from": {"user": "alan.smith@force.police.uk"}, "body": "just text"}"#
            .to_string(),
    ];
    let bytes = format!("[{}]", messages.join(",\n"));
    let batch = teams(bytes.as_bytes());
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 4);
    let unread = |n: usize| batch.events[n].labels.get(UNREAD_LABEL).map(String::as_str);

    let first = &batch.events[0];
    assert_eq!(first.timestamp.to_rfc3339(), "2024-05-01T09:30:00+00:00");
    let mail = email(first);
    assert_eq!(addresses(&mail.from), ["alan.smith@force.police.uk"]);
    assert_eq!(mail.body.as_deref(), Some("12345"));
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].file.name.as_deref(), Some("rota.pdf"));
    // The mention, then the chat's other member (mentioned, by id, in the third message).
    assert_eq!(addresses(&mail.to), ["k.hughes@force.example", "k-1"]);
    assert_eq!(unread(0), None);

    let second = &batch.events[1];
    let mail = email(second);
    assert_eq!(mail.body, None);
    assert!(mail.from.is_empty());
    // No mention read, and no sender: every member of the chat is a recipient.
    assert_eq!(
        addresses(&mail.to),
        [
            "alan.smith@force.police.uk",
            "k.hughes@force.example",
            "k-1"
        ]
    );
    assert_eq!(second.labels["email.to_source"], "chat-members");
    assert!(mail.attachments.is_empty());
    let label = unread(1).expect("the unread fields are named");
    for field in [
        "id (an object)",
        "from (an array)",
        "body.content (an object)",
        "mentions (a string)",
        "attachments (a number)",
    ] {
        assert!(label.contains(field), "{field} in {label}");
    }
    assert_eq!(
        second.original["body"]["content"]["text"],
        "you stupid bitch"
    );

    let third = &batch.events[2];
    let mail = email(third);
    assert_eq!(addresses(&mail.from), ["alan.smith@force.police.uk"]);
    assert_eq!(mail.subject, None);
    assert_eq!(mail.body.as_deref(), Some("<b>plain</b>"));
    let names: Vec<Option<&str>> = mail
        .attachments
        .iter()
        .map(|attachment| attachment.file.name.as_deref())
        .collect();
    assert_eq!(names, [None, Some("notes.txt"), Some("card")]);
    assert_eq!(
        mail.attachments[0].file.path.as_deref(),
        Some("https://x/a.txt")
    );
    let card = mail.attachments[2].text.as_deref().unwrap_or_default();
    assert!(card.contains("card text"), "{card:?}");
    assert_eq!(addresses(&mail.to), ["k-1", "k.hughes@force.example"]);
    let label = unread(2).expect("the unread fields are named");
    for field in [
        "subject (an array)",
        "messageType (an object)",
        "body.contentType (a number)",
        "attachments[0].name (an object)",
        "attachments[1] (a boolean)",
        "mentions[0] (a number)",
        "mentions[1].mentioned.user.displayName (an array)",
        "mentions[2].mentioned.user (a boolean)",
    ] {
        assert!(label.contains(field), "{field} in {label}");
    }

    let fourth = &batch.events[3];
    let mail = email(fourth);
    assert_eq!(addresses(&mail.from), ["alan.smith@force.police.uk"]);
    assert_eq!(mail.body.as_deref(), Some("just text"));
    let label = unread(3).expect("the unread fields are named");
    assert_eq!(label, "channelIdentity (a string)");
    assert!(!fourth.labels.contains_key("chat.conversation_id"));
}

/// A chat's members received every message in it, though a message names only its sender (audit
/// 2: a member of staff's reply in a chat with occupational health was read as being to nobody).
/// The members are gathered from the whole file: senders, a system message's members added (an
/// id and a name, the address found on another message; from the time they were added), a
/// `members` list; they are added to each message's recipients but its sender's, labelled as
/// coming from the chat. Other chats and
/// channel posts keep their own recipients.
#[test]
fn teams_chat_members_are_recipients_of_every_message_in_the_chat() {
    let export = br##"{"value": [
      {"id": "t2", "chatId": "19:oh", "createdDateTime": "2024-05-06T10:01:00Z", "from": {"user": {"id": "u-alan", "displayName": "Alan Smith", "userPrincipalName": "alan.smith@force.police.uk"}}, "body": {"contentType": "html", "content": "<p>still bad</p>"}},
      {"id": "t0", "chatId": "19:oh", "messageType": "systemEventMessage", "createdDateTime": "2024-05-06T09:00:00Z", "from": null, "body": {"content": "<systemEventMessage/>"}, "eventDetail": {"@odata.type": "#microsoft.graph.membersAddedEventMessageDetail", "members": [{"id": "u-oh", "displayName": "Occupational Health"}], "initiator": {"user": {"id": "u-kim", "displayName": "Kim Hughes"}}}},
      {"id": "t1", "chatId": "19:oh", "createdDateTime": "2024-05-06T10:00:00Z", "from": {"user": {"id": "u-oh", "displayName": "Occupational Health", "userPrincipalName": "occupational.health@force.police.uk"}}, "body": {"content": "how is your back?"}},
      {"id": "t3", "chatId": "19:other", "createdDateTime": "2024-05-06T10:02:00Z", "from": {"user": {"id": "u-alan", "displayName": "Alan Smith", "userPrincipalName": "alan.smith@force.police.uk"}}, "body": {"content": "hello"}, "mentions": [{"mentioned": {"user": {"displayName": "Jo Bloggs", "userPrincipalName": "jo.bloggs@force.police.uk"}}}], "chat": {"members": [{"userId": "u-sam", "displayName": "Sam Lane", "email": "sam.lane@force.police.uk"}]}},
      {"id": "t-early", "chatId": "19:oh", "createdDateTime": "2024-05-06T08:00:00Z", "from": {"user": {"id": "u-alan", "userPrincipalName": "alan.smith@force.police.uk"}}, "body": {"content": "before"}},
      {"id": "t4", "channelIdentity": {"teamId": "tm", "channelId": "ch"}, "createdDateTime": "2024-05-06T10:03:00Z", "from": {"user": {"id": "u-alan", "displayName": "Alan Smith", "userPrincipalName": "alan.smith@force.police.uk"}}, "body": {"content": "channel post"}},
      {"id": "t5", "channelIdentity": {"teamId": "tm", "channelId": "ch"}, "createdDateTime": "2024-05-06T10:04:00Z", "from": {"user": {"id": "u-oh2", "displayName": "Occupational Health", "userPrincipalName": "occupational.health@force.police.uk"}}, "body": {"content": "announcement"}}
    ]}"##;
    let batch = teams(export);
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    let by_id = |id: &str| {
        batch
            .events
            .iter()
            .find(|e| email(e).message_id.as_deref() == Some(id))
            .unwrap()
    };
    let reply = by_id("t2");
    assert_eq!(
        addresses(&email(reply).to),
        ["occupational.health@force.police.uk", "u-kim"]
    );
    assert_eq!(
        addresses(&email(reply).display_names),
        ["Occupational Health", "Kim Hughes"]
    );
    // Sent before occupational health was added: not to them.
    let before = by_id("t-early");
    assert_eq!(addresses(&email(before).to), ["u-kim"]);
    assert_eq!(reply.labels["email.to_source"], "chat-members");
    // Occupational health's own message is to the others, not to itself.
    let asked = by_id("t1");
    assert_eq!(
        addresses(&email(asked).to),
        ["alan.smith@force.police.uk", "u-kim"]
    );
    // The system message has no sender: every member is its recipient.
    assert_eq!(email(by_id("t0")).to.len(), 3);
    // A mention comes first; the chat's listed members after, and the label says both.
    let other = by_id("t3");
    assert_eq!(
        addresses(&email(other).to),
        ["jo.bloggs@force.police.uk", "sam.lane@force.police.uk"]
    );
    assert_eq!(other.labels["email.to_source"], "mentions+chat-members");
    // A channel's members are not listed: its posts keep their own recipients.
    assert!(email(by_id("t4")).to.is_empty());
    assert!(!by_id("t4").labels.contains_key("email.to_source"));
}

/// A Teams chat exported one file per month: occupational health writes only in the first, a
/// member of staff replies in the second. Each file read alone, the reply is to nobody; with the
/// members of both gathered first it is to occupational health. A member a system message in one
/// file says was added counts only from then in the other file too.
#[test]
fn a_teams_chat_split_over_two_files_is_joined_when_both_are_gathered() {
    use probity_ingest::chat::{ChatMembers, decode_teams_with, gather_teams};
    let month1 = br##"{"value": [
      {"id": "a1", "chatId": "19:oh", "createdDateTime": "2024-04-30T10:00:00Z", "from": {"user": {"id": "u-oh", "displayName": "Occupational Health", "userPrincipalName": "occupational.health@force.police.uk"}}, "body": {"content": "how is your back?"}},
      {"id": "a2", "chatId": "19:kim", "createdDateTime": "2024-04-30T11:00:00Z", "from": {"user": {"id": "u-alan", "userPrincipalName": "alan.smith@force.police.uk"}}, "body": {"content": "before Kim was added"}}
    ]}"##;
    let month2 = br##"[
      {"id": "b1", "chatId": "19:oh", "createdDateTime": "2024-05-02T10:00:00Z", "from": {"user": {"id": "u-alan", "displayName": "Alan Smith", "userPrincipalName": "alan.smith@force.police.uk"}}, "body": {"content": "still bad"}},
      {"id": "b2", "chatId": "19:kim", "messageType": "systemEventMessage", "createdDateTime": "2024-05-01T09:00:00Z", "from": null, "body": {"content": "<systemEventMessage/>"}, "eventDetail": {"@odata.type": "#microsoft.graph.membersAddedEventMessageDetail", "visibleHistoryStartDateTime": null, "members": [{"id": "u-kim", "displayName": "Kim Hughes"}]}},
      {"id": "b3", "chatId": "19:kim", "createdDateTime": "2024-05-01T10:00:00Z", "from": {"user": {"id": "u-alan", "userPrincipalName": "alan.smith@force.police.uk"}}, "body": {"content": "after Kim was added"}}
    ]"##;
    let ctx1 = Context::new("file:month1.json", Limits::default());
    let ctx2 = Context::new("file:month2.json", Limits::default());
    let mut members = ChatMembers::new();
    gather_teams(month1, &ctx1, &mut members);
    gather_teams(month2, &ctx2, &mut members);
    assert!(members.has_read("file:month1.json") && members.has_read("file:month2.json"));
    let decode = |bytes: &[u8], ctx: &Context, members: Option<&ChatMembers>| {
        let mut ctx = Context::new(ctx.source.clone(), Limits::default());
        let mut batch = Batch::new();
        decode_teams_with(bytes, members, &mut ctx, &mut batch).unwrap();
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        batch
    };
    let to = |batch: &Batch, id: &str| -> Vec<String> {
        let event = batch
            .events
            .iter()
            .find(|e| email(e).message_id.as_deref() == Some(id))
            .unwrap();
        addresses(&email(event).to)
            .into_iter()
            .map(str::to_owned)
            .collect()
    };

    let joined = decode(month2, &ctx2, Some(&members));
    assert_eq!(to(&joined, "b1"), ["occupational.health@force.police.uk"]);
    let reply = &joined.events[0];
    assert_eq!(reply.labels["email.to_source"], "chat-members");
    assert_eq!(
        addresses(&email(reply).display_names),
        ["Occupational Health"]
    );
    assert_eq!(to(&joined, "b3"), ["u-kim"]);
    // Kim was added (in the second file) after the first file's message: not to Kim.
    let first = decode(month1, &ctx1, Some(&members));
    assert!(to(&first, "a2").is_empty(), "{:?}", to(&first, "a2"));
    assert_eq!(to(&first, "a1"), ["alan.smith@force.police.uk"]);

    // Read alone, each file knows only its own members.
    let alone = decode(month2, &ctx2, None);
    assert!(to(&alone, "b1").is_empty());
    // An index that did not gather this file is not used for it: its own members are.
    let mut other = ChatMembers::new();
    gather_teams(month1, &ctx1, &mut other);
    let unread = decode(month2, &ctx2, Some(&other));
    assert!(to(&unread, "b1").is_empty());
    assert_eq!(to(&unread, "b3"), ["u-kim"]);
}

/// Through the files reader, as `probity ingest` reads a folder: a Teams chat, a chat NDJSON
/// conversation and a device thread, each split over two files, are joined; a thread of the same
/// number in a Cellebrite report (which numbers its chats itself) and a Teams `chatId` equal to a
/// device thread are not.
#[test]
fn the_files_of_a_run_are_joined_by_chat() {
    use probity_ingest::files::{collect, decode_file_with, gather_chat_members};
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "teams-1.json",
        r#"[{"id": "a1", "chatId": "7", "createdDateTime": "2024-04-30T10:00:00Z", "from": {"user": {"id": "u-oh", "userPrincipalName": "occupational.health@force.police.uk"}}, "body": {"content": "how is your back?"}}]"#,
    );
    write(
        "teams-2.json",
        r#"[{"id": "b1", "chatId": "7", "createdDateTime": "2024-05-02T10:00:00Z", "from": {"user": {"id": "u-alan", "userPrincipalName": "alan.smith@force.police.uk"}}, "body": {"content": "still bad"}}]"#,
    );
    write(
        "chat-1.ndjson",
        "{\"timestamp\":\"2024-05-01T10:00:00Z\",\"platform\":\"signal\",\"conversation_id\":\"g\",\"sender\":\"welfare@force.police.uk\",\"text\":\"how are you?\"}\n",
    );
    write(
        "chat-2.ndjson",
        "{\"timestamp\":\"2024-05-02T10:00:00Z\",\"platform\":\"signal\",\"conversation_id\":\"g\",\"sender\":\"alan.smith@force.police.uk\",\"text\":\"not good\"}\n",
    );
    write(
        "phone-1.csv",
        "Timestamp,Thread,From,To,Body\n2024-05-01T10:00:00Z,7,+447700900123,+447700900555,can we talk\n",
    );
    write(
        "phone-2.csv",
        "Timestamp,Thread,From,To,Body\n2024-05-02T10:00:00Z,7,+447700900123,,I cannot cope\n",
    );
    write(
        "report.csv",
        "Chat #,Instant Message #,Timestamp: Date,Timestamp: Time,From,To,Body\n\
         7,1,13/05/2024,10:00:00(UTC+0),+447700900999,,another phone's chat 7\n",
    );
    let (files, problems) = collect(&[dir.path().to_path_buf()]);
    assert!(problems.is_empty());
    let options = FileOptions::default();
    let members = gather_chat_members(&files, &options);
    let mut batch = Batch::new();
    for file in &files {
        decode_file_with(&file.path, &options, Some(&members), &mut batch).unwrap();
    }
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    let to_of = |text: &str| -> Vec<&str> {
        let event = batch
            .events
            .iter()
            .find(|e| email(e).body.as_deref() == Some(text))
            .unwrap_or_else(|| panic!("no message {text}"));
        addresses(&email(event).to)
    };
    assert_eq!(to_of("still bad"), ["occupational.health@force.police.uk"]);
    assert_eq!(to_of("not good"), ["welfare@force.police.uk"]);
    assert_eq!(to_of("I cannot cope"), ["+447700900555"]);
    assert!(to_of("another phone's chat 7").is_empty());
    assert_eq!(to_of("can we talk"), ["+447700900555"]);
    assert_eq!(to_of("how is your back?"), ["alan.smith@force.police.uk"]);
}

/// A Teams export in which one chat has more members than are gathered keeps the first and says
/// so on its messages; the others are not lost from the message's own fields.
#[test]
fn a_teams_chat_past_the_member_bound_is_labelled() {
    use probity_ingest::chat::{MAX_CHAT_MEMBERS, MEMBERS_INCOMPLETE_LABEL};
    let mut items = Vec::new();
    for n in 0..MAX_CHAT_MEMBERS + 5 {
        items.push(format!(
            r#"{{"id": "m{n}", "chatId": "19:big", "createdDateTime": "2024-05-06T10:00:00Z", "from": {{"user": {{"id": "u{n}", "userPrincipalName": "p{n}@force.police.uk"}}}}, "body": {{"content": "hi"}}}}"#
        ));
    }
    let batch = teams(format!("[{}]", items.join(",")).as_bytes());
    assert_eq!(batch.events.len(), MAX_CHAT_MEMBERS + 5);
    for event in &batch.events {
        assert!(email(event).to.len() <= MAX_CHAT_MEMBERS);
        assert!(event.labels.contains_key(MEMBERS_INCOMPLETE_LABEL));
    }
    assert_eq!(
        email(&batch.events[MAX_CHAT_MEMBERS + 4]).to.len(),
        MAX_CHAT_MEMBERS
    );
}

// ---------------------------------------------------------------------------------------------
// Probity chat NDJSON
// ---------------------------------------------------------------------------------------------

#[test]
fn chat_ndjson_messages_and_their_problems() {
    let bytes = fixture("chat.ndjson");
    let mut ctx = Context::new("file:chat", Limits::default());
    let mut batch = Batch::new();
    decode_chat(&bytes[..], &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 2);
    let first = &batch.events[0];
    assert_eq!(first.event.category, ["chat"]);
    assert_eq!(first.event.dataset.as_deref(), Some("chat"));
    assert_eq!(first.event.action.as_deref(), Some("message-sent"));
    let mail = email(first);
    assert_eq!(addresses(&mail.from), ["+447700900123"]);
    assert_eq!(addresses(&mail.to), ["+447700900456", "+447700900789"]);
    assert_eq!(mail.subject.as_deref(), Some("Late turn"));
    assert_eq!(mail.body.as_deref(), Some("Anyone fancy a drink after?"));
    assert_eq!(mail.attachments[0].text.as_deref(), Some("Rota week 18"));
    assert_eq!(mail.attachments[0].file.size, Some(20480));
    assert_eq!(first.labels["chat.platform"], "whatsapp");
    assert_eq!(first.labels["chat.direction"], "outgoing");
    assert_eq!(first.original["device"], "handset-0042");
    assert_eq!(
        first.user.as_ref().unwrap().full_name,
        Some("Sam Patel".into())
    );
    assert_eq!(
        first.user.as_ref().unwrap().email,
        None,
        "a phone number is not an email"
    );

    let second = &batch.events[1];
    assert_eq!(second.timestamp.to_rfc3339(), "2024-05-01T09:40:00+00:00");
    assert_eq!(second.labels["chat.edited"], "true");

    let reasons: Vec<(&str, &str)> = batch
        .rejected
        .iter()
        .map(|l| (l.location.as_deref().unwrap(), l.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert_eq!(reasons[0].0, "line 4");
    assert!(
        reasons[0]
            .1
            .starts_with("timestamp \"yesterday\" is not a time")
    );
    assert_eq!(
        reasons[1],
        (
            "line 5",
            "chat message lacks required field(s): timestamp, conversation_id, sender"
        )
    );
    assert!(reasons[2].1.starts_with("invalid JSON"), "{reasons:?}");
    assert_eq!(
        reasons[3].1,
        "expected a JSON object (one chat message per line)"
    );
}

/// Values of the wrong type: read where the meaning is plain (one recipient as a string, a number
/// as text, an attachment by its name), and named in a label where they cannot be read.
#[test]
fn chat_ndjson_values_of_another_type() {
    // Each line in a conversation of its own, so that no line's recipients are another's.
    let head = r#""timestamp": "2024-05-01T09:30:00Z", "platform": "whatsapp", "sender": {"id": "u1", "address": "alan.smith@force.police.uk"}"#;
    let lines = [
        r#""text": 123"#,
        r#""recipients": "mate@gmail.com", "text": "NI AB123456C""#,
        r#""text": "attach as string", "attachments": "foo.csv""#,
        r#""recipients": [true, {"address": ["x@y"]}, "ok@x.org"], "text": {"body": "hidden"}, "attachments": [7, {"name": "a.txt", "size": "12", "text": ["t"]}], "edited": "maybe""#,
        r#""recipients": {"name": "Jo", "address": "+447700900789"}, "deleted": 1, "text": "plain""#,
    ];
    let bytes: String = lines
        .iter()
        .enumerate()
        .map(|(n, rest)| format!("{{{head}, \"conversation_id\": \"c{n}\", {rest}}}\n"))
        .collect();
    let mut ctx = Context::new("file:chat", Limits::default());
    let mut batch = Batch::new();
    decode_chat(bytes.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 5);
    let unread = |n: usize| batch.events[n].labels.get(UNREAD_LABEL).map(String::as_str);

    assert_eq!(email(&batch.events[0]).body.as_deref(), Some("123"));
    assert_eq!(unread(0), None);

    assert_eq!(addresses(&email(&batch.events[1]).to), ["mate@gmail.com"]);
    assert_eq!(unread(1), None);

    let attachments = &email(&batch.events[2]).attachments;
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].file.name.as_deref(), Some("foo.csv"));
    assert_eq!(attachments[0].file.extension.as_deref(), Some("csv"));
    assert_eq!(unread(2), None);

    let mail = email(&batch.events[3]);
    assert_eq!(addresses(&mail.to), ["ok@x.org"]);
    assert_eq!(mail.body, None);
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].file.size, Some(12));
    let label = unread(3).unwrap();
    for field in [
        "recipients[0] (a boolean)",
        "recipients[1].address (an array)",
        "text (an object)",
        "attachments[0] (a number)",
        "attachments[1].text (an array)",
        "edited (a string)",
    ] {
        assert!(label.contains(field), "{field} in {label}");
    }
    // The record as read is kept whole.
    assert_eq!(batch.events[3].original["text"]["body"], "hidden");

    let fifth = &batch.events[4];
    assert_eq!(addresses(&email(fifth).to), ["+447700900789"]);
    assert_eq!(fifth.labels["chat.deleted"], "true");
    assert_eq!(unread(4), None);
}

// ---------------------------------------------------------------------------------------------
// Device CSV
// ---------------------------------------------------------------------------------------------

#[test]
fn device_csv_rows_and_their_problems() {
    let bytes = fixture("device-messages.csv");
    let mut ctx = Context::new("file:device", Limits::default());
    let mut batch = Batch::new();
    decode_sms(&bytes[..], &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 3, "{:?}", batch.rejected);
    let first = &batch.events[0];
    assert_eq!(first.event.category, ["message"]);
    assert_eq!(first.event.dataset.as_deref(), Some("sms"));
    assert_eq!(first.event.action.as_deref(), Some("message-sent"));
    assert_eq!(first.provenance.format, Format::Sms);
    let mail = email(first);
    assert_eq!(addresses(&mail.from), ["+447700900123"]);
    assert_eq!(addresses(&mail.to), ["+447700900456"]);
    assert_eq!(
        mail.body.as_deref(),
        Some("Can you look up the address for me, off the books?")
    );
    assert_eq!(first.labels["chat.direction"], "outgoing");
    assert_eq!(first.labels["chat.application"], "SMS");
    assert_eq!(first.original["From Name"], "Sam Patel");

    let second = &batch.events[1];
    assert_eq!(second.timestamp.to_rfc3339(), "2024-05-02T18:03:00+00:00");
    assert_eq!(second.labels["chat.direction"], "incoming");
    assert_eq!(second.labels["chat.application"], "WhatsApp");
    let names: Vec<_> = email(second)
        .attachments
        .iter()
        .map(|a| a.file.name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["voice-note.opus", "photo.jpg"]);

    let third = &batch.events[2];
    assert_eq!(
        addresses(&email(third).to),
        ["+447700900456", "+447700900789"]
    );
    assert_eq!(third.labels["chat.deleted"], "true");

    assert_eq!(batch.rejected.len(), 2);
    assert_eq!(batch.rejected[0].location.as_deref(), Some("line 4"));
    assert!(
        batch.rejected[0]
            .reason
            .starts_with("timestamp \"02/05/2024 18:64\" is not a time")
    );
    assert_eq!(batch.rejected[1].location.as_deref(), Some("line 6"));
    assert_eq!(
        batch.rejected[1].reason,
        "row has 3 fields; the header has 10"
    );
}

/// A file that cannot be read as a device export is one dead letter holding its rows, so that
/// the communications stage seals it as it does other undecoded messages.
#[test]
fn device_csv_without_the_needed_columns_is_one_dead_letter() {
    let mut ctx = Context::new("file:device", Limits::default());
    let mut batch = Batch::new();
    decode_sms(&b"when,who,what\n1,2,3\n4,5,6\n"[..], &mut ctx, &mut batch).unwrap();
    assert!(batch.events.is_empty());
    assert_eq!(batch.rejected.len(), 1);
    let letter = &batch.rejected[0];
    assert_eq!(letter.format, Some(Format::Sms));
    assert!(
        letter
            .reason
            .contains("no timestamp (or date and time), body, from, to or participants column"),
        "{}",
        letter.reason
    );
    assert_eq!(letter.raw, b"when,who,what\n1,2,3\n4,5,6\n");
    assert_eq!(letter.location.as_deref(), Some("line 1 to the end"));
}

/// A quote left open in a row runs, as RFC 4180 reads it, to the end of the file: the rows after
/// it must not vanish into its field. Where the lines after the quote's line read as rows, the
/// row is read to the end of its line and they are read as rows, each labelled; the row as
/// written to the end is a dead letter with the reason.
#[test]
fn a_quote_left_open_in_a_device_csv_row_does_not_swallow_the_rows_after_it() {
    let csv = "Timestamp,From,To,Body\n\
               2024-05-06T10:00:00Z,07700 900456,07700 900789,\"see you at the \"\"usual\"\" place\n\
               2024-05-06T10:05:00Z,07700 900789,07700 900456,on my way\n\
               \n\
               2024-05-06T10:09:00Z,07700 900456,07700 900789,ok now\n";
    let mut ctx = Context::new("file:device", Limits::default());
    let mut batch = Batch::new();
    decode_sms(csv.as_bytes(), &mut ctx, &mut batch).unwrap();
    let bodies: Vec<_> = batch
        .events
        .iter()
        .map(|event| email(event).body.as_deref().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["see you at the \"usual\" place", "on my way", "ok now"],
        "{:?}",
        batch.rejected
    );
    let first = &batch.events[0];
    assert_eq!(
        first.labels["chat.unclosed_quote"],
        "to the end of its line"
    );
    assert!(!first.labels.contains_key("chat.after_unclosed_quote"));
    for later in &batch.events[1..] {
        assert_eq!(later.labels["chat.after_unclosed_quote"], "line 2");
        assert!(!later.labels.contains_key("chat.unclosed_quote"));
    }
    assert_eq!(
        batch.events[2].provenance.location.as_deref(),
        Some("line 5")
    );
    assert_eq!(batch.rejected.len(), 1);
    let letter = &batch.rejected[0];
    assert_eq!(letter.format, Some(Format::Sms));
    assert_eq!(letter.location.as_deref(), Some("line 2 to the end"));
    assert!(
        letter
            .reason
            .contains("a quote opened on line 2 is never closed"),
        "{}",
        letter.reason
    );
    let rows = csv.split_once('\n').unwrap().1;
    assert_eq!(letter.raw, rows.trim_end().as_bytes());
}

/// A quote left open in a row that a later row's quote closes (in another column) makes, as
/// RFC 4180 reads it, one row of other than the header's fields: the messages between were kept
/// only in its dead letter. They are read as rows, labelled, and the rows after the closing
/// quote's line are read as before.
#[test]
fn messages_between_a_quote_left_open_and_a_later_rows_quote_are_read() {
    let csv = "Timestamp,From,To,Body,Application\n\
               2024-05-06T10:00:00Z,07700 900456,07700 900789,see you at the usual,\"SMS\n\
               2024-05-06T10:05:00Z,07700 900789,07700 900456,on my way,SMS\n\
               2024-05-06T10:07:00Z,07700 900456,07700 900789,\"ok, now\",\"SMS\"\n\
               2024-05-06T10:09:00Z,07700 900789,07700 900456,here,SMS\n";
    let mut ctx = Context::new("file:device", Limits::default());
    let mut batch = Batch::new();
    decode_sms(csv.as_bytes(), &mut ctx, &mut batch).unwrap();
    let bodies: Vec<_> = batch
        .events
        .iter()
        .map(|event| email(event).body.as_deref().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["see you at the usual", "on my way", "ok, now", "here"],
        "{:?}",
        batch.rejected
    );
    assert_eq!(
        batch.events[0].labels["chat.unclosed_quote"],
        "to the end of its line, a later quote closing it"
    );
    for between in &batch.events[1..3] {
        assert_eq!(between.labels["chat.after_unclosed_quote"], "line 2");
    }
    let last = &batch.events[3];
    assert!(!last.labels.contains_key("chat.after_unclosed_quote"));
    assert_eq!(last.provenance.location.as_deref(), Some("line 5"));
    assert_eq!(batch.rejected.len(), 1);
    let letter = &batch.rejected[0];
    assert_eq!(letter.location.as_deref(), Some("line 2"));
    assert!(
        letter
            .reason
            .contains("a quote opened on line 2 is not closed on its line"),
        "{}",
        letter.reason
    );
    assert!(String::from_utf8_lossy(&letter.raw).contains("on my way"));
}

/// Where no line after the quote's reads as a row, the field runs to the end of the file as RFC
/// 4180 reads it (a message whose closing quote is missing), but the message says so and the row
/// is a dead letter too.
#[test]
fn a_quote_left_open_with_no_row_after_it_is_labelled_and_kept() {
    let csv = "Timestamp,From,To,Body,Note\n\
               2024-05-06T10:00:00Z,07700 900456,07700 900789,see you,\"open\n\
               \n\
               zqxcanaryword\n\
               more\n";
    let mut ctx = Context::new("file:device", Limits::default());
    let mut batch = Batch::new();
    decode_sms(csv.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 1, "{:?}", batch.rejected);
    let event = &batch.events[0];
    assert_eq!(
        event.labels["chat.unclosed_quote"],
        "to the end of the file"
    );
    assert_eq!(event.original["Note"], "open\n\nzqxcanaryword\nmore\n");
    assert_eq!(batch.rejected.len(), 1);
    let letter = &batch.rejected[0];
    assert!(
        letter
            .reason
            .contains("a quote opened on line 2 is never closed"),
        "{}",
        letter.reason
    );
    assert!(String::from_utf8_lossy(&letter.raw).contains("zqxcanaryword"));
}

/// The rows read again after an unclosed quote add their parties to their conversation as any
/// row does.
#[test]
fn rows_after_an_unclosed_quote_join_their_conversations() {
    let csv = "Timestamp,Thread,From,To,Body\n\
               2024-05-06T10:00:00Z,t1,alan,bea,\"first\n\
               2024-05-06T10:01:00Z,t1,bea,alan,second\n\
               2024-05-06T10:02:00Z,t1,cal,alan,third\n";
    let mut ctx = Context::new("file:device", Limits::default());
    let mut batch = Batch::new();
    decode_sms(csv.as_bytes(), &mut ctx, &mut batch).unwrap();
    let bodies: Vec<_> = batch
        .events
        .iter()
        .map(|event| email(event).body.as_deref().unwrap())
        .collect();
    assert_eq!(bodies, ["first", "second", "third"]);
    assert_eq!(addresses(&email(&batch.events[0]).to), ["bea", "cal"]);
    assert_eq!(
        batch.events[2].labels["chat.after_unclosed_quote"],
        "line 2"
    );
    assert_eq!(batch.rejected.len(), 1);
}

/// A row over the event size limit whose quote was left open says so: the lines after it are not
/// read again.
#[test]
fn a_quote_left_open_in_a_row_over_the_limit_is_named_in_its_dead_letter() {
    let csv = format!(
        "Timestamp,From,To,Body\n2024-05-06T10:00:00Z,alan,bea,\"{}\n2024-05-06T10:01:00Z,bea,alan,later\n",
        "x".repeat(3000)
    );
    let limits = Limits {
        max_event_bytes: 1000,
        ..Limits::default()
    };
    let mut ctx = Context::new("file:device", limits);
    let mut batch = Batch::new();
    decode_sms(csv.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert!(batch.events.is_empty());
    assert_eq!(batch.rejected.len(), 1);
    assert!(
        batch.rejected[0]
            .reason
            .contains("a quote opened on line 2 is never closed"),
        "{}",
        batch.rejected[0].reason
    );
}

/// A quote left open whose row runs on past the event size limit, lines reading as rows after
/// the quote's: the row is read to the end of the quote's line and the rows after it are read
/// (they were lost in one dead letter over the limit), each labelled; the row's start is a dead
/// letter.
#[test]
fn rows_after_a_quote_left_open_past_the_limit_are_read() {
    let mut csv = String::from(
        "Timestamp,From,To,Body\n2024-05-06T10:00:00Z,alan,bea,\"see you at the usual\n",
    );
    for minute in 1..=20 {
        csv.push_str(&format!(
            "2024-05-06T10:{minute:02}:00Z,bea,alan,reply {minute}\n"
        ));
    }
    let limits = Limits {
        max_event_bytes: 300,
        ..Limits::default()
    };
    let mut ctx = Context::new("file:device", limits);
    let mut batch = Batch::new();
    decode_sms(csv.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 21, "{:?}", batch.rejected);
    let first = &batch.events[0];
    assert_eq!(email(first).body.as_deref(), Some("see you at the usual"));
    assert_eq!(
        first.labels["chat.unclosed_quote"],
        "to the end of its line, open past the size limit"
    );
    let last = &batch.events[20];
    assert_eq!(email(last).body.as_deref(), Some("reply 20"));
    assert_eq!(last.labels["chat.after_unclosed_quote"], "line 2");
    assert_eq!(last.provenance.location.as_deref(), Some("line 22"));
    assert_eq!(batch.rejected.len(), 1);
    let letter = &batch.rejected[0];
    assert_eq!(letter.location.as_deref(), Some("line 2"));
    assert!(
        letter
            .reason
            .contains("a quote opened on line 2 is still open 300 bytes into its row"),
        "{}",
        letter.reason
    );
    assert_eq!(letter.raw.len(), 300);
}

#[test]
fn enormous_chat_text_is_cut_and_labelled() {
    let text = "x".repeat(3000);
    let line = format!(
        "{{\"timestamp\":\"2024-05-01T09:30:00Z\",\"platform\":\"sms\",\"conversation_id\":\"c\",\"sender\":\"a\",\"text\":\"{text}\"}}\n"
    );
    let mut ctx = Context::new(
        "file:chat",
        Limits {
            max_email_body_bytes: 1000,
            max_event_bytes: 2000,
            ..Limits::default()
        },
    );
    let mut batch = Batch::new();
    decode_chat(line.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert!(batch.events.is_empty());
    assert!(
        batch.rejected[0]
            .reason
            .contains("longer than the 2000 byte event limit")
    );

    let mut ctx = Context::new(
        "file:chat",
        Limits {
            max_email_body_bytes: 1000,
            ..Limits::default()
        },
    );
    let mut batch = Batch::new();
    decode_chat(line.as_bytes(), &mut ctx, &mut batch).unwrap();
    let event = &batch.events[0];
    assert_eq!(email(event).body.as_ref().unwrap().len(), 1000);
    assert_eq!(event.labels["email.body_truncated"], "true");
}

/// A Cellebrite report of chats: a title row above the header, a date and a time of day in two
/// columns with the offset written after the time, parties written as a number and a name, and
/// chat-level columns filled on a chat's first row only.
#[test]
fn cellebrite_chat_reports_are_read() {
    let report = "Chats (1),,,,,,,,,,,,,\n\
        #,Chat #,Instant Message #,Direction,Timestamp: Date,Timestamp: Time,From,To,Participants,Body,Status,Source,Attachment #1,Deleted - Instant Message\n\
        1,1,1,Outgoing,13/05/2024,10:00:00(UTC+0),447700900001 Alan,447700912345 Karen Whitfield,\"447700900001 Alan\n447700912345 Karen Whitfield\",You stupid bitch,Sent,WhatsApp,,\n\
        2,,2,,13/05/2024,10:05:00(UTC+1),447700912345 Karen Whitfield,,,leave me alone,Read,,photo.jpg,Yes\n";
    let mut ctx = Context::new("file:report", Limits::default());
    let mut batch = Batch::new();
    decode_sms(report.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 2);
    let first = &batch.events[0];
    assert_eq!(first.timestamp.to_rfc3339(), "2024-05-13T10:00:00+00:00");
    let mail = email(first);
    assert_eq!(addresses(&mail.from), ["447700900001"]);
    let user = first.user.as_ref().unwrap();
    assert_eq!(user.full_name.as_ref().map(Identity::as_str), Some("Alan"));
    // The sender, listed among the participants too, is not a recipient.
    assert_eq!(addresses(&mail.to), ["447700912345"]);
    assert_eq!(addresses(&mail.display_names), ["Karen Whitfield"]);
    assert_eq!(mail.body.as_deref(), Some("You stupid bitch"));
    assert_eq!(mail.message_id.as_deref(), Some("1"));
    assert_eq!(first.labels["chat.conversation_id"], "1");
    assert_eq!(first.labels["chat.application"], "WhatsApp");
    assert_eq!(first.labels["chat.direction"], "outgoing");
    assert_eq!(first.labels["chat.status"], "sent");
    // 13/05 settles the order; the offset is written, so no zone was assumed.
    assert_eq!(first.labels[DATE_ORDER_LABEL], "day/month");
    assert!(!first.labels.contains_key(DATE_ORDER_ASSUMED_LABEL));
    assert!(!first.labels.contains_key(TIME_ZONE_LABEL));
    assert_eq!(first.original["Timestamp: Time"], "10:00:00(UTC+0)");

    let second = &batch.events[1];
    assert_eq!(second.timestamp.to_rfc3339(), "2024-05-13T09:05:00+00:00");
    // The chat's columns carried down; the recipients from its participants.
    assert_eq!(second.labels["chat.conversation_id"], "1");
    assert_eq!(second.labels["chat.application"], "WhatsApp");
    assert_eq!(second.labels["chat.direction"], "incoming");
    assert_eq!(second.labels["chat.deleted"], "true");
    let mail = email(second);
    assert_eq!(addresses(&mail.from), ["447700912345"]);
    assert_eq!(addresses(&mail.to), ["447700900001"]);
    assert_eq!(addresses(&mail.display_names), ["Alan"]);
    assert_eq!(mail.attachments[0].file.name.as_deref(), Some("photo.jpg"));
}

/// An SMS report with a list of parties (`From: …`, `To: …`), its dates month first, and times
/// without an offset, read in the force's zone.
#[test]
fn sms_reports_with_parties_and_local_times() {
    let report = "Parties,Timestamp: Date,Timestamp: Time,Status,Message,Folder\n\
        \"From: +447700900456 Jo Bloggs\nTo: +447700900123 Sam Patel\",05/14/2024,6:04:00 PM,Read,Ring me,Inbox\n\
        \"To: +447700900456 Jo Bloggs\",05/06/2024,6:05:00 PM,Sent,ok,Sent\n";
    let mut ctx = Context::new("file:report", Limits::default());
    let mut batch = Batch::new();
    decode_sms(report.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    let first = &batch.events[0];
    // 6:04 pm on 14 May, British Summer Time.
    assert_eq!(first.timestamp.to_rfc3339(), "2024-05-14T17:04:00+00:00");
    assert_eq!(first.labels[DATE_ORDER_LABEL], "month/day");
    assert_eq!(first.labels[TIME_ZONE_LABEL], FORCE_ZONE_NAME);
    assert_eq!(first.labels["chat.direction"], "incoming");
    let mail = email(first);
    assert_eq!(addresses(&mail.from), ["+447700900456"]);
    assert_eq!(addresses(&mail.to), ["+447700900123"]);
    assert_eq!(addresses(&mail.display_names), ["Sam Patel"]);
    let second = &batch.events[1];
    assert_eq!(second.timestamp.to_rfc3339(), "2024-05-06T17:05:00+00:00");
    assert_eq!(addresses(&email(second).to), ["+447700900456"]);
}

/// Rows whose dates do not settle the order of day and month wait for one that does; at the end
/// of a file that has none, they are read day first and say so.
#[test]
fn device_csv_dates_wait_for_the_file_to_settle_their_order() {
    let read = |csv: &str| {
        let mut ctx = Context::new("file:device", Limits::default());
        let mut batch = Batch::new();
        decode_sms(csv.as_bytes(), &mut ctx, &mut batch).unwrap();
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        batch.events
    };
    let settled = read(
        "Timestamp,From,To,Body\n\
         05/06/2024 10:00,+447700900123,+447700900456,one\n\
         2024-05-07T10:00:00Z,+447700900123,+447700900456,two\n\
         05/13/2024 10:00,+447700900123,+447700900456,three\n",
    );
    let times: Vec<String> = settled.iter().map(|e| e.timestamp.to_rfc3339()).collect();
    // The machine-written time is not held back; the others are read month first.
    assert_eq!(
        times,
        [
            "2024-05-07T10:00:00+00:00",
            "2024-05-06T09:00:00+00:00",
            "2024-05-13T09:00:00+00:00"
        ]
    );
    assert!(!settled[0].labels.contains_key(DATE_ORDER_LABEL));
    assert_eq!(settled[1].labels[DATE_ORDER_LABEL], "month/day");

    let undecided = read(
        "Date,Time,From,To,Body\n\
         02/05/2024,18:04,+447700900456,+447700900123,hi\n",
    );
    let event = &undecided[0];
    assert_eq!(event.timestamp.to_rfc3339(), "2024-05-02T17:04:00+00:00");
    assert_eq!(event.labels[DATE_ORDER_LABEL], "day/month");
    assert!(
        event.labels[DATE_ORDER_ASSUMED_LABEL].contains("cannot be told"),
        "{:?}",
        event.labels
    );
}

// ---------------------------------------------------------------------------------------------
// WhatsApp's own export
// ---------------------------------------------------------------------------------------------

fn whatsapp(text: &str, chat: Option<&str>) -> Batch {
    let mut ctx = Context::new("file:whatsapp", Limits::default());
    let mut batch = Batch::new();
    decode_whatsapp(text.as_bytes(), chat, &mut ctx, &mut batch).unwrap();
    batch
}

#[test]
fn whatsapp_android_export() {
    let export = "06/05/2024, 10:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n\
        06/05/2024, 10:00 - Alan Smith: first line\n\
        second line\n\
        \n\
        06/05/2024, 10:01 - Karen Whitfield: <Media omitted>\n\
        13/05/2024, 9:05\u{202f}pm - +44 7700 900123: ring me\n\
        13/05/2024, 21:06 - Alan Smith: This message was deleted\n";
    let batch = whatsapp(export, Some("Late turn"));
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 5);
    for event in &batch.events {
        assert_eq!(event.provenance.format, Format::Sms);
        assert_eq!(event.event.dataset.as_deref(), Some("whatsapp"));
        assert_eq!(event.event.category, ["message"]);
        assert_eq!(event.labels["chat.application"], "WhatsApp");
        assert_eq!(event.labels[DATE_ORDER_LABEL], "day/month");
        assert!(!event.labels.contains_key(DATE_ORDER_ASSUMED_LABEL));
        assert_eq!(event.labels[TIME_ZONE_LABEL], FORCE_ZONE_NAME);
        assert_eq!(email(event).subject.as_deref(), Some("Late turn"));
    }
    let system = &batch.events[0];
    assert_eq!(system.labels["chat.message_type"], "system");
    assert!(email(system).from.is_empty());

    let first = &batch.events[1];
    // 10:00 in British Summer Time.
    assert_eq!(first.timestamp.to_rfc3339(), "2024-05-06T09:00:00+00:00");
    assert_eq!(first.provenance.location.as_deref(), Some("lines 2-3"));
    let mail = email(first);
    assert_eq!(addresses(&mail.from), ["Alan Smith"]);
    let user = first.user.as_ref().unwrap();
    assert_eq!(
        user.full_name.as_ref().map(Identity::as_str),
        Some("Alan Smith")
    );
    assert_eq!(mail.body.as_deref(), Some("first line\nsecond line"));
    // Everyone else who posts, and the chat the file's name gives.
    assert_eq!(
        addresses(&mail.to),
        ["Karen Whitfield", "+44 7700 900123", "Late turn"]
    );
    assert_eq!(
        addresses(&mail.display_names),
        ["Karen Whitfield", "Late turn"]
    );
    assert_eq!(first.labels["email.to_source"], "chat-members");
    assert_eq!(first.original["text"], "first line\nsecond line");

    let media = email(&batch.events[2]);
    assert_eq!(media.attachments.len(), 1);
    assert!(
        media.attachments[0]
            .extraction
            .as_deref()
            .unwrap()
            .contains("left the file out")
    );
    let number = &batch.events[3];
    assert_eq!(number.timestamp.to_rfc3339(), "2024-05-13T20:05:00+00:00");
    assert_eq!(addresses(&email(number).from), ["+44 7700 900123"]);
    assert_eq!(batch.events[4].labels["chat.deleted"], "true");
}

#[test]
fn whatsapp_iphone_export_month_first() {
    let export = "\u{feff}[5/13/24, 10:00:03 AM] Late turn: \u{200e}Messages and calls are end-to-end encrypted.\n\
        [5/13/24, 10:00:04 AM] Alan Smith: hi\n\
        \u{200e}[5/14/24, 9:00:00 PM] Karen: \u{200e}<attached: 00000012-PHOTO-2024-05-14.jpg>\n";
    let batch = whatsapp(export, None);
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 3);
    assert_eq!(batch.events[0].labels["chat.message_type"], "system");
    let hi = &batch.events[1];
    assert_eq!(hi.timestamp.to_rfc3339(), "2024-05-13T09:00:04+00:00");
    assert_eq!(hi.labels[DATE_ORDER_LABEL], "month/day");
    // The chat's name, which writes its notices, is no party.
    assert_eq!(addresses(&email(hi).to), ["Karen"]);
    let photo = &batch.events[2];
    assert_eq!(photo.timestamp.to_rfc3339(), "2024-05-14T20:00:00+00:00");
    let attachment = &email(photo).attachments[0];
    assert_eq!(
        attachment.file.name.as_deref(),
        Some("00000012-PHOTO-2024-05-14.jpg")
    );
    assert_eq!(attachment.file.extension.as_deref(), Some("jpg"));
}

#[test]
fn whatsapp_problems_are_dead_letters() {
    // Undecidable dates are read day first and say so.
    let batch = whatsapp("06/05/2024, 10:00 - Alan Smith: hi\n", None);
    let event = &batch.events[0];
    assert_eq!(event.timestamp.to_rfc3339(), "2024-05-06T09:00:00+00:00");
    assert!(event.labels.contains_key(DATE_ORDER_ASSUMED_LABEL));
    assert!(email(event).to.is_empty());

    // Lines before the first message; a date that is none; a message over the event limit.
    let long = "x".repeat(3000);
    let export = format!(
        "Exported by a tool\nsecond line\n\
         31/02/2024, 10:00 - Alan Smith: hi\n\
         13/05/2024, 10:00 - Alan Smith: {long}\n\
         14/05/2024, 10:00 - Alan Smith: ok\n"
    );
    let mut ctx = Context::new(
        "file:whatsapp",
        Limits {
            max_event_bytes: 2000,
            ..Limits::default()
        },
    );
    let mut batch = Batch::new();
    decode_whatsapp(export.as_bytes(), None, &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 1);
    assert_eq!(batch.rejected.len(), 3, "{:?}", batch.rejected);
    let reasons: Vec<&str> = batch.rejected.iter().map(|l| l.reason.as_str()).collect();
    assert!(
        reasons[0].contains("2 line(s) before the first message"),
        "{reasons:?}"
    );
    assert_eq!(batch.rejected[0].raw, b"Exported by a tool\nsecond line\n");
    assert!(reasons[1].contains("31/02/2024"), "{reasons:?}");
    assert_eq!(batch.rejected[1].location.as_deref(), Some("line 3"));
    assert!(reasons[2].contains("event limit"), "{reasons:?}");
    for letter in &batch.rejected {
        assert_eq!(letter.format, Some(Format::Sms));
    }

    // Nothing that reads as a message: the whole input is one dead letter.
    let batch = whatsapp("this is not\na chat\n", Some("Karen"));
    assert!(batch.events.is_empty());
    assert_eq!(batch.rejected.len(), 1);
    assert!(
        batch.rejected[0]
            .reason
            .starts_with("not a WhatsApp chat export")
    );
}

/// Chat NDJSON and device exports: a conversation's parties received each of its messages. A
/// message whose record names only its sender (or only one recipient) gets the others of its
/// conversation (same platform and id; a device export's thread) from the whole file, read twice.
#[test]
fn chat_ndjson_and_device_threads_add_the_conversation_s_members() {
    let chat = concat!(
        r#"{"timestamp":"2024-05-01T10:01:00Z","platform":"signal","conversation_id":"g1","sender":"+447700900123","text":"my back is bad"}"#,
        "\n",
        r#"{"timestamp":"2024-05-01T10:00:00Z","platform":"signal","conversation_id":"g1","sender":{"name":"Occupational Health","address":"occupational.health@force.police.uk"},"recipients":["+447700900123"],"text":"how are you?"}"#,
        "\n",
        r#"{"timestamp":"2024-05-01T10:02:00Z","platform":"whatsapp","conversation_id":"g1","sender":"+447700900123","recipients":["+447700900999"],"text":"another platform"}"#,
        "\n",
    );
    let mut ctx = Context::new("file:chat", Limits::default());
    let mut batch = Batch::new();
    decode_chat(chat.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 3, "{:?}", batch.rejected);
    let reply = email(&batch.events[0]);
    assert_eq!(
        addresses(&reply.to),
        ["occupational.health@force.police.uk"]
    );
    assert_eq!(addresses(&reply.display_names), ["Occupational Health"]);
    assert_eq!(batch.events[0].labels["email.to_source"], "chat-members");
    assert_eq!(addresses(&email(&batch.events[1]).to), ["+447700900123"]);
    assert!(!batch.events[1].labels.contains_key("email.to_source"));
    assert_eq!(addresses(&email(&batch.events[2]).to), ["+447700900999"]);

    // The same read from a file, opened twice.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messages.jsonl");
    std::fs::write(&path, chat).unwrap();
    let mut batch = Batch::new();
    decode_file(&path, &FileOptions::default(), &mut batch).unwrap();
    assert_eq!(
        addresses(&email(&batch.events[0]).to),
        ["occupational.health@force.police.uk"]
    );

    // A device export's thread: an outgoing row names one recipient; the thread holds another.
    let csv = "Timestamp,Thread,From,To,To Name,Body\n\
               2024-05-01T10:00:00Z,7,+447700900123,+447700900456,Kim,hello both\n\
               2024-05-01T10:01:00Z,7,+447700900555,+447700900123,,Police Federation here\n\
               2024-05-01T10:02:00Z,8,+447700900123,+447700900777,,other thread\n";
    let mut batch = Batch::new();
    decode_sms(csv.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 3, "{:?}", batch.rejected);
    assert_eq!(
        addresses(&email(&batch.events[0]).to),
        ["+447700900456", "+447700900555"]
    );
    assert_eq!(
        batch.events[0].labels["email.to_source"],
        "message+chat-members"
    );
    assert_eq!(
        addresses(&email(&batch.events[1]).to),
        ["+447700900123", "+447700900456"]
    );
    assert_eq!(addresses(&email(&batch.events[1]).display_names), ["Kim"]);
    assert_eq!(addresses(&email(&batch.events[2]).to), ["+447700900777"]);
    // From a file too.
    let path = dir.path().join("phone.csv");
    std::fs::write(&path, csv).unwrap();
    let mut batch = Batch::new();
    decode_file(&path, &FileOptions::default(), &mut batch).unwrap();
    assert_eq!(email(&batch.events[0]).to.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Detection and dispatch, as the CLI reads files
// ---------------------------------------------------------------------------------------------

#[test]
fn files_are_detected_and_decoded_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("export.json", "teams-export.json", Format::Teams, 4),
        ("messages.jsonl", "chat.ndjson", Format::Chat, 2),
        ("phone.csv", "device-messages.csv", Format::Sms, 3),
        (
            "WhatsApp Chat with Karen.txt",
            "whatsapp.txt",
            Format::Sms,
            4,
        ),
    ];
    for (name, source, format, events) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, fixture(source)).unwrap();
        let mut batch = Batch::new();
        let read_as = decode_file(&path, &FileOptions::default(), &mut batch).unwrap();
        assert_eq!(read_as, format, "{name}");
        assert_eq!(batch.events.len(), events, "{name}: {:?}", batch.rejected);
        assert!(
            !batch.rejected.is_empty(),
            "{name}: the fixtures hold broken entries"
        );
    }
    // WhatsApp's export by its first line, whatever its name, and by its name alone; a file
    // named so that cannot be read is a device export's dead letter, not syslog.
    let renamed = dir.path().join("chat.log");
    std::fs::write(&renamed, fixture("whatsapp.txt")).unwrap();
    let mut batch = Batch::new();
    let read_as = decode_file(&renamed, &FileOptions::default(), &mut batch).unwrap();
    assert_eq!(read_as, Format::Sms);
    assert_eq!(batch.events[0].event.dataset.as_deref(), Some("whatsapp"));
    assert_eq!(batch.events[0].email.as_ref().unwrap().subject, None);
    let named = dir.path().join("WhatsApp Chat with Karen.txt");
    std::fs::write(&named, "not a chat at all\n").unwrap();
    let mut batch = Batch::new();
    let read_as = decode_file(&named, &FileOptions::default(), &mut batch).unwrap();
    assert_eq!(read_as, Format::Sms);
    assert!(batch.events.is_empty());
    assert_eq!(batch.rejected[0].format, Some(Format::Sms));
    // A report whose header lacks a time is a device export's dead letter too.
    let report = dir.path().join("chats.csv");
    std::fs::write(&report, "Chat #,From,To,Body\n1,a,b,hello\n").unwrap();
    let mut batch = Batch::new();
    let read_as = decode_file(&report, &FileOptions::default(), &mut batch).unwrap();
    assert_eq!(read_as, Format::Sms);
    assert!(batch.events.is_empty());
    assert_eq!(batch.rejected.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Arbitrary input
// ---------------------------------------------------------------------------------------------

mod arbitrary {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Whether a Teams export legitimately holds no message at all.
    fn is_empty_export(bytes: &[u8]) -> bool {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return true;
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Array(items)) => items.is_empty(),
            Ok(Value::Object(page)) => page
                .get("value")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty),
            _ => false,
        }
    }

    fn teams_like() -> impl Strategy<Value = Vec<u8>> {
        let base = fixture("teams-export.json");
        (0..base.len(), any::<u8>(), 0..base.len()).prop_map(move |(at, byte, cut)| {
            let mut bytes = base.clone();
            bytes[at] = byte;
            bytes.truncate(cut.max(1));
            bytes
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn teams_never_panics_or_drops(bytes in prop_oneof![teams_like(), proptest::collection::vec(any::<u8>(), 0..300)]) {
            let batch = teams(&bytes);
            if batch.is_empty() {
                prop_assert!(is_empty_export(&bytes), "nothing out of {:?}", String::from_utf8_lossy(&bytes));
            }
        }

        #[test]
        fn chat_lines_each_become_an_event_or_a_dead_letter(lines in proptest::collection::vec("[ -~]{0,80}", 0..20)) {
            let text = lines.join("\n");
            let mut ctx = Context::new("file:chat", Limits::default());
            let mut batch = Batch::new();
            decode_chat(text.as_bytes(), &mut ctx, &mut batch).unwrap();
            let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
            prop_assert_eq!(batch.events.len() + batch.rejected.len(), non_blank);
        }

        #[test]
        fn device_csv_never_panics(body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut bytes = b"timestamp,direction,from,to,body\n".to_vec();
            bytes.extend_from_slice(&body);
            let mut ctx = Context::new("file:device", Limits::default());
            let mut batch = Batch::new();
            let _ = decode_sms(&bytes[..], &mut ctx, &mut batch);
        }
    }
}
