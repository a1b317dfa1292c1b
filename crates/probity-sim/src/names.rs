//! Names, places and the ways records systems write them.

use rand::Rng;

use crate::rng::{SimRng, pick};

/// Surnames, most common first (a Zipf-like weight is applied by position).
pub(crate) const SURNAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "O'Neill",
    "O'Brien",
    "Nowak",
    "Kowalski",
    "Okafor",
    "Mensah",
    "Ahmed",
    "Chen",
    "Nguyen",
    "Rahman",
    "Sharma",
    "Mahmood",
    "McDonald",
    "MacLeod",
    "Fitzgerald",
    "Doyle",
    "Kaur",
    "Osei",
    "Adeyemi",
    "Smith-Jones",
    "Lewis-Hall",
    "Pearson",
    "Holland",
    "Lawrence",
    "Gibson",
    "Fletcher",
    "Hayes",
    "Rees",
    "Burton",
    "Duncan",
    "Fraser",
    "Sutton",
    "Hart",
    "Ryan",
    "Reid",
    "Cole",
    "Gordon",
    "Dawson",
    "Pritchard",
    "Henderson",
    "Booth",
    "Hudson",
    "Walsh",
    "Porter",
    "Mann",
    "Kennedy",
    "Wells",
    "Nicholson",
    "Stewart",
    "Francis",
    "Day",
    "Bradley",
    "Hamilton",
    "Graham",
    "Warren",
];

/// Female forenames with a short usual form where one is common.
pub(crate) const FEMALE: &[&str] = &[
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Sophie",
    "Grace",
    "Mia",
    "Poppy",
    "Ella",
    "Lily",
    "Evie",
    "Isabella",
    "Charlotte",
    "Jessica",
    "Daisy",
    "Sophia",
    "Alice",
    "Freya",
    "Ruby",
    "Hannah",
    "Chloe",
    "Lucy",
    "Emma",
    "Sarah",
    "Laura",
    "Rebecca",
    "Rachel",
    "Claire",
    "Nicola",
    "Karen",
    "Helen",
    "Joanne",
    "Michelle",
    "Amanda",
    "Julie",
    "Lisa",
    "Susan",
    "Deborah",
    "Jane",
    "Catherine",
    "Elizabeth",
    "Victoria",
    "Natalie",
    "Gemma",
    "Kelly",
    "Zara",
    "Aisha",
    "Fatima",
    "Priya",
    "Sana",
    "Maria",
    "Anna",
    "Agnieszka",
    "Chiamaka",
    "Ama",
    "Megan",
    "Sian",
    "Niamh",
    "Siobhan",
    "Kirsty",
    "Leanne",
    "Donna",
    "Tracey",
    "Paula",
    "Margaret",
    "Patricia",
    "Jennifer",
    "Ellie",
    "Holly",
    "Abigail",
    "Bethany",
    "Katie",
    "Zoe",
    "Jade",
];

/// Male forenames.
pub(crate) const MALE: &[&str] = &[
    "Oliver",
    "George",
    "Harry",
    "Noah",
    "Jack",
    "Leo",
    "Arthur",
    "Muhammad",
    "Oscar",
    "Charlie",
    "Jacob",
    "Thomas",
    "Henry",
    "William",
    "James",
    "Joshua",
    "Daniel",
    "Samuel",
    "Alexander",
    "Benjamin",
    "David",
    "John",
    "Michael",
    "Paul",
    "Mark",
    "Andrew",
    "Richard",
    "Robert",
    "Christopher",
    "Stephen",
    "Matthew",
    "Peter",
    "Ian",
    "Gary",
    "Steven",
    "Simon",
    "Darren",
    "Lee",
    "Craig",
    "Kevin",
    "Jason",
    "Neil",
    "Martin",
    "Anthony",
    "Patrick",
    "Sean",
    "Liam",
    "Connor",
    "Ryan",
    "Adam",
    "Luke",
    "Nathan",
    "Callum",
    "Kieran",
    "Jamie",
    "Dylan",
    "Mohammed",
    "Ahmed",
    "Omar",
    "Bilal",
    "Arjun",
    "Raj",
    "Piotr",
    "Tomasz",
    "Kwame",
    "Chinedu",
    "Rhys",
    "Owen",
    "Gareth",
    "Aled",
    "Fraser",
    "Euan",
    "Dominic",
    "Edward",
    "Tom",
    "Ben",
    "Sam",
];

/// Street name stems and endings.
pub(crate) const STREETS: &[&str] = &[
    "Church",
    "Mill",
    "Station",
    "Park",
    "Victoria",
    "Green",
    "Manor",
    "Queen's",
    "King's",
    "High",
    "School",
    "Chapel",
    "Bridge",
    "Windmill",
    "Meadow",
    "Orchard",
    "Elm",
    "Oak",
    "Ash",
    "Beech",
    "Willow",
    "Cedar",
    "Maple",
    "Hawthorn",
    "Holly",
    "Rowan",
    "Larch",
    "Albert",
    "Alexandra",
    "Balmoral",
    "Windsor",
    "Highfield",
    "Springfield",
    "Fairfield",
    "Westfield",
    "Brookside",
    "Riverside",
    "Hillside",
    "Woodland",
    "Grange",
    "Abbey",
    "Priory",
    "Castle",
    "Market",
    "Mount",
    "North",
    "South",
    "East",
    "West",
    "New",
    "Old",
    "Crown",
    "Forge",
    "Tannery",
    "Ropewalk",
    "Foundry",
    "Canal",
    "Harbour",
    "Quarry",
    "Kiln",
    "Sandy",
    "Stony",
    "Long",
];
pub(crate) const STREET_ENDINGS: &[&str] = &[
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens", "Court",
    "Place", "Grove", "Terrace", "View", "Rise",
];

/// Policing area names (a basic command unit each) and their towns.
pub(crate) const AREAS: &[(&str, &[&str])] = &[
    ("North", &["Northtown", "Highmoor", "Kelby", "Thornwick"]),
    (
        "South",
        &["Southport Vale", "Ashcombe", "Lydford", "Sandwell Cross"],
    ),
    ("East", &["Easton", "Marshby", "Fenwick", "Holt Green"]),
    ("West", &["Westbury", "Cranleigh", "Oldmoor", "Stanton"]),
    (
        "Central",
        &["Northshire City", "Kingsgate", "Abbeyfield", "Millbrook"],
    ),
    (
        "Riverside",
        &["Riverton", "Weirford", "Ferrybridge", "Locksley"],
    ),
    (
        "Coastal",
        &["Seacombe", "Shelby Bay", "Cliffhaven", "Saltmarsh"],
    ),
    (
        "Forest",
        &["Oakhurst", "Ashdown", "Bramblewood", "Hartfield"],
    ),
    ("Valley", &["Dalton", "Glenby", "Brookvale", "Coldwater"]),
    (
        "Harbour",
        &["Portmere", "Anchorage", "Quayside", "Tidewell"],
    ),
    ("Moorland", &["Heathby", "Tor Hill", "Granton", "Bleakley"]),
    (
        "City",
        &[
            "Northshire Central",
            "Cathedral Quarter",
            "Docklands",
            "Old Town",
        ],
    ),
];

/// Vehicle makes and models.
pub(crate) const VEHICLES: &[(&str, &str)] = &[
    ("FORD", "FIESTA"),
    ("FORD", "FOCUS"),
    ("VAUXHALL", "CORSA"),
    ("VAUXHALL", "ASTRA"),
    ("VOLKSWAGEN", "GOLF"),
    ("VOLKSWAGEN", "POLO"),
    ("NISSAN", "QASHQAI"),
    ("TOYOTA", "YARIS"),
    ("TOYOTA", "COROLLA"),
    ("BMW", "3 SERIES"),
    ("AUDI", "A3"),
    ("MERCEDES-BENZ", "A CLASS"),
    ("KIA", "SPORTAGE"),
    ("HYUNDAI", "TUCSON"),
    ("PEUGEOT", "208"),
    ("RENAULT", "CLIO"),
    ("SKODA", "OCTAVIA"),
    ("MINI", "COOPER"),
    ("TESLA", "MODEL 3"),
    ("FORD", "TRANSIT"),
];
pub(crate) const COLOURS: &[&str] = &[
    "BLACK", "WHITE", "SILVER", "GREY", "BLUE", "RED", "GREEN", "ORANGE", "BROWN",
];

/// Personal webmail domains staff and the public use.
pub(crate) const WEBMAIL: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "hotmail.co.uk",
    "yahoo.co.uk",
    "icloud.com",
    "btinternet.com",
];

/// A forename for a person of the given sex (`true` for female).
pub(crate) fn forename(rng: &mut SimRng, female: bool) -> &'static str {
    let list = if female { FEMALE } else { MALE };
    pick(rng, list).copied().unwrap_or("Alex")
}

/// An ASCII, lower-case form of a name for account names and email addresses.
pub(crate) fn slug(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A copy of `word` with one typing slip: two neighbouring letters swapped, a letter doubled or a
/// letter dropped. Words of three letters or fewer are left alone.
pub(crate) fn typo(rng: &mut SimRng, word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 3 {
        return word.to_owned();
    }
    // Keep the first letter: people rarely mistype it, and matching relies on it least.
    let at = rng.random_range(1..chars.len() - 1);
    let mut out = chars.clone();
    match rng.random_range(0..3) {
        0 => out.swap(at, at + 1),
        1 => out.insert(at, chars[at]),
        _ => {
            out.remove(at);
        }
    }
    if out == chars {
        out.insert(at, chars[at]);
    }
    out.into_iter().collect()
}

/// A person's name as a records system holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeldName {
    /// The name as displayed (`SMITH, Jane`).
    pub display: String,
    /// Forenames as held (one may carry a typing slip).
    pub forenames: String,
    /// Surname as held.
    pub surname: String,
}

/// How a records system holds a person's name: mostly `SURNAME, Forename`, sometimes with middle
/// names, in other orders or cases, and now and then with a typing slip in one of the names.
pub(crate) fn records_name(
    rng: &mut SimRng,
    forename: &str,
    middle: Option<&str>,
    surname: &str,
) -> HeldName {
    let slip = rng.random_range(0..100);
    let (forename, surname) = match slip {
        0..=2 => (forename.to_owned(), typo(rng, surname)),
        3..=4 => (typo(rng, forename), surname.to_owned()),
        _ => (forename.to_owned(), surname.to_owned()),
    };
    let forenames = match middle {
        Some(middle) => format!("{forename} {middle}"),
        None => forename.clone(),
    };
    let upper = surname.to_uppercase();
    let display = match rng.random_range(0..100) {
        0..=64 => format!("{upper}, {forename}"),
        65..=74 => format!("{upper}, {forenames}"),
        75..=83 => format!("{forename} {upper}"),
        84..=91 => format!("{surname}, {forename}"),
        _ => format!("{upper}, {}", forename.to_uppercase()),
    };
    HeldName {
        display,
        forenames,
        surname,
    }
}

/// How a postcode is written: the canonical `NS4 7QD` mostly, else without the space or in lower
/// case.
pub(crate) fn postcode_as_held(rng: &mut SimRng, canonical: &str) -> String {
    match rng.random_range(0..100) {
        0..=79 => canonical.to_owned(),
        80..=89 => canonical.replace(' ', ""),
        _ => canonical.to_lowercase(),
    }
}

/// A UK-style registration mark, `AB12 CDE`, from a number (distinct numbers give distinct marks).
pub(crate) fn registration(number: u64) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNOPRSTUVWXYZ";
    let letters = LETTERS.len() as u64;
    // The number of distinct marks: three tail letters, 48 age identifiers, two area letters.
    const SPACE: u128 = 24 * 24 * 24 * 48 * 24 * 24;
    // Multiplying by a number coprime with the space shuffles it without repeats.
    const SCATTER: u128 = 2_654_435_761;
    let mut n = ((u128::from(number) % SPACE) * SCATTER % SPACE) as u64;
    let mut tail = [b'A'; 3];
    for slot in tail.iter_mut().rev() {
        *slot = LETTERS[(n % letters) as usize];
        n /= letters;
    }
    // Age identifiers run 02-25 (March registrations) and 51-74 (September ones).
    let code = n % 48;
    let age = if code < 24 { code + 2 } else { code + 27 };
    n /= 48;
    let first = LETTERS[(n % letters) as usize];
    n /= letters;
    let second = LETTERS[(n % letters) as usize];
    format!(
        "{}{}{:02} {}",
        first as char,
        second as char,
        age,
        String::from_utf8_lossy(&tail)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    #[test]
    fn typos_change_the_word_and_keep_its_start() {
        let mut rng = stream(1, Purpose::Population, 0, 0);
        for _ in 0..200 {
            let slip = typo(&mut rng, "SMITH");
            assert_ne!(slip, "SMITH");
            assert!(slip.starts_with('S'));
        }
        assert_eq!(typo(&mut rng, "LEE"), "LEE");
    }

    #[test]
    fn registrations_are_distinct_and_shaped() {
        let marks: std::collections::HashSet<String> = (0..100_000).map(registration).collect();
        assert_eq!(marks.len(), 100_000);
        let mark = registration(12_345);
        assert_eq!(mark.len(), 8);
        assert_eq!(mark.as_bytes()[4], b' ');
    }
}
