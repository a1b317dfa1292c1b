#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The hard cases for word lists, each with the reason the scanner gives. Slurs are stood in for
//! by made-up words in a test lexicon ("blorp" and friends); the shipped lists are exercised with
//! innocent words, threats and mild insults.

use probity_content::{Lexicon, Model, Policy, Scanner};
use probity_model::{Finding, Level};

const TEST_LEXICON: &str = r#"
category: racist
entries:
  - terms: [blorp]
    severity: critical
    note: test stand-in for a slur
  - terms: [zorb]
    match: prefix
    severity: high
    exceptions: [zorbing, zorb ball]
  - terms: [gloo]
    severity: high
"#;

const TEST_RECLAIMED: &str = r#"
category: homophobic
entries:
  - terms: [quib]
    severity: high
    reclaimable: true
"#;

fn test_scanner() -> Scanner {
    let lexicon = Lexicon::from_sources(&[
        ("test.yaml", TEST_LEXICON),
        ("reclaimed.yaml", TEST_RECLAIMED),
    ])
    .unwrap();
    Scanner::new(Policy::defaults().unwrap(), lexicon, None, None)
}

fn defaults() -> Scanner {
    Scanner::with_defaults().unwrap()
}

/// The findings of one category in a message body.
fn in_category(scanner: &Scanner, category: &str, text: &str) -> Vec<Finding> {
    scanner
        .scan("email.body", text)
        .into_iter()
        .filter(|f| f.category == category)
        .collect()
}

fn only(findings: &[Finding]) -> &Finding {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    &findings[0]
}

#[test]
fn evasions_are_seen_through_and_spans_point_at_what_was_written() {
    let scanner = test_scanner();
    for written in [
        "blorp",
        "BLORP",
        "bl0rp",
        "b.l.o.r.p",
        "b l o r p",
        "b-l-o-r-p",
        "b 🙂 l 🙂 o 🙂 r 🙂 p",
        "blooooorp",
        "blörp",
        "bl\u{043e}rp",
        "ｂｌｏｒｐ",
        "bl\u{200B}orp",
        "bl*orp",
        "bl*rp",
        "b**rp",
        "b1orp",
        "B|0RP",
        "bl_orp",
        "blo.rp",
        "b-lorp",
        "bl-o-rp",
        "blorps",
    ] {
        let text = format!("Oi, you {written}, get here.");
        let findings = scanner.scan("email.body", &text);
        let finding = only(&findings);
        assert_eq!(finding.category, "racist", "{written}");
        assert_eq!(finding.severity, Level::Critical, "{written}");
        let span = &finding.spans[0];
        assert_eq!(&text[span.start..span.end], span.text);
        assert_eq!(
            span.text.chars().next(),
            written.chars().next(),
            "{written} -> {}",
            span.text
        );
        assert!(span.context.contains("get here"), "{}", span.context);
        assert!(finding.why.contains("blorp"), "{}", finding.why);
    }
    // "a" before a word spelled out may be the article or the word's first letter: both are read
    // (and so with the text-speak "u r a").
    for (text, spelled) in [
        ("Oi, you're a b l o r p.", "b l o r p"),
        ("what a b.l.o.r.p", "b.l.o.r.p"),
        ("I b l o r p you", "b l o r p"),
        ("u r a b l o r p", "b l o r p"),
    ] {
        let findings = scanner.scan("email.body", text);
        let span = &only(&findings).spans[0];
        assert_eq!(span.text, spelled, "{text}");
    }
}

#[test]
fn asterisks_for_letters_are_read_with_the_words_around_them() {
    let scanner = defaults();
    for text in [
        "You stupid b*tch.",
        "What a b*tch she is",
        "Stop b*tching about it",
    ] {
        // The lexicon's finding (the misogyny model may add its own).
        let findings = in_category(&scanner, "misogynistic", text);
        let finding = findings
            .iter()
            .find(|f| f.why.contains("lexicon"))
            .unwrap_or_else(|| panic!("{text}: {findings:#?}"));
        assert!(finding.why.contains("\"bitch\""), "{text}: {}", finding.why);
        assert!(finding.spans[0].text.starts_with("b*tch"), "{text}");
    }
    // The likelier reading is taken ("bitch", not the variant "bytch"), so a female dog is set
    // aside as when the word is written out.
    let report = scanner.scan_report("email.body", "The b*tch had six puppies at the kennels.");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // Too little shown to tell one word from another, and words that are no term.
    let scanner = test_scanner();
    for text in [
        "b***p",
        "the bl*rpy file",
        "grade b*** results",
        "a bl*rping noise",
        "2*3=6",
    ] {
        assert!(scanner.scan("email.body", text).is_empty(), "{text}");
    }
}

#[test]
fn double_letters_of_the_entry_are_required() {
    let scanner = test_scanner();
    // `gloo` needs two o's: "glo" is another word.
    assert!(scanner.scan("b", "the glo stick").is_empty());
    assert_eq!(only(&scanner.scan("b", "you gloooo")).category, "racist");
}

/// An exception's doubled letters must be doubled in the text: "woops" (an exclamation) is an
/// exception to a slur that "wops" spells once repeats are squeezed, and "wops" stays a finding.
#[test]
fn double_letters_of_an_exception_are_required() {
    let scanner = defaults();
    for text in [
        "Woops. I didn't have the summary files.",
        "woooops, wrong file",
    ] {
        let found = in_category(&scanner, "racist", text);
        assert!(found.is_empty(), "{text}: {found:#?}");
    }
    for text in [
        "The wops down the road again.",
        "Those wops are all the same.",
    ] {
        assert!(!in_category(&scanner, "racist", text).is_empty(), "{text}");
    }
}

#[test]
fn innocent_words_containing_terms_are_not_flagged() {
    let scanner = defaults();
    let text = "Scunthorpe United, the cockpit crew, Dickens on the syllabus, my therapist, \
                Assassin's Creed, a classic, a bunch of grapes, cocktails, Penistone, \
                Pakistan and Pakistani families, a niggling doubt, flame retardant, spick and span, \
                a chink in the armour, a fag break, Essex, Sussex, Middlesex, passed the assessment, \
                Shitterton, Cockermouth, analysis, title, button, Matsushita, Hancock, Mr Dick Whittington. \
                Who're you taking to the co-op? Take the e-mail and/or the OFFICIAL-SENSITIVE follow-up \
                to the pre-trial review.";
    let findings = scanner.scan("email.body", text);
    assert!(findings.is_empty(), "{findings:#?}");
    // Words that read as a term once repeated letters are read as one ("speed" as "sped"), and
    // ordinary words the terms' plurals and stems reach ("cripes", "niggly").
    for text in [
        "The car was travelling at speed when it hit the wall.",
        "Speed camera footage has been requested.",
        "The suspect sped off towards the M1 and the unit lost sight.",
        "Vehicle sped away from officers on Station Road.",
        "Cripes, that was a long shift.",
        "He has a niggly knee injury so is on restricted duties.",
        "Burglary at the skeet shooting club, clay pigeon traps taken.",
        "Intelligence links him to the Crips gang in the city.",
    ] {
        let findings = scanner.scan("email.body", text);
        assert!(findings.is_empty(), "{text}: {findings:#?}");
    }
    // The same words used as slurs are still found.
    for (text, category) in [
        ("You sped, you can't even read.", "disablist"),
        ("Shut up you crip.", "disablist"),
        ("What a sket she is.", "misogynistic"),
    ] {
        assert!(
            !in_category(&scanner, category, text).is_empty(),
            "{text}: no {category} finding"
        );
    }
}

#[test]
fn exceptions_to_stems_are_recorded_with_their_reason() {
    let scanner = test_scanner();
    let report = scanner.scan_report("email.body", "We went zorbing. Then he zorbed me.");
    let finding = only(&report.findings);
    assert_eq!(finding.spans[0].text, "zorbed");
    assert!(finding.why.contains("word stem"), "{}", finding.why);
    assert_eq!(report.suppressed.len(), 1, "{:#?}", report.suppressed);
    assert_eq!(report.suppressed[0].span.text, "zorbing");
    assert!(
        report.suppressed[0].reason.contains("innocent use"),
        "{}",
        report.suppressed[0].reason
    );

    let report = defaults().scan_report("email.body", "The Pakistani consulate rang.");
    assert!(report.findings.is_empty());
    assert!(
        report
            .suppressed
            .iter()
            .any(|s| s.span.text == "Pakistani" && s.reason.contains("pakistan")),
        "{:#?}",
        report.suppressed
    );
}

#[test]
fn a_female_dog_is_set_aside_by_the_words_around_it() {
    let scanner = defaults();
    for text in [
        "My Labrador bitch gave birth to three puppies today.",
        "I had to take the bitch to the vet today, she would not settle in the van.",
        "The springer bitch from the dog section is in season, keep her apart from the dogs.",
        "Two bitches and a stud dog are due at the kennels on Monday.",
        // "She" is also how a handler speaks of a bitch: described, not called names.
        "She's a lovely working bitch and her puppies are due on Monday.",
        "She is a three year old springer bitch from the dog section.",
        "She is a good bitch, she passed her licensing with the dog unit.",
    ] {
        let report = scanner.scan_report("email.body", text);
        assert!(report.findings.is_empty(), "{text}: {:#?}", report.findings);
        // The slur and any model that scored the text on it are set aside, with the reason.
        let lexicon = report
            .suppressed
            .iter()
            .find(|s| s.category == "misogynistic" && s.reason.contains("innocent sense"))
            .unwrap_or_else(|| panic!("{text}: {:#?}", report.suppressed));
        assert!(lexicon.span.text.to_lowercase().starts_with("bitch"));
    }
    let report = scanner.scan_report(
        "email.body",
        "My Labrador bitch gave birth to three puppies today.",
    );
    assert!(
        report.suppressed.iter().any(|s| s
            .reason
            .contains("model reaches the threshold only with \"bitch\"")),
        "{:#?}",
        report.suppressed
    );
    // A listed innocent use is taken out before the models are asked again: the misogyny model
    // leans on "hoe" whatever the garden.
    let report = scanner.scan_report(
        "email.body",
        "There's a garden hoe hanging right next to that shovel there.",
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(
        report.suppressed.iter().any(|s| s
            .reason
            .contains("\"garden hoe\" is listed as an innocent use of \"hoe\"")),
        "{:#?}",
        report.suppressed
    );
    // Said to someone, or in another sentence, the word is the slur.
    for text in [
        "You stupid bitch, walk the dog yourself.",
        "She is a bitch. The dog is fine.",
        "Bitch, you're the one who let the dog out.",
        "She's a bitch to her dog and to everyone on the team.",
        "That woman is a total bitch about the dog section rota.",
    ] {
        let findings = in_category(&scanner, "misogynistic", text);
        assert!(
            findings.iter().any(
                |f| f.spans.iter().any(|s| s.text.eq_ignore_ascii_case("bitch"))
                    && f.score.is_none()
            ),
            "{text}: {findings:#?}"
        );
    }
}

#[test]
fn reported_speech_is_lowered_not_dropped() {
    let scanner = test_scanner();
    let finding =
        only(&scanner.scan("b", "He called me a blorp in front of the whole shift.")).clone();
    assert_eq!(finding.severity, Level::Low);
    assert!(
        finding.why.contains("lowered from critical to low"),
        "{}",
        finding.why
    );
    assert!(finding.why.contains("called me"), "{}", finding.why);

    let finding =
        only(&scanner.scan("b", "I reported him for saying blorp to the cleaner.")).clone();
    assert_eq!(finding.severity, Level::Low);

    let complaint = "Complaint from Ms A. She states the driver leaned out and shouted \"go home blorp\" at her.";
    let finding = only(&scanner.scan("b", complaint)).clone();
    assert_eq!(finding.severity, Level::Low);

    // The same word used directly, or in quotes outside any report, stays critical.
    assert_eq!(
        only(&scanner.scan("b", "Shut it, blorp.")).severity,
        Level::Critical
    );
    assert_eq!(
        only(&scanner.scan("b", "Honestly, such a \"blorp\" move")).severity,
        Level::Critical
    );
}

#[test]
fn hate_quoted_to_condemn_it_is_lowered_to_low() {
    let scanner = defaults();
    for (text, category) in [
        (
            "Statements like \"Muslims are scum\" are deeply hurtful.",
            "religious_hatred",
        ),
        (
            "If you say \"I hate immigrants\", then you are a bigot.",
            "racist",
        ),
    ] {
        let found = in_category(&scanner, category, text);
        assert!(!found.is_empty(), "{text}: no {category} finding");
        for finding in found {
            assert_eq!(finding.severity, Level::Low, "{text}: {finding:#?}");
            assert!(finding.why.contains("introduced by"), "{}", finding.why);
        }
    }
    // Said, not held up: the same words keep their weight.
    let found = in_category(
        &scanner,
        "religious_hatred",
        "Muslims are scum, \"honestly\".",
    );
    assert!(
        found.iter().any(|f| f.severity == Level::High),
        "{found:#?}"
    );
}

#[test]
fn reported_speech_can_be_suppressed_by_policy() {
    let yaml = "version: 1\ncontext:\n  reported_speech: { action: suppress }\n  negation: { action: downgrade, level: informational }\n  reclaimed: { action: downgrade, level: low }\n";
    let lexicon = Lexicon::from_sources(&[("test.yaml", TEST_LEXICON)]).unwrap();
    let scanner = Scanner::new(Policy::from_yaml("p", yaml).unwrap(), lexicon, None, None);
    let report = scanner.scan_report("b", "She said he called her a blorp.");
    assert!(report.findings.is_empty());
    assert!(
        report.suppressed[0].reason.contains("set aside because"),
        "{}",
        report.suppressed[0].reason
    );
}

fn threat_in(scanner: &Scanner, text: &str) -> Finding {
    let threats: Vec<Finding> = scanner
        .scan("b", text)
        .into_iter()
        .filter(|f| f.category == "threat")
        .collect();
    only(&threats).clone()
}

#[test]
fn negation_lowers_threats_and_insults_but_not_slurs() {
    let scanner = defaults();
    let threat = threat_in(&scanner, "Calm down, I'm going to kill you when I see you");
    assert_eq!(threat.category, "threat");
    assert_eq!(threat.severity, Level::Critical);

    let negated = threat_in(
        &scanner,
        "Calm down, I'm not going to kill you, it was a joke",
    );
    assert_eq!(negated.severity, Level::Informational);
    assert!(negated.why.contains("negated (\"not\""), "{}", negated.why);

    let slur = only(&test_scanner().scan("b", "he is not a blorp")).clone();
    assert_eq!(slur.severity, Level::Critical);
}

#[test]
fn reclaimed_terms_are_lowered_in_self_reference_only() {
    let scanner = test_scanner();
    let own = only(&scanner.scan("b", "As a proud quib I would like to join the network.")).clone();
    assert_eq!(own.severity, Level::Low);
    assert!(own.why.contains("reclaimed"), "{}", own.why);
    let aimed = only(&scanner.scan("b", "Get out of my car, you quib.")).clone();
    assert_eq!(aimed.severity, Level::High);
}

#[test]
fn ordinary_phrases_that_look_like_threats_are_not_flagged() {
    let scanner = defaults();
    for text in [
        "I'll shoot you an email with the figures.",
        "Please kill the process and restart the server.",
        "That deadline will be the death of me.",
        "Watch your step on the custody stairs, they are wet.",
    ] {
        assert!(scanner.scan("b", text).is_empty(), "{text}");
    }
}

#[test]
fn insults_count_only_when_said_to_someone() {
    let scanner = defaults();
    // The lexicon and the classifier both read these; what is asserted is the lexicon's finding
    // on the addressed word.
    let addressed = |text: &str, word: &str| {
        scanner.scan("email.body", text).into_iter().any(|f| {
            f.spans.iter().any(|s| s.text.eq_ignore_ascii_case(word))
                && f.why.contains("said to someone")
        })
    };
    for (text, word) in [
        ("You are a fool, aren't you?", "fool"),
        ("You're dumb.", "dumb"),
        ("you are such a loser", "loser"),
        ("You are an utter clown", "clown"),
        ("Honestly you absolute dimwit", "dimwit"),
        ("your a loser mate", "loser"),
        ("u r a fool", "fool"),
        ("You are completely useless at this job", "useless"),
        ("You’re a disgrace to the uniform", "disgrace"),
        ("Are you stupid?", "stupid"),
        ("you fools", "fools"),
        ("You Wally", "wally"),
        ("You are a Loser", "loser"),
        ("You are a coward and a liar", "coward"),
        ("you are human garbage", "garbage"),
        ("your still a loser", "loser"),
        ("You are incredibly stupid", "stupid"),
        ("You a fool.", "fool"),
        ("Thank you. You a loser", "loser"),
        ("Why are you a clown", "clown"),
        ("shut up you Loser", "loser"),
        ("Oi you Clown, move your car", "clown"),
    ] {
        assert!(addressed(text, word), "{text}: no finding on {word:?}");
    }
    for text in [
        "Thank you. Failure to attend court will be reported to the CPS.",
        "Thank you, stupid question but is the briefing at 9 or 10?",
        "Did you see the report on the failure of the custody system?",
        "You are not a fool, you spotted what the rest of us missed.",
        "If you fool me once, shame on you.",
        "Could you dumb it down a bit for the public meeting?",
        "April fool's day is on a Tuesday this year.",
        "The loser of the appeal pays the costs.",
        "Your stupid car is blocking the yard again.",
        "That was a stupid mistake of mine, sorry.",
        "Thank you Wally, see you at the briefing.",
        "Thank you Leech for the custody update.",
        "We will see you Dick at the briefing.",
        "I told you Wally was on leave.",
        "Did you pervert the course of justice when you deleted the messages?",
        "Could you send the garbage collection schedule for the station?",
        "Mission creep: you creep up on the budget every year.",
        "I will get you a useless spare radio from stores.",
        "Thank you a lot, I sent you a useless draft earlier.",
    ] {
        let findings: Vec<Finding> = scanner
            .scan("email.body", text)
            .into_iter()
            .filter(|f| f.why.contains("said to someone"))
            .collect();
        assert!(findings.is_empty(), "{text}: {findings:#?}");
    }
}

#[test]
fn british_terms_are_found_and_their_innocent_uses_are_not() {
    let scanner = defaults();
    for (text, category) in [
        ("She's a right bint, that one.", "misogynistic"),
        ("Shut up you old bag", "misogynistic"),
        (
            "He's a nonce and everyone on the wing knows it",
            "general_abuse",
        ),
        ("bunch of fenians the lot of them", "religious_hatred"),
        ("You're such a choc ice", "racist"),
        ("that midget from accounts", "disablist"),
        ("you absolute git", "general_abuse"),
        ("That's a bit rapey mate", "harassment"),
    ] {
        assert!(
            !in_category(&scanner, category, text).is_empty(),
            "{text}: no {category} finding"
        );
    }
    for text in [
        "Can you git pull the latest custody scripts before the release?",
        "An old bag containing clothing was recovered from the scene.",
        "Could you grab me a choc ice from the canteen?",
        "The exhibit was a bag of midget gems.",
        "The talk on the Fenian Rising is in the library on Thursday.",
        "Thank you Dick, see you at the briefing.",
        "Tit for tat complaints between the neighbours continue.",
        "Can I get you a choc ice from the canteen?",
        "I apologise if the delay caused you embarrassment.",
        "Can you fool the ANPR camera with a cloned plate?",
        "Could you divvy up the overtime between the teams?",
        "If you trash the cell again you will be charged.",
        "The dairy cow was found on the A road.",
    ] {
        let findings: Vec<Finding> = scanner
            .scan("email.body", text)
            .into_iter()
            .filter(|f| f.severity >= Level::Low)
            .collect();
        assert!(findings.is_empty(), "{text}: {findings:#?}");
    }
}

#[test]
fn contempt_said_of_a_group_is_found_in_its_category() {
    let scanner = defaults();
    for (text, category) in [
        ("Honestly immigrants are vermin.", "racist"),
        ("Muslims are all parasites", "religious_hatred"),
        ("islam is a cancer", "religious_hatred"),
        ("gays are an abomination", "homophobic"),
        ("trans women are perverts and always will be", "transphobic"),
        ("disabled people are a burden", "disablist"),
        ("women are worthless, end of", "misogynistic"),
        ("All asylum seekers are just scum", "racist"),
        ("I hate muslims", "religious_hatred"),
        ("honestly I despise all the immigrants round here", "racist"),
        ("we should exterminate the gays", "homophobic"),
        ("wipe out all trans people", "transphobic"),
        ("Gay people should all be killed.", "homophobic"),
        ("Disabled people are just a waste of space.", "disablist"),
        ("I am going to shoot the next immigrants I see", "racist"),
        ("Let's just eradicate those muslims.", "religious_hatred"),
        ("I really can't stand women like you.", "misogynistic"),
        ("I have so much hatred for you trans people.", "transphobic"),
        // Stereotypes, exclusion and disgust, with or without a word between.
        ("Muslims are all terrorists.", "religious_hatred"),
        (
            "Trans people are a disgrace to this country.",
            "transphobic",
        ),
        ("Disabled people are a drain on society.", "disablist"),
        ("Immigrants are ruining this country.", "racist"),
        ("Those gays make me sick.", "homophobic"),
        ("Muslims don't belong in this country.", "religious_hatred"),
        ("Women should stay in the kitchen.", "misogynistic"),
        ("All immigrants should be deported.", "racist"),
        (
            "Disabled people should not be allowed to have children.",
            "disablist",
        ),
        ("Disabled people shouldn't have children.", "disablist"),
        ("Black people are lazy and violent.", "racist"),
        ("I would never hire a black person.", "racist"),
        ("Gay people should be locked up.", "homophobic"),
        // "They" and "such people" stand for a group named shortly before.
        (
            "Immigrants everywhere round here. They are vermin.",
            "racist",
        ),
        (
            "I met the muslims on the estate, they make me sick.",
            "religious_hatred",
        ),
        ("Bloody immigrants. They're all scum.", "racist"),
        (
            "There are gay people at the party. Such people are an abomination.",
            "homophobic",
        ),
        // Adverbs and asides between the group and what is said of it.
        ("Refugees like you are repugnant.", "racist"),
        ("Jews really are brainless.", "religious_hatred"),
        ("Disabled people are absolutely despicable.", "disablist"),
        ("Gay people like them are vile.", "homophobic"),
        ("Trans people are human garbage.", "transphobic"),
        ("Asylum seekers are dishonest, every one.", "racist"),
        // Violence aimed at one member of the group.
        (
            "I'm going to stab a Muslim on the way home.",
            "religious_hatred",
        ),
        ("Going to shoot that black man tonight.", "racist"),
        ("I want to kill a gay man.", "homophobic"),
        // The group's word before a word of contempt.
        ("Typical gay trash.", "homophobic"),
        ("Jewish vermin, the lot of them.", "religious_hatred"),
        ("Arab filth everywhere in town.", "racist"),
        ("Muslim lives are worthless.", "religious_hatred"),
        // Swearing aimed at or said of the group, and anger said of it.
        ("Fuck all the Muslims.", "religious_hatred"),
        ("Immigrants should get the fuck out.", "racist"),
        ("Disabled people like you make me furious.", "disablist"),
        ("Lesbians make my blood boil.", "homophobic"),
    ] {
        let found = in_category(&scanner, category, text);
        assert!(
            found
                .iter()
                .any(|f| f.why.contains("said of a group") || f.why.contains("aimed at a group")),
            "{text}: no {category} finding said of a group: {found:#?}"
        );
    }
    for text in [
        "Muslims are not vermin and the leaflet says so.",
        "Pest control: rats are vermin and the custody block has them.",
        "Migrants were found in the lorry, and the conditions were disgusting.",
        "Women are at greater risk of cancer after sixty.",
        "The refugees were hungry. Evil people smuggled them in.",
        "Immigrants, rats and damp were all in the landlord's file.",
        "Thanks for meeting the Muslims. Are vermin still a problem at the mosque?",
        "Re the hostel for asylum seekers: are rats still seen in the kitchen?",
        "I hate seeing asylum seekers treated this way.",
        "Hate crime against Muslims rose in May.",
        "I hate it, Muslims in the area say the same.",
        "What I hate: Muslims being blamed for everything.",
        "The pest team will exterminate the rats near the hostel for asylum seekers.",
        "Without a plan, more women will be killed by partners they have already reported.",
        "Women are killed by a man every three days in this country.",
        "We need to get rid of the old forms for immigrants by March.",
        "Officers will execute the warrant at the address of the women's refuge manager.",
        "The conditions asylum seekers are kept in are despicable.",
        // Police business about the same groups and words.
        "The migrants were sick and dehydrated when found.",
        "Asylum seekers destroy their documents before arrival, the Border Force officer said.",
        "Immigration Enforcement will deport the migrants on Tuesday.",
        "Refugees are at risk of exploitation by criminals.",
        "The victims were Muslims and they were terrified.",
        "Failed asylum seekers will be deported next month.",
        "Disabled people are more likely to be victims of hate crime.",
        "Migrants are victims of dangerous smuggling gangs.",
        "Women are a third of the response team now.",
        "Travellers reported that thieves had taken their generator.",
        "The suspect told her that women belonging to the church were welcome.",
        // "They" with no group named shortly before, or with nothing said against it.
        "They are vermin, the pest controller said of the rats in the cells.",
        "Rats were seen in the asylum seekers' hostel. They are vermin and pest control is booked.",
        "We met the Muslims at the mosque. They are worried about the vermin in the kitchen.",
        "The asylum seekers arrived on Monday. They are victims of trafficking.",
        // Contempt shown to a group by others, reported; clauses after "that"; other senses.
        "The gang treated the migrants like animals and kept them in a container.",
        "The traffickers treat these women like property.",
        "I hate that refugees are treated this way.",
        "The victim was a Muslim, and the rats in the flat were reported to the council.",
        "The migrants were dirty and hungry when officers found them.",
        "He told the group he had been fucking women he met online.",
        "We need to shoot the video with the refugees' consent.",
        "Black garbage bags were left outside the mosque.",
    ] {
        let findings: Vec<Finding> = scanner
            .scan("email.body", text)
            .into_iter()
            .filter(|f| f.why.contains("said of a group") || f.why.contains("aimed at a group"))
            .collect();
        assert!(findings.is_empty(), "{text}: {findings:#?}");
    }
}

#[test]
fn categories_can_be_turned_off() {
    let yaml = "version: 1\ncategories:\n  racist: { enabled: false }\n";
    let lexicon = Lexicon::from_sources(&[("test.yaml", TEST_LEXICON)]).unwrap();
    let scanner = Scanner::new(Policy::from_yaml("p", yaml).unwrap(), lexicon, None, None);
    assert!(scanner.scan("b", "you blorp").is_empty());
}

#[test]
fn ordinary_business_sentences_are_not_flagged() {
    let scanner = defaults();
    let mut flagged = Vec::new();
    let mut total = 0;
    for line in fixture_lines(include_str!("fixtures/ordinary_business.txt")) {
        total += 1;
        let alerting: Vec<_> = scanner
            .scan("email.body", line)
            .into_iter()
            .filter(|f| f.severity >= Level::Low)
            .collect();
        if !alerting.is_empty() {
            flagged.push((line, alerting));
        }
    }
    assert!(total >= 60);
    assert!(flagged.is_empty(), "{flagged:#?}");
}

fn fixture_lines(fixture: &str) -> Vec<&str> {
    fixture
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect()
}

fn misogynistic_findings(scanner: &Scanner, line: &str) -> usize {
    scanner
        .scan("email.body", line)
        .into_iter()
        .filter(|f| f.category == "misogynistic" && f.severity >= Level::Low)
        .count()
}

#[test]
fn short_chat_about_women_at_work_is_not_read_as_sexism_and_workplace_sexism_is() {
    // Neither fixture is trained on (the next test checks); both were written for the misogyny
    // model's measurements. Before the model trained on `training/workplace.csv` as well, it
    // flagged 5 of the 40 chat lines and found 14 of the 30 sexist remarks.
    let scanner = defaults();
    let chat = fixture_lines(include_str!("fixtures/women_at_work_chat.txt"));
    let flagged: Vec<&str> = chat
        .iter()
        .copied()
        .filter(|line| misogynistic_findings(&scanner, line) > 0)
        .collect();
    assert_eq!(chat.len(), 40);
    assert!(flagged.len() <= 2, "{flagged:#?}");
    let sexist = fixture_lines(include_str!("fixtures/sexism_at_work.txt"));
    let found = sexist
        .iter()
        .filter(|line| misogynistic_findings(&scanner, line) > 0)
        .count();
    assert_eq!(sexist.len(), 30);
    assert!(found >= 15, "found {found} of 30");
}

#[test]
fn descriptions_of_people_are_not_read_as_abuse() {
    // Not trained on (the next test checks). Before the abusive model trained on
    // `training/descriptions.csv` as well, "Suspect is a white male, victim a white female."
    // scored 0.89 against the policy's 0.85, a general-abuse finding.
    let scanner = defaults();
    let lines = fixture_lines(include_str!("fixtures/descriptions_business.txt"));
    assert_eq!(lines.len(), 30);
    let flagged: Vec<(&str, Vec<Finding>)> = lines
        .iter()
        .map(|line| (*line, scanner.scan("email.body", line)))
        .filter(|(_, findings)| findings.iter().any(|f| f.severity >= Level::Low))
        .collect();
    assert!(flagged.is_empty(), "{flagged:#?}");
}

#[test]
fn the_written_training_sentences_hold_no_evaluation_sentence() {
    let mut examples = probity_content::train::load_workplace().unwrap();
    assert_eq!(examples.len(), 824);
    assert_eq!(examples.iter().filter(|e| e.positive).count(), 120);
    let descriptions = probity_content::train::load_descriptions().unwrap();
    // 600 descriptions and the workplace sentences that are not sexist, none abusive.
    assert_eq!(descriptions.len(), 600 + 704);
    assert!(descriptions.iter().all(|e| !e.positive));
    examples.extend(descriptions);
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    // Runs of five words: a training sentence may share a phrase with a fixture ("has asked
    // for") but not most of a sentence.
    let mut runs = std::collections::HashSet::new();
    for example in &examples {
        for run in words(&example.text).windows(5) {
            runs.insert(run.join(" "));
        }
    }
    for fixture in [
        include_str!("fixtures/women_at_work_chat.txt"),
        include_str!("fixtures/sexism_at_work.txt"),
        include_str!("fixtures/descriptions_business.txt"),
        include_str!("fixtures/women_and_girls_business.txt"),
        include_str!("fixtures/ordinary_business.txt"),
    ] {
        for line in fixture_lines(fixture) {
            let shared: Vec<String> = words(line)
                .windows(5)
                .map(|run| run.join(" "))
                .filter(|run| runs.contains(run))
                .collect();
            assert!(shared.is_empty(), "{line}: {shared:?}");
        }
    }
}

#[test]
fn classifiers_separate_abuse_from_business() {
    let abusive = Model::abusive().unwrap();
    let misogyny = Model::misogyny().unwrap();
    let ordinary = probity_content::normalise(
        "Thanks for covering the front counter this afternoon, much appreciated.",
    );
    let insulting = probity_content::normalise(
        "shut up you stupid ugly idiot, nobody wants you here you loser",
    );
    let sexist = probity_content::normalise(
        "women should stay in the kitchen, they are too emotional to lead",
    );
    assert!(
        abusive.score(&insulting) > 0.8,
        "{}",
        abusive.score(&insulting)
    );
    assert!(
        abusive.score(&ordinary) < 0.5,
        "{}",
        abusive.score(&ordinary)
    );
    assert!(misogyny.score(&sexist) > misogyny.score(&ordinary) + 0.3);
}

#[test]
fn classifier_findings_carry_score_and_evidence() {
    let scanner = defaults();
    let report = scanner.scan_report(
        "email.body",
        "shut up you stupid ugly idiot, nobody wants you here you pathetic loser, go away",
    );
    let from_model = report
        .findings
        .iter()
        .find(|f| f.score.is_some())
        .expect("a model finding");
    assert_eq!(from_model.policy, "abuse");
    assert!(
        from_model.why.contains("abusive model"),
        "{}",
        from_model.why
    );
    assert!(!from_model.spans.is_empty());
    // The finding carries the score the report gives the model, and it is a high one.
    assert!(
        report
            .scores
            .iter()
            .any(|(name, s)| &**name == "abusive" && Some(*s) == from_model.score && *s >= 0.8),
        "{:?}",
        report.scores
    );
}

#[test]
fn oversized_text_is_cut_at_the_limit_and_said_so() {
    let yaml = "version: 1\nlimits: { max_text_bytes: 1000, max_findings: 5 }\n";
    let lexicon = Lexicon::from_sources(&[("test.yaml", TEST_LEXICON)]).unwrap();
    let scanner = Scanner::new(Policy::from_yaml("p", yaml).unwrap(), lexicon, None, None);
    let text = "blorp é ".repeat(500);
    let report = scanner.scan_report("b", &text);
    assert!(report.unscanned_bytes > 0);
    assert_eq!(report.findings.len(), 5);
}

#[test]
fn shipped_lexicon_directory_loads_like_the_embedded_defaults() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/lexicons");
    let from_dir = Lexicon::from_dir(std::path::Path::new(dir)).unwrap();
    assert_eq!(
        from_dir.entries().len(),
        Lexicon::defaults().unwrap().entries().len()
    );
}

#[test]
fn bad_lexicons_are_errors_that_name_the_file() {
    let err = Lexicon::from_sources(&[("mine.yaml", "category: rude\nentries: []\n")]).unwrap_err();
    assert!(err.to_string().contains("mine.yaml"), "{err}");
    let err = Lexicon::from_sources(&[(
        "mine.yaml",
        "category: racist\nentries:\n  - terms: [x]\n    severity: awful\n",
    )])
    .unwrap_err();
    assert!(err.to_string().contains("awful"), "{err}");
}

#[test]
fn scanner_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Scanner>();
}

/// A long text does not build up a classifier score from the small leanings of words it repeats:
/// past the lengths the models learnt from, it scores as a text of that length with the same
/// average leaning. Scored by the plain square-root rule, this sentence repeated a thousand times
/// reached 0.71 for misogyny and raised a finding.
#[test]
fn a_sentence_repeated_many_times_scores_as_a_few_repeats_do() {
    let scanner = defaults();
    let line = "Please find the report attached, kind regards. ";
    let misogyny = |text: &str| {
        let report = scanner.scan_report("email.body", text);
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
        report
            .scores
            .iter()
            .find(|(name, _)| &**name == "misogyny")
            .map(|(_, score)| *score)
            .unwrap()
    };
    // Seven words a repeat: eighteen repeats are just under the length where damping starts.
    let at_length = misogyny(&line.repeat(18));
    for repeats in [100, 1_000, 10_000] {
        let long = misogyny(&line.repeat(repeats));
        assert!(
            (long - at_length).abs() < 0.02,
            "{repeats} repeats: {long} against {at_length}"
        );
    }
}

/// A misogynistic passage in a long ordinary email: averaged with the rest, the text as a whole
/// raises nothing; with the policy's `passage_threshold` set, the passage is found and named.
#[test]
fn a_passage_in_a_long_email_is_found_when_the_policy_scores_passages() {
    let filler =
        "The rota for next week is attached and the briefing is at nine in the main room. ";
    let passage = "Women are too emotional and stupid to be in charge of anything, they should stay at \
                   home and obey their husbands. Females only get promoted because they sleep with \
                   the boss, every woman in this job is useless.";
    let text = format!("{}{passage} {}", filler.repeat(15), filler.repeat(15));
    // The model's findings (the lexicon finds "too emotional" said of women wherever it is).
    let misogynistic = |scanner: &Scanner| -> Vec<Finding> {
        scanner
            .scan("email.body", &text)
            .into_iter()
            .filter(|f| f.category == "misogynistic" && f.score.is_some())
            .collect()
    };
    // The shipped policy scores long texts whole.
    assert!(misogynistic(&defaults()).is_empty());
    // Alone, the passage is flagged anyway.
    assert!(
        defaults()
            .scan("email.body", passage)
            .iter()
            .any(|f| f.category == "misogynistic")
    );

    let mut policy = Policy::defaults().unwrap();
    policy.misogyny.as_mut().unwrap().passage_threshold = Some(0.6);
    let scanner = Scanner::new(
        policy,
        Lexicon::defaults().unwrap(),
        Some(Model::abusive().unwrap()),
        Some(Model::misogyny().unwrap()),
    );
    let found = misogynistic(&scanner);
    let finding = only(&found);
    assert!(
        finding.why.contains("for a passage of 60 words"),
        "{}",
        finding.why
    );
    assert!(finding.score.unwrap() >= 0.6);
    let at = text.find(passage).unwrap();
    for span in &finding.spans {
        assert!(
            span.start >= at && span.end <= at + passage.len(),
            "{span:?} outside the passage at {at}"
        );
        assert_eq!(&text[span.start..span.end], span.text);
    }
    // Ordinary long text stays clear with passages scored.
    let ordinary = filler.repeat(40);
    assert!(
        scanner
            .scan("email.body", &ordinary)
            .iter()
            .all(|f| f.category != "misogynistic")
    );
}

/// A reply written above the messages it answers is scored apart from them: scored whole, a
/// remark of one line is averaged with every word of the thread below it.
#[test]
fn a_reply_is_scored_apart_from_the_quoted_messages_below_it() {
    let thread = "\r\n\r\nFrom: Sam Lane\r\nSent: 02 March 2026 10:15\r\nTo: Dan Moss\r\nSubject: RE: rota\r\n\r\n"
        .to_owned()
        + &"The rota for next week is attached and the briefing is at nine in the main room. "
            .repeat(8);
    let remark = "Don't send a female to that job, they can't handle a fight.";
    let scanner = defaults();
    let misogynistic = |text: &str| in_category(&scanner, "misogynistic", text);
    // Alone the remark is flagged; as the reply to a thread it still is, and says so.
    assert!(!misogynistic(remark).is_empty());
    let text = format!("{remark}{thread}");
    let report = scanner.scan_report("email.body", &text);
    let whole = report
        .scores
        .iter()
        .find(|(name, _)| &**name == "misogyny")
        .map(|(_, score)| *score)
        .unwrap();
    assert!(whole < 0.3, "the thread no longer dilutes: {whole}");
    let found = misogynistic(&text);
    let finding = only(&found);
    assert!(
        finding
            .why
            .contains("for the reply above the quoted messages"),
        "{}",
        finding.why
    );
    for span in &finding.spans {
        assert!(span.end <= remark.len(), "{span:?} outside the reply");
    }
    // An ordinary reply to the same thread, and the remark quoted below an ordinary reply,
    // raise nothing: the reply is what is scored apart, not the history.
    assert!(misogynistic(&format!("Thanks, I will be there at nine.{thread}")).is_empty());
    let quoted = format!("Thanks, I will be there at nine.{thread}\r\n> {remark}");
    assert!(misogynistic(&quoted).is_empty());
}

/// Earlier messages quoted below a reply may not be the sender's words: what is found there is
/// lowered, and says why; the same words in the reply itself are not. A policy may set them
/// aside instead.
#[test]
fn words_in_the_quoted_history_below_a_reply_are_lowered() {
    let thread = "\r\n\r\n-----Original Message-----\r\nFrom: Sam Lane\r\nSent: 02 March 2026 10:15\r\n\
                  To: Dan Moss\r\nSubject: rota\r\n\r\nYou absolute blorp, the rota is wrong again.";
    let reply = "Thanks, I have passed this to professional standards.";
    let scanner = test_scanner();
    let text = format!("{reply}{thread}");
    let found = scanner.scan("email.body", &text);
    let finding = only(&found);
    assert_eq!(finding.severity, Level::Informational);
    assert!(
        finding.why.contains("quoted in the reply"),
        "{}",
        finding.why
    );
    assert!(finding.spans[0].start > reply.len());
    // With `>` quoting, only the quoted lines are quoted: an answer written between or below
    // them is the sender's own, however it starts.
    let inline = "Answers below, Sam.\nOn Mon, 2 Mar 2026, Sam Lane wrote:\n> Is the rota done?\n\
                  You absolute blorp, do it yourself.\n> And the briefing?\nNo.";
    let found = scanner.scan("email.body", inline);
    assert_eq!(only(&found).severity, Level::Critical, "{found:#?}");
    let quoting = "Answers below, Sam.\nOn Mon, 2 Mar 2026, Sam Lane wrote:\n> You absolute blorp.\nI have reported this.";
    let found = scanner.scan("email.body", quoting);
    assert_eq!(only(&found).severity, Level::Informational, "{found:#?}");
    // Written in the reply, above the same thread: the sender's own words.
    let own = format!("You absolute blorp, do it again.{thread}");
    let found = scanner.scan("email.body", &own);
    assert!(
        found.iter().any(|f| f.severity == Level::Critical),
        "{found:#?}"
    );

    let yaml = "version: 1\ncontext:\n  reported_speech: { action: downgrade, level: low }\n  negation: { action: downgrade, level: informational }\n  reclaimed: { action: downgrade, level: low }\n  quoted_history: { action: suppress }\n";
    let lexicon = Lexicon::from_sources(&[("test.yaml", TEST_LEXICON)]).unwrap();
    let strict = Scanner::new(Policy::from_yaml("p", yaml).unwrap(), lexicon, None, None);
    let report = strict.scan_report("email.body", &text);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(
        report.suppressed[0].reason.contains("quoted in the reply"),
        "{}",
        report.suppressed[0].reason
    );
}

/// A classifier's finding on a whole text that reaches the threshold only with the quoted thread
/// is lowered the same way; one the reply reaches alone is not.
#[test]
fn a_classifier_finding_resting_on_the_quoted_thread_is_lowered() {
    let remark = "Don't send a female to that job, they can't handle a fight. ";
    let thread = format!(
        "\r\n\r\nFrom: Sam Lane\r\nSent: 02 March 2026 10:15\r\nTo: Dan Moss\r\nSubject: RE: job\r\n\r\n{}",
        remark.repeat(3)
    );
    let scanner = defaults();
    let misogynistic = |text: &str| in_category(&scanner, "misogynistic", text);
    let quoted = misogynistic(&format!("Thanks, I will be there at nine.{thread}"));
    let finding = only(&quoted);
    assert_eq!(finding.severity, Level::Informational, "{}", finding.why);
    assert!(
        finding
            .why
            .contains("only with the earlier messages it quotes"),
        "{}",
        finding.why
    );
    let own = misogynistic(&format!("{remark}{thread}"));
    assert!(
        own.iter().all(|f| f.severity > Level::Informational),
        "{own:#?}"
    );
    assert!(!own.is_empty());
}

#[test]
fn threats_the_writer_makes_are_found_and_warnings_and_denials_are_not() {
    let scanner = defaults();
    for (text, severity) in [
        ("I will find you and kill you.", Level::Critical),
        ("I'm going to fucking stab you.", Level::Critical),
        ("I will hurt you.", Level::High),
        ("I'm gonna punch you in the face tomorrow.", Level::High),
        ("We will come round and batter your family.", Level::High),
        ("I'm going to make you suffer.", Level::High),
        ("I'll make your life hell in this team.", Level::High),
        ("I would love to see you suffer.", Level::High),
        ("I hope you get run over on the way home.", Level::High),
    ] {
        let threat = threat_in(&scanner, text);
        assert_eq!(threat.severity, severity, "{text}: {threat:#?}");
    }
    // A warning to a victim names another's intent; a denial or a question is no threat; a
    // phrasal use is ordinary.
    for text in [
        "He may hurt you if you go back to the flat.",
        "We are worried he will hurt you again.",
        "I don't want to hurt you.",
        "I will never hurt you.",
        "Why would I want to hurt you?",
        "I will kill the process on the server tonight.",
        "I'll shoot you some dates for the training.",
        "I'll slap you on the rota for Tuesday.",
        "Do you want to end your life? The Samaritans can help.",
        "I hope you suffer no ill effects from the jab.",
        "Why wait until you're dead to make a will?",
        "Give him enough rope to hang yourself, as they say.",
    ] {
        let threats = in_category(&scanner, "threat", text);
        assert!(threats.is_empty(), "{text}: {threats:#?}");
    }
    // Reported, it is lowered like any threat.
    let reported = threat_in(
        &scanner,
        "She told us he said I will hurt you and your kids.",
    );
    assert_eq!(reported.severity, Level::Low, "{reported:#?}");
}

#[test]
fn surnames_slashes_and_code_are_not_read_as_slurs() {
    let scanner = defaults();
    for text in [
        "Thanks, Kate Looney",
        "John P. Looney wrote:",
        "Kenneth Pollack, a former analyst, said so.",
        "Please ring Mr Pollack back.",
        "If he/she is well cared for, the cat will be fine.",
        "set $pick(msgs) [list]",
        "Dick Van Dyke is on at nine.",
        "The spastic diplegia unit at the hospital called about the witness.",
        "Can you grab me a faggot and peas from the chippy?",
        "That will piss off the users, so warn them first.",
        "Let's clean up yours before the audit.",
        "GOTO or any of its bastard offspring.",
        "This update will cripple the browser.",
        "The vendor says it's a very sexy product.",
    ] {
        let report = scanner.scan_report("b", text);
        assert!(report.findings.is_empty(), "{text}: {:#?}", report.findings);
    }
    let looney = scanner.scan_report("b", "Thanks, Kate Looney");
    assert!(
        looney.suppressed[0]
            .reason
            .contains("part of a person's name"),
        "{looney:#?}"
    );
    let slash = scanner.scan_report("b", "If he/she is well cared for");
    assert!(slash.suppressed[0].reason.contains("slash"), "{slash:#?}");
    // The slurs themselves are still found.
    for (text, category) in [
        ("You Looney!", "disablist"),
        ("Stupid Looney.", "disablist"),
        ("what a looney", "disablist"),
        ("dirty polack", "racist"),
        ("shut up you he-she", "transphobic"),
        ("you $pick!", "racist"),
        ("you faggot", "homophobic"),
        ("what a spastic", "disablist"),
        ("you cripple", "disablist"),
        ("piss off, you prat", "general_abuse"),
        ("up yours!", "general_abuse"),
        ("you look sexy today", "harassment"),
        ("she's sexy, isn't she", "harassment"),
    ] {
        let found = in_category(&scanner, category, text);
        assert!(
            !found.is_empty(),
            "{text}: {:#?}",
            scanner.scan_report("b", text)
        );
    }
}

/// The misogyny model's score counts only in a text that speaks of women, girls, sex or gender
/// (`needs_words`): a subject line about a laptop reaches the threshold on words it shares with
/// the posts the model learnt from.
#[test]
fn the_misogyny_model_needs_a_text_about_women_or_gender() {
    let subject = "Re: [ILUG] Using Normal IDE Device with a Dell Latitude CPx laptop";
    let report = set_aside_over_threshold(&defaults(), subject);
    assert!(
        report
            .suppressed
            .iter()
            .any(|s| s.term == "misogyny" && s.reason.contains("needs_words")),
        "{:#?}",
        report.suppressed
    );
    // Without the list, the same policy reports it: the list is what sets it aside.
    let mut policy = Policy::defaults().unwrap();
    policy.misogyny.as_mut().unwrap().needs_words = Default::default();
    let without = Scanner::new(
        policy,
        Lexicon::defaults().unwrap(),
        None,
        Some(Model::misogyny().unwrap()),
    );
    assert!(
        without
            .scan("email.subject", subject)
            .iter()
            .any(|f| f.category == "misogynistic"),
        "{subject}"
    );
    // A text about women still reports, and stems of the list ("female*", "femin*") count.
    let scanner = defaults();
    for text in [
        "Women make terrible bosses, always emotional.",
        "Females should not be allowed to drive the response cars at all.",
        "Feminists are ruining this force with all their whining and complaining.",
    ] {
        assert!(
            !in_category(&scanner, "misogynistic", text).is_empty(),
            "{text}: {:#?}",
            scanner.scan_report("email.body", text)
        );
    }
}

/// "Bitch" as the verb (to complain) and in the idiom for a hard task is said of anyone and
/// anything; the slur is still found.
#[test]
fn bitch_as_a_verb_or_idiom_is_not_the_slur() {
    let scanner = defaults();
    for text in [
        "Guido will bitch like hell about waiting an extra second for his batch.",
        "He bitches about everything, but he is the boss.",
        "There is something called SmartList which is a bitch to set up.",
        "The new duty system is a bitch to configure, give me a day.",
        "Stop bitching about the rota and swap with someone.",
    ] {
        let found = in_category(&scanner, "misogynistic", text);
        assert!(found.is_empty(), "{text}: {found:#?}");
    }
    for text in [
        "She is a bitch to everyone on the team.",
        "Tell the silly bitch to get the files herself.",
    ] {
        assert!(
            !in_category(&scanner, "misogynistic", text).is_empty(),
            "{text}"
        );
    }
}

/// The report on a subject line that the misogyny model scores over the policy's threshold of 0.3
/// (the case needs that) and that has no finding all the same.
fn set_aside_over_threshold(scanner: &Scanner, subject: &str) -> probity_content::ScanReport {
    let report = scanner.scan_report("email.subject", subject);
    let score = misogyny_score(&report);
    assert!(
        score >= 0.3,
        "the case needs a score over the threshold: {score}"
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    report
}

fn misogyny_score(report: &probity_content::ScanReport) -> f32 {
    report
        .scores
        .iter()
        .find(|(name, _)| name.as_ref() == "misogyny")
        .map(|(_, s)| *s)
        .unwrap()
}

#[test]
fn a_model_needs_enough_words_and_ignores_addresses_and_links() {
    let scanner = defaults();
    // Two words give the misogyny model a high score on a word it learnt in another sense; the
    // policy's `min_words` sets it aside and says so.
    let report = set_aside_over_threshold(&scanner, "Robot census");
    assert!(
        report.suppressed[0].reason.contains("fewer than the 6"),
        "{:#?}",
        report.suppressed
    );
    // A correspondent's address in a quoted header carries the score; without it the text is
    // under the threshold.
    let text = "On Thu, 5 Sep 2002 bitbitch@magnesium.net wrote:\n> Again, these situations are great, provided everyone is aware that the relationship is a contractual one -- he wants a maid, she wants a green card. Women from poorer countries get a way out.\n\nI agree with most of that.\n";
    let report = scanner.scan_report("email.body", text);
    let with = misogyny_score(&report);
    assert!(
        with >= 0.3,
        "the case needs a score over the threshold: {with}"
    );
    assert!(
        !report.findings.iter().any(|f| f.category == "misogynistic"),
        "{:#?}",
        report.findings
    );
    let set_aside = report
        .suppressed
        .iter()
        .find(|s| s.term == "misogyny")
        .unwrap();
    assert_eq!(set_aside.span.text, "bitbitch@magnesium.net");
    assert!(set_aside.reason.contains("without them"), "{set_aside:#?}");
    // Long enough and without addresses, the model still reports.
    let sexist = in_category(
        &scanner,
        "misogynistic",
        "Women make terrible bosses, always emotional.",
    );
    assert!(!sexist.is_empty());
}

/// The severity of the one finding of `category` in `text`, if there is one.
fn severity_in(scanner: &Scanner, category: &str, text: &str) -> Option<Level> {
    let found = in_category(scanner, category, text);
    assert!(found.len() <= 1, "{text}: {found:#?}");
    found.first().map(|f| f.severity)
}

/// A slur that someone is told not to call another, or told what to do if called, is mentioned
/// to forbid it: lowered as reported speech is. The same word said to someone, or called them
/// by the writer, is still a finding at full severity.
#[test]
fn a_slur_someone_is_told_not_to_call_another_is_lowered_as_a_mention() {
    let scanner = defaults();
    for (text, category) in [
        (
            "Please don't ever call anyone a paki, it's racist and unacceptable.",
            "racist",
        ),
        (
            "If anyone calls you a tranny, report it to your supervisor.",
            "transphobic",
        ),
        ("Calling someone a paki is a disciplinary matter.", "racist"),
        ("You must never call a colleague a retard.", "disablist"),
    ] {
        let finding = only(&in_category(&scanner, category, text)).clone();
        assert_eq!(finding.severity, Level::Low, "{text}: {}", finding.why);
        assert!(finding.why.contains("call"), "{}", finding.why);
    }
    for text in [
        "I'll call you a paki if I want",
        "Don't be such a paki",
        "don't call me, you paki",
        "If I call you a paki, what are you going to do about it?",
        "Call me when you're done, you paki.",
    ] {
        assert_eq!(
            severity_in(&scanner, "racist", text),
            Some(Level::Critical),
            "{text}"
        );
    }
}

/// Place names, an organisation's name and the verb "to retard" hold a term's letters and are
/// set aside with the reason; the words used as abuse are still found.
#[test]
fn place_names_organisations_and_the_verb_retard_are_not_slurs() {
    let scanner = defaults();
    for (text, reason) in [
        (
            "The burglary was in Bitchfield, Lincolnshire.",
            "bitchfield",
        ),
        ("Bitchfield, Lincolnshire: burglary reported.", "bitchfield"),
        // Any name of a place or person that only starts with a stem, capitalised mid-sentence.
        ("A van was stolen in Wankford, Kent.", "capitalised word"),
        (
            "Statement taken from Mr Niggemann today.",
            "capitalised word",
        ),
        ("The flame retardancy test failed.", "retardancy"),
        (
            "We need to retard the ignition timing on the van.",
            "retard the ignition",
        ),
        ("Gaylord Road was closed for the parade.", "place name"),
        (
            "She is a member of the Queer Police Network.",
            "organisation",
        ),
    ] {
        let report = scanner.scan_report("b", text);
        assert!(report.findings.is_empty(), "{text}: {:#?}", report.findings);
        assert!(
            report.suppressed.iter().any(|s| s.reason.contains(reason)),
            "{text}: {:#?}",
            report.suppressed
        );
    }
    for (text, category) in [
        ("you gaylord", "homophobic"),
        ("shut up, Gaylord", "homophobic"),
        ("what a retard", "disablist"),
        ("he's retarded", "disablist"),
        ("stop your Bitching", "misogynistic"),
        ("that Bitchface in HR again", "misogynistic"),
        ("I hate that Queer", "homophobic"),
        ("Queer Police", "homophobic"),
    ] {
        assert!(
            !in_category(&scanner, category, text).is_empty(),
            "{text}: {:#?}",
            scanner.scan_report("b", text)
        );
    }
}

/// Spellings of slurs with look-alike digits and letters, and letters of other alphabets drawn
/// like Latin ones, are read as the slurs; a surname spelled like one is set aside.
#[test]
fn evasions_by_spelling_and_look_alike_letters_are_found() {
    let scanner = defaults();
    for (text, category, least) in [
        ("you stupid ni99er", "racist", Level::Critical),
        ("you stupid cvnt", "misogynistic", Level::High),
        ("you stupid kunt", "misogynistic", Level::High),
        ("you fucking ph4ggot", "homophobic", Level::High),
        ("you stupid b\u{026A}tch", "misogynistic", Level::High),
        ("he's a fucking \u{13E2}aki", "racist", Level::Critical),
    ] {
        let findings = in_category(&scanner, category, text);
        assert!(
            findings.iter().any(|f| f.severity >= least),
            "{text}: {:#?}",
            scanner.scan_report("b", text)
        );
    }
    let report = scanner.scan_report("b", "Please ring Mr Kunt back about the van.");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}
